import type { ConformanceData } from '../../core/define.js'

/**
 * Cloud 66 (`cloud66-api-basics.md`): authorization code without refresh,
 * tokens that never expire, the token response urlencoded unless the client
 * asks for JSON or XML, and the token in the `access_token` query parameter.
 */
export const cloud66Conformance: ConformanceData = {
  grant: 'authorization_code',
  refresh: false,
  accessTokenTtlSeconds: null,
  scope: 'public redeploy',
  user: { username: 'demo', password: 'demo' },
  primaryOperation: { operation: 'stacks', route: 'cloud66.stacks' },
  requirements: { token: 'CLOUD66-token', api: 'CLOUD66-api' },
  facts: {
    routes: { authorize: 'cloud66.authorize', token: 'cloud66.token', api: ['cloud66.stacks', 'cloud66.stack', 'cloud66.redeploy'] },
    // @note the document shows only the query, which RFC 6750 §2.3 says SHOULD NOT be used; Doorkeeper also serves the header every resource server MUST support (§2.1). Both pass.
    tokenPresentation: {
      placement: 'query',
      describe: 'the access_token query parameter (cloud66-api-basics.md)',
      requirement: 'CLOUD66-api',
      also: [{ placement: 'header', scheme: /^Bearer /i, describe: 'Authorization: Bearer <access_token> (RFC 6750 §2.1)' }],
    },
    grantTypes: { values: ['authorization_code'], requirement: 'CLOUD66-token' },
    // @note the real server (Doorkeeper) read a JSON body too, but the document and RFC 6749 §4.1.3 say form: a JSON request is a warning.
    tokenRequestFormats: ['form'],
    // "The redirect_uri parameter is optional" (RFC 6749 §4.1.1 OPTIONAL): without it the registered callback is used.
    redirectUriOptional: true,
    clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
    clientAuthRequirement: 'CLOUD66-token',
    pkce: { supported: false, why: 'Cloud 66 ran a Doorkeeper without PKCE; its document never mentions it' },
    registeredRedirectUris: ['http://example.com'],
  },
  document: {
    requirementPrefix: 'CLOUD66-',
    file: 'cloud66-api-basics.md',
    sections: {
      authorize: 'Authorization',
      token: 'Access token',
      'token-response': 'Access token',
      api: 'Using the access token',
      'redirect-uri': 'Redirect URLs',
    },
  },
}
