import type { ClientProfile } from '../../core/define.js'

/** A Keystone client written from keystone-os-oauth2.rst. */
export const keystoneClient: ClientProfile = {
  api: {
    grant: 'client_credentials',
    grantTypes: { code: 'authorization_code', refresh: 'refresh_token', clientCredentials: 'client_credentials' },
    // keystone-os-oauth2.rst: "the request should use the basic authentication header which contains the application credentials".
    clientAuth: 'basic',
    pkce: false,
    // keystonemiddleware's oauth2_token filter compares the scheme with "Bearer" literally.
    presentToken: (_url, headers, token) => headers.set('authorization', `Bearer ${token}`),
    rejectedTokenStatuses: [401],
    operations: { servers: { method: 'GET', path: () => '/v2.1/servers' } },
  },
}
