import type { ConformanceData } from '../../core/define.js'

/**
 * Keystone OS-OAUTH2 (`keystone-os-oauth2.rst`): client credentials with the
 * application credential in HTTP Basic, tokens of `[token] expiration` (3600
 * s), used as `Authorization: Bearer` on services behind keystonemiddleware.
 */
export const keystoneConformance: ConformanceData = {
  grant: 'client_credentials',
  refresh: false,
  accessTokenTtlSeconds: 3600,
  user: { username: '', password: '' },
  primaryOperation: { operation: 'servers', route: 'keystone.compute-servers' },
  requirements: { token: 'KEYSTONE-token', api: 'KEYSTONE-api' },
  facts: {
    routes: { token: 'keystone.token', api: ['keystone.compute-servers', 'keystone.compute-server'] },
    tokenPresentation: {
      placement: 'header',
      scheme: /^Bearer /,
      describe: 'Authorization: Bearer <access_token> (keystonemiddleware compares "Bearer" literally)',
      requirement: 'KEYSTONE-api',
    },
    // "the request should use the basic authentication header which contains the application credentials"
    clientAuthMethods: ['client_secret_basic'],
    grantTypes: { values: ['client_credentials'], requirement: 'KEYSTONE-token' },
    tokenRequestFormats: ['form'],
    clientAuthRequirement: 'KEYSTONE-token',
    pkce: { supported: false, why: 'client credentials: no authorization request, so no PKCE' },
    registeredRedirectUris: [],
  },
  document: {
    requirementPrefix: 'KEYSTONE-',
    file: 'keystone-os-oauth2.rst',
    sections: { token: 'Create Access Token', api: 'Delegated Authentication Flow' },
  },
}
