import { RFC_GRANT_TYPES, presentBearerHeader, type ClientProfile } from '../../core/define.js'

/** A Keystone client written from keystone-os-oauth2.rst. */
export const keystoneClient: ClientProfile = {
  api: {
    grant: 'client_credentials',
    grantTypes: RFC_GRANT_TYPES,
    // keystone-os-oauth2.rst: "the request should use the basic authentication header which contains the application credentials".
    clientAuth: 'basic',
    pkce: false,
    // keystonemiddleware's oauth2_token filter compares the scheme with "Bearer" literally.
    presentToken: presentBearerHeader,
    rejectedTokenStatuses: [401],
    operations: { servers: { method: 'GET', path: () => '/v2.1/servers' } },
  },
}
