import { PROVIDERS } from '../../mocks/registry.js'
import type { ProviderProfile } from './profile.js'

/**
 * Cogo Carbon Engine (`cogo-carbon-engine-auth.txt`): client credentials with
 * HTTP Basic only, RS256 JWT access tokens living one hour, an API on another
 * host answering 403 without a valid token.
 */
export const cogoProfile: ProviderProfile = {
  id: 'cogo',
  registryId: 'cogo',
  create: (options) => PROVIDERS.cogo.create(options),
  grant: 'client_credentials',
  refresh: false,
  accessTokenTtlSeconds: 3600,
  clientConfig(provider) {
    const d = provider.describe()
    return {
      provider: 'cogo',
      tokenEndpoint: String(d.tokenEndpoint),
      apiBaseUrl: String(d.apiBaseUrl),
      clientId: d.clients[0].id,
      clientSecret: d.clients[0].secret,
    }
  },
  user: { username: '', password: '' },
  primaryOperation: { operation: 'categories', route: 'cogo.categories' },
  requirements: { token: 'COGO-token', api: 'COGO-api', expiry: 'COGO-expiry' },
  facts: {
    id: 'cogo',
    routes: { token: 'cogo.token', api: ['cogo.categories', 'cogo.category', 'cogo.footprints'] },
    tokenPresentation: { placement: 'header', scheme: /^Bearer /, describe: 'Authorization: Bearer <access_token>', requirement: 'COGO-api' },
    // "The client must pass their client_id and client_secret in the Authorization header using Basic HTTP authorization."
    clientAuthMethods: ['client_secret_basic'],
    grantTypes: { values: ['client_credentials'], requirement: 'COGO-token' },
    tokenRequestFormats: ['form'],
    clientAuthRequirement: 'COGO-token',
    pkce: { supported: false, why: 'client credentials: no authorization request, so no PKCE' },
    registeredRedirectUris: [],
  },
}
