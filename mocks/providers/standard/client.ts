import { RFC_GRANT_TYPES, presentBearerHeader, type ClientProfile } from '../../core/define.js'

/** A client of the standard provider, written from the RFCs. */
export const standardClient: ClientProfile = {
  api: {
    grant: 'authorization_code',
    grantTypes: RFC_GRANT_TYPES,
    clientAuth: 'basic',
    // OAuth 2.1 §4.1.1 and RFC 9700 §2.1.1: PKCE with S256, which the server requires.
    pkce: true,
    // OpenID Connect: a nonce, and the ID token validated (OIDC Core §3.1.3.7); the device grant as the device-sign-in operation.
    openid: true,
    deviceGrant: true,
    presentToken: presentBearerHeader,
    rejectedTokenStatuses: [401],
    // `resource-items` is under the protected resource: the MCP-style client starts there (`resourceUrl` is its base).
    operations: { userinfo: { method: 'GET', path: () => '/userinfo' }, 'resource-items': { method: 'GET', path: () => '/items' } },
  },
}
