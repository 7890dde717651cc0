import { PROVIDERS } from '../../mocks/registry.js'
import type { ProviderProfile } from './profile.js'

/**
 * Cloud 66 (`cloud66-api-basics.md`): authorization code without refresh,
 * tokens that never expire, the token response urlencoded unless the client
 * asks for JSON or XML, and the token in the `access_token` query parameter.
 */
export const cloud66Profile: ProviderProfile = {
  id: 'cloud66',
  registryId: 'cloud66',
  create: (options) => PROVIDERS.cloud66.create(options),
  grant: 'authorization_code',
  refresh: false,
  accessTokenTtlSeconds: null,
  clientConfig(provider) {
    const d = provider.describe()
    const client = d.clients[0]
    return {
      provider: 'cloud66',
      authorizationEndpoint: `${d.baseUrl}/oauth/authorize`,
      tokenEndpoint: `${d.baseUrl}/oauth/token`,
      apiBaseUrl: String(d.apiBaseUrl),
      clientId: client.id,
      clientSecret: client.secret,
      redirectUri: client.redirectUris[0],
      scope: 'public redeploy',
    }
  },
  user: { username: 'demo', password: 'demo' },
  primaryOperation: { operation: 'stacks', route: 'cloud66.stacks' },
  requirements: { token: 'CLOUD66-token', api: 'CLOUD66-api' },
  facts: {
    id: 'cloud66',
    routes: { authorize: 'cloud66.authorize', token: 'cloud66.token', api: ['cloud66.stacks', 'cloud66.stack', 'cloud66.redeploy'] },
    tokenPresentation: { placement: 'query', describe: 'the access_token query parameter (cloud66-api-basics.md)', requirement: 'CLOUD66-api' },
    clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
    clientAuthRequirement: 'CLOUD66-token',
    pkce: { supported: false, why: 'Cloud 66 ran a Doorkeeper without PKCE; its document never mentions it' },
    registeredRedirectUris: ['http://example.com'],
  },
}
