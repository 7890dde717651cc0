import { PROVIDERS } from '../../mocks/registry.js'
import type { ProviderProfile } from './profile.js'

/**
 * GoCD (`gocd-oauth.txt`): authorization code and refresh with hyphenated
 * grant types, client credentials in the form body, consent by a checkbox,
 * and `Authorization: Token token="..."` on `/go/cctray.xml`.
 */
export const gocdProfile: ProviderProfile = {
  id: 'gocd',
  registryId: 'gocd',
  create: (options) => PROVIDERS.gocd.create(options),
  grant: 'authorization_code',
  refresh: true,
  accessTokenTtlSeconds: null,
  clientConfig(provider) {
    const d = provider.describe()
    const client = d.clients[0]
    return {
      provider: 'gocd',
      authorizationEndpoint: `${d.baseUrl}/go/oauth/authorize`,
      tokenEndpoint: `${d.baseUrl}/go/oauth/token`,
      apiBaseUrl: d.baseUrl,
      clientId: client.id,
      clientSecret: client.secret,
      redirectUri: client.redirectUris[0],
    }
  },
  user: { username: 'admin', password: 'demo' },
  primaryOperation: { operation: 'cctray', route: 'gocd.cctray' },
  requirements: { token: 'GOCD-token', api: 'GOCD-api', refresh: 'GOCD-refresh' },
  accessDeniedError: 'access-denied',
  facts: {
    id: 'gocd',
    routes: { authorize: 'gocd.authorize', token: 'gocd.token', api: ['gocd.cctray', 'gocd.pipeline-stages'] },
    tokenPresentation: { placement: 'header', scheme: /^Token token="[^"]*"$/, describe: 'Authorization: Token token="<access_token>"', requirement: 'GOCD-api' },
    clientAuthMethods: ['client_secret_post'],
    clientAuthRequirement: 'GOCD-token',
    pkce: { supported: false, why: 'GoCD\'s OAuth server (2013) has no PKCE' },
    registeredRedirectUris: ['http://www.my_redirect_uri.com'],
  },
}
