import type { ConformanceData } from '../../core/define.js'
import { carinaFixtures } from '../../../fixtures/carina.js'

/**
 * Carina (`carina-oauth.txt`): authorization code with refresh, Doorkeeper 3.
 * The document asks for `Authorization: bearer <access_token>` on every call
 * and shows the client credentials in a JSON token request body; Doorkeeper
 * took HTTP Basic as well.
 */
export const carinaConformance: ConformanceData = {
  grant: 'authorization_code',
  refresh: true,
  accessTokenTtlSeconds: 7200,
  scope: 'identity cluster_credentials create_cluster',
  user: { username: carinaFixtures.user.username, password: carinaFixtures.user.password },
  primaryOperation: { operation: 'me', route: 'carina.me' },
  requirements: { token: 'CARINA-token', api: 'CARINA-api', refresh: 'CARINA-refresh' },
  facts: {
    routes: { authorize: 'carina.authorize', token: 'carina.token', api: ['carina.me', 'carina.create-cluster', 'carina.cluster-credentials'] },
    tokenPresentation: { placement: 'header', scheme: /^bearer /i, describe: 'Authorization: bearer <access_token>', requirement: 'CARINA-api' },
    // Doorkeeper's token grants; the document shows authorization_code and refresh_token.
    grantTypes: { values: ['authorization_code', 'refresh_token'], requirement: 'CARINA-token' },
    // The document's token request example is a JSON body (Doorkeeper read it); the RFC's form works too.
    tokenRequestFormats: ['form', 'json'],
    // RFC 7009 §2.1: the client authenticates at Doorkeeper's /oauth/revoke as at the token endpoint.
    clientAuthRoutes: ['carina.revoke'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    clientAuthRequirement: 'CARINA-token',
    pkce: {
      supported: false,
      why: 'Carina ran Doorkeeper 3, which has no PKCE (it came in Doorkeeper 5); the mock ignores code_challenge as the real server did',
    },
    registeredRedirectUris: [...carinaFixtures.application.redirectUris],
  },
  document: {
    requirementPrefix: 'CARINA-',
    file: 'carina-oauth.txt',
    sections: {
      authorize: 'OAuth dance',
      token: 'Configure your application',
      refresh: 'Configure your application',
      api: 'Interact with Carina',
      me: 'Identity scope',
      'cluster-credentials': 'Cluster credentials scope',
      'create-cluster': 'Create cluster scope',
      'redirect-uri': 'Register your application',
    },
  },
}
