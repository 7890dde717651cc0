import type { Scenario } from '../types.js'
import { PROFILES } from '../profiles/index.js'
import type { Flow } from './common.js'
import happyPath from './flows/happy-path.js'
import accessDenied from './flows/access-denied.js'
import stateMismatch from './flows/state-mismatch.js'
import stateMissing from './flows/state-missing.js'
import expiredToken from './flows/expired-token.js'
import refreshTokenRotation from './flows/refresh-token-rotation.js'
import refreshTokenRevoked from './flows/refresh-token-revoked.js'
import reuseToken from './flows/reuse-token.js'
import tokenServerError from './flows/token-server-error.js'
import tokenUnavailable from './flows/token-unavailable.js'
import tokenSlowAnswer from './flows/token-slow-answer.js'
import tokenConnectionDropped from './flows/token-connection-dropped.js'
import tokenMalformedJson from './flows/token-malformed-json.js'
import tokenWrongContentType from './flows/token-wrong-content-type.js'
import tokenErrorIn200 from './flows/token-error-in-200.js'
import tokenHtml502 from './flows/token-html-502.js'
import apiRateLimited from './flows/api-rate-limited.js'
import carinaClusterPolling from './carina/cluster-polling.js'
import cloud66UrlencodedTokenResponse from './cloud66/urlencoded-token-response.js'
import cogoInvalidTokenExpired from './cogo/invalid-token-expired.js'
import cogoInvalidTokenWrongIssuer from './cogo/invalid-token-wrong-issuer.js'
import cogoInvalidTokenWrongAudience from './cogo/invalid-token-wrong-audience.js'
import cogoInvalidTokenBadSignature from './cogo/invalid-token-bad-signature.js'
import cogoInvalidTokenUnknownKid from './cogo/invalid-token-unknown-kid.js'
import cogoInvalidTokenPersists from './cogo/invalid-token-persists.js'
import cogoKeyRotation from './cogo/key-rotation.js'
import standardMixUp from './standard/mix-up.js'
import standardRefreshRotation from './standard/refresh-rotation.js'
import standardInvalidIdTokenBadSignature from './standard/invalid-id-token-bad-signature.js'
import standardInvalidIdTokenAlgNone from './standard/invalid-id-token-alg-none.js'
import standardInvalidIdTokenWrongIssuer from './standard/invalid-id-token-wrong-issuer.js'
import standardInvalidIdTokenWrongAudience from './standard/invalid-id-token-wrong-audience.js'
import standardInvalidIdTokenUnexpectedAzp from './standard/invalid-id-token-unexpected-azp.js'
import standardInvalidIdTokenExpired from './standard/invalid-id-token-expired.js'
import standardInvalidIdTokenFutureIat from './standard/invalid-id-token-future-iat.js'
import standardInvalidIdTokenWrongNonce from './standard/invalid-id-token-wrong-nonce.js'
import standardInvalidIdTokenMissingNonce from './standard/invalid-id-token-missing-nonce.js'
import standardKeyRotation from './standard/key-rotation.js'
import standardUserinfoWrongSub from './standard/userinfo-wrong-sub.js'
import standardDeviceSlowDown from './standard/device-slow-down.js'
import standardDeviceAccessDenied from './standard/device-access-denied.js'
import standardDeviceExpired from './standard/device-expired.js'
import standardResourceStart from './standard/resource-start.js'
import standardMovedEndpoints from './standard/moved-endpoints.js'

/** Flows shared by every provider they apply to, in report order. */
export const FLOWS: Flow[] = [
  happyPath,
  accessDenied,
  stateMismatch,
  stateMissing,
  expiredToken,
  refreshTokenRotation,
  refreshTokenRevoked,
  reuseToken,
  tokenServerError,
  tokenUnavailable,
  tokenSlowAnswer,
  tokenConnectionDropped,
  tokenMalformedJson,
  tokenWrongContentType,
  tokenErrorIn200,
  tokenHtml502,
  apiRateLimited,
]

/** Scenarios only one provider has (`scenarios/<provider>/`). */
export const PROVIDER_SCENARIOS: Record<string, Scenario[]> = {
  carina: [carinaClusterPolling],
  cloud66: [cloud66UrlencodedTokenResponse],
  cogo: [
    cogoInvalidTokenExpired,
    cogoInvalidTokenWrongIssuer,
    cogoInvalidTokenWrongAudience,
    cogoInvalidTokenBadSignature,
    cogoInvalidTokenUnknownKid,
    cogoInvalidTokenPersists,
    cogoKeyRotation,
  ],
  standard: [
    standardMixUp,
    standardRefreshRotation,
    standardInvalidIdTokenBadSignature,
    standardInvalidIdTokenAlgNone,
    standardInvalidIdTokenWrongIssuer,
    standardInvalidIdTokenWrongAudience,
    standardInvalidIdTokenUnexpectedAzp,
    standardInvalidIdTokenExpired,
    standardInvalidIdTokenFutureIat,
    standardInvalidIdTokenWrongNonce,
    standardInvalidIdTokenMissingNonce,
    standardKeyRotation,
    standardUserinfoWrongSub,
    standardDeviceSlowDown,
    standardDeviceAccessDenied,
    standardDeviceExpired,
    standardResourceStart,
    standardMovedEndpoints,
  ],
}

/**
 * Every scenario of a provider: the shared flows that apply, then its own.
 *
 * @example
 * scenariosFor('carina').map((s) => s.id) // ['happy-path', 'access-denied', …, 'cluster-polling']
 */
export function scenariosFor(provider: string, only?: string[]): Scenario[] {
  const profile = PROFILES[provider]
  if (!profile) return []
  const all = [...FLOWS.map((flow) => flow(profile)).filter((s): s is Scenario => s !== undefined), ...(PROVIDER_SCENARIOS[provider] ?? [])]
  return only?.length ? all.filter((s) => only.includes(s.id)) : all
}
