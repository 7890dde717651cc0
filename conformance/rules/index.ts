/**
 * Every rule, by id. Rules are pure: they read a scenario's recording and
 * return pass, fail or skip with expected/actual; scenarios choose severity.
 */
export { sendState } from './rfc6749/send-state.js'
export { rejectStateMismatch } from './rfc6749/reject-state-mismatch.js'
export { sendRegisteredRedirectUri } from './rfc6749/send-registered-redirect-uri.js'
export { keepClientSecretPrivate } from './rfc6749/keep-client-secret-private.js'
export { useProviderClientAuth } from './rfc6749/use-provider-client-auth.js'
export { stopAfterAccessDenied } from './rfc6749/stop-after-access-denied.js'
export { useRefreshToken } from './rfc6749/use-refresh-token.js'
export { avoidExpiredToken } from './rfc6749/avoid-expired-token.js'
export { reuseUnexpiredToken } from './rfc6749/reuse-unexpired-token.js'
export { sendTokenAsDocumented } from './rfc6750/send-token-as-documented.js'
export { sendPkce } from './rfc7636/send-pkce.js'
export { respectRetryAfter } from './rfc9110/respect-retry-after.js'
export { avoidRetryStorm } from './rfc9110/avoid-retry-storm.js'
export { respectPollingInterval } from './provider/respect-polling-interval.js'
export { reachExpectedOutcome } from './harness/reach-expected-outcome.js'
export { passStrictProviderChecks, type Violation } from './harness/pass-strict-provider-checks.js'
export { pass, fail, skip, defineRule } from './verdict.js'
