import type { ConformanceData } from '../../core/define.js'
import { STANDARD_FIXTURES } from './config.js'

/**
 * `standard`, the OAuth 2.1 / OpenID Connect server built to today's RFCs:
 * authorization code with PKCE S256 (required), rotating refresh tokens,
 * `Authorization: Bearer` (RFC 6750 §2.1). The harness client is the seeded
 * confidential client; its protected call is UserInfo. Its requirements are
 * RFC sections: no document of its own.
 */
export const standardConformance: ConformanceData = {
  grant: 'authorization_code',
  refresh: true,
  accessTokenTtlSeconds: 3600,
  scope: 'openid profile',
  // RFC 9207: the server sends `iss` in authorization responses; the client must compare it.
  checksIssuer: true,
  user: { username: STANDARD_FIXTURES.user.username, password: STANDARD_FIXTURES.user.password },
  primaryOperation: { operation: 'userinfo', route: 'standard.userinfo' },
  requirements: { token: 'RFC6749-3.2', api: 'RFC6750-2.1', refresh: 'RFC6749-6' },
  facts: {
    routes: {
      authorize: 'standard.authorize',
      token: 'standard.token',
      api: ['standard.userinfo', 'standard.resource', 'standard.resource-path'],
      jwks: 'standard.jwks',
      userinfo: 'standard.userinfo',
      deviceAuthorization: 'standard.device-authorization',
    },
    tokenPresentation: { placement: 'header', scheme: /^Bearer /, describe: 'Authorization: Bearer <access_token>', requirement: 'RFC6750-2.1' },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    // The device authorization request authenticates the client as the token request does (RFC 8628 §3.1).
    clientAuthRoutes: ['standard.device-authorization'],
    grantTypes: {
      values: ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'],
      requirement: 'RFC6749-4.1.3',
    },
    tokenRequestFormats: ['form'],
    clientAuthRequirement: 'RFC6749-2.3.1',
    pkce: { supported: true, why: 'OAuth 2.1 and RFC 9700 §2.1.1 require PKCE with S256; the server refuses an authorization request without it' },
    registeredRedirectUris: [...STANDARD_FIXTURES.confidentialClient.redirectUris],
  },
}
