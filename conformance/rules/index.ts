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
export { refetchRefusedTokenOnce } from './rfc6750/refetch-refused-token-once.js'
export { sendTokenAsDocumented } from './rfc6750/send-token-as-documented.js'
export { sendPkce } from './rfc7636/send-pkce.js'
export { useNewestRefreshToken } from './rfc9700/use-newest-refresh-token.js'
export { rejectMixedUpResponse } from './rfc9207/reject-mixed-up-response.js'
export {
  verifyIdTokenSignature,
  refuseUnsignedIdToken,
  checkIdTokenIssuer,
  checkIdTokenAudience,
  checkIdTokenExpiry,
  checkIdTokenIssuedAt,
  checkIdTokenNonce,
} from './oidcc/reject-broken-id-token.js'
export { sendNonce } from './oidcc/send-nonce.js'
export { checkUserinfoSub } from './oidcc/check-userinfo-sub.js'
export { refetchJwksOnce } from './oidcc/refetch-jwks-once.js'
export { respectDevicePollingInterval } from './rfc8628/respect-device-polling-interval.js'
export { stopPollingWhenRefused } from './rfc8628/stop-polling-when-refused.js'
export { respectRetryAfter } from './rfc9110/respect-retry-after.js'
export { avoidRetryStorm } from './rfc9110/avoid-retry-storm.js'
export { respectPollingInterval } from './provider/respect-polling-interval.js'
export { reachExpectedOutcome } from './harness/reach-expected-outcome.js'
export { sendEachParameterOnce } from './rfc6749/send-each-parameter-once.js'
export { useOneClientAuthMethod } from './rfc6749/use-one-client-auth-method.js'
export { sendFormEncodedTokenRequest } from './rfc6749/send-form-encoded-token-request.js'
export { sendTokenOneWay } from './rfc6750/send-token-one-way.js'
export { redeemCodeOnce } from './rfc6749/redeem-code-once.js'
export { stopRetryingRefusedGrant } from './rfc6749/stop-retrying-refused-grant.js'
export { reportUnreadableTokenResponse } from './rfc6749/report-unreadable-token-response.js'
export { readErrorInTokenResponse } from './rfc6749/read-error-in-token-response.js'
export { avoidJsonTokenRequest } from './rfc6749/avoid-json-token-request.js'
export { useDocumentedGrantType } from './rfc6749/use-documented-grant-type.js'
export { keepTokenAfterApiError } from './rfc6750/keep-token-after-api-error.js'
export { passStrictProviderChecks } from './harness/pass-strict-provider-checks.js'
export { defineViolationRule, violationsOf } from './harness/violation-rule.js'
export type { Violation } from '../../mocks/core/routes.js'
export { pass, fail, skip, defineRule } from './verdict.js'
export { followResourceMetadata } from './rfc9728/follow-resource-metadata.js'
export { useRegisteredClientId } from './rfc7591/use-registered-client-id.js'
export { sendResourceIndicator } from './rfc8707/send-resource-indicator.js'
export { sendTokenOnlyToItsResource } from './rfc8707/send-token-only-to-its-resource.js'
export { useDiscoveredEndpoints } from './rfc8414/use-discovered-endpoints.js'
