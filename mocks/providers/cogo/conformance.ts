import type { ConformanceData } from '../../core/define.js'

/**
 * Cogo Carbon Engine (`cogo-carbon-engine-auth.txt`): client credentials with
 * HTTP Basic only, RS256 JWT access tokens living one hour, an API on another
 * host answering 403 without a valid token.
 */
export const cogoConformance: ConformanceData = {
  grant: 'client_credentials',
  refresh: false,
  accessTokenTtlSeconds: 3600,
  user: { username: '', password: '' },
  primaryOperation: { operation: 'categories', route: 'cogo.categories' },
  requirements: { token: 'COGO-token', api: 'COGO-api', expiry: 'COGO-expiry' },
  facts: {
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
  document: {
    requirementPrefix: 'COGO-',
    file: 'cogo-carbon-engine-auth.txt',
    sections: {
      token: 'Obtain an access token from the Cogo Authorization Server',
      api: 'Using the access token to call API endpoints',
      expiry: 'Using the access token to call API endpoints',
    },
  },
}
