import type { ConformanceData } from '../../core/define.js'
import { GOCD_TOKEN_TTL_SECONDS } from './config.js'

/**
 * GoCD (`gocd-oauth.txt`): authorization code and refresh with hyphenated
 * grant types, client credentials in the form body, consent by a checkbox,
 * and `Authorization: Token token="..."` on `/go/cctray.xml`.
 */
export const gocdConformance: ConformanceData = {
  grant: 'authorization_code',
  refresh: true,
  // EXPIRY_TIME = 90.days, sent as expires_in: GoCD never refused an expired token, but a client that ignores expires_in or cannot refresh shows it here.
  accessTokenTtlSeconds: GOCD_TOKEN_TTL_SECONDS,
  user: { username: 'admin', password: 'demo' },
  primaryOperation: { operation: 'cctray', route: 'gocd.cctray' },
  requirements: { token: 'GOCD-token', api: 'GOCD-api', refresh: 'GOCD-refresh' },
  accessDeniedError: 'access-denied',
  facts: {
    routes: { authorize: 'gocd.authorize', token: 'gocd.token', api: ['gocd.cctray', 'gocd.pipeline-stages'] },
    tokenPresentation: {
      placement: 'header',
      scheme: /^Token token="[^"]*"$/,
      describe: 'Authorization: Token token="<access_token>"',
      requirement: 'GOCD-api',
    },
    clientAuthMethods: ['client_secret_post'],
    // gocd-oauth.txt: "grant_type=authorization-code" and "grant_type=refresh-token", the early draft's spellings; the RFC's are refused.
    grantTypes: { values: ['authorization-code', 'refresh-token'], requirement: 'GOCD-token' },
    // "form data"; Rails also parsed JSON, but nothing documents it (RFC 6749 §4.1.3: form): a warning.
    tokenRequestFormats: ['form'],
    clientAuthRequirement: 'GOCD-token',
    pkce: { supported: false, why: "GoCD's OAuth server (2013) has no PKCE" },
    registeredRedirectUris: ['http://www.my_redirect_uri.com'],
  },
  document: { requirementPrefix: 'GOCD-', file: 'gocd-oauth.txt', sections: { authorize: 'Step 1', token: 'Step 2', refresh: 'Refresh', api: 'Step 3' } },
}
