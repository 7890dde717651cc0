import { expectRule } from '../scenario.js'
import type { ProviderProfile } from '../profiles/profile.js'
import {
  avoidJsonTokenRequest,
  avoidRetryStorm,
  keepTokenAfterApiError,
  readErrorInTokenResponse,
  redeemCodeOnce,
  reportUnreadableTokenResponse,
  stopRetryingRefusedGrant,
  useDocumentedGrantType,
  useNewestRefreshToken,
  keepClientSecretPrivate,
  passStrictProviderChecks,
  reachExpectedOutcome,
  refetchRefusedTokenOnce,
  respectRetryAfter,
  sendEachParameterOnce,
  sendFormEncodedTokenRequest,
  sendRegisteredRedirectUri,
  sendTokenAsDocumented,
  sendTokenOneWay,
  useOneClientAuthMethod,
  useProviderClientAuth,
  verifyIdTokenSignature,
  refuseUnsignedIdToken,
  checkIdTokenIssuer,
  checkIdTokenAudience,
  checkIdTokenExpiry,
  checkIdTokenIssuedAt,
  checkIdTokenNonce,
  sendNonce,
} from '../rules/index.js'
import type { FaultAction } from '../../mocks/core/faults.js'
import type { Rule, RuleUse, Scenario, Step } from '../types.js'

/**
 * A flow that applies to several providers: one file per flow under
 * `scenarios/flows/`, its id the file name; it returns undefined for a
 * provider it does not apply to.
 */
export type Flow = (profile: ProviderProfile) => Scenario | undefined

/** Rules every scenario runs: they hold in every flow, and skip where they do not apply. */
export function baseRules(profile: ProviderProfile, outcomeRequirements: string[] = []): RuleUse[] {
  return [
    expectRule(reachExpectedOutcome, 'failure', outcomeRequirements),
    expectRule(keepClientSecretPrivate),
    expectRule(useProviderClientAuth, 'failure', [profile.requirements.token]),
    expectRule(sendTokenAsDocumented, 'failure', [profile.requirements.api]),
    expectRule(avoidRetryStorm),
    expectRule(respectRetryAfter),
    // Read from the journal in every scenario, so a breakage shows wherever it happens, not only where a scenario provokes it.
    expectRule(useDocumentedGrantType, 'failure', [profile.facts.grantTypes.requirement]),
    expectRule(redeemCodeOnce),
    expectRule(useNewestRefreshToken),
    expectRule(stopRetryingRefusedGrant),
    expectRule(reportUnreadableTokenResponse),
    expectRule(readErrorInTokenResponse),
    expectRule(keepTokenAfterApiError),
    expectRule(avoidJsonTokenRequest, 'warning'),
    // What the real provider refuses (strict) or the lenient mock records: each requirement has its rule, the rest fall to pass-strict-provider-checks.
    expectRule(sendRegisteredRedirectUri),
    expectRule(sendEachParameterOnce),
    expectRule(useOneClientAuthMethod),
    expectRule(sendFormEncodedTokenRequest),
    expectRule(sendTokenOneWay),
    expectRule(passStrictProviderChecks),
  ]
}

/** The steps that give the client a token: an approved authorization, or nothing (client credentials get one on the first call). */
export function signIn(profile: ProviderProfile, expect: 'ok' | 'settles' = 'ok'): Step[] {
  return profile.grant === 'authorization_code' ? [{ do: 'authorize', user: 'approve', expect, requirements: ['RFC6749-4.1'] }] : []
}

/** The provider's primary protected call. */
export function primaryCall(profile: ProviderProfile, expect: 'ok' | 'settles' | 'error' = 'ok'): Step {
  return { do: 'call', operation: profile.primaryOperation.operation, args: profile.primaryOperation.args, expect, requirements: [profile.requirements.api] }
}

/**
 * A token endpoint fault the client must survive or report cleanly: injected
 * once on the first token request, then the flow runs as usual.
 */
export function tokenFaultScenario(
  profile: ProviderProfile,
  meta: { id: string; title: string; summary: string },
  action: FaultAction,
  extra: Partial<Scenario> = {},
): Scenario {
  return {
    ...meta,
    profile: profile.id,
    steps: [
      { do: 'inject-fault', fault: { route: profile.facts.routes.token, times: 'once', action } },
      ...signIn(profile, 'settles'),
      primaryCall(profile, 'settles'),
    ],
    rules: baseRules(profile, ['RFC6749-5.2']),
    ...extra,
  }
}

const BROKEN_TOKEN_WHY: Record<string, string> = {
  expired: 'already past its "exp"',
  'wrong-issuer': 'issued by another "iss"',
  'wrong-audience': 'for another "aud"',
  'bad-signature': 'signed by a key that was never published, under the current "kid"',
  'unknown-kid': 'signed under a "kid" the JWKS does not list',
}

/**
 * The token endpoint issues, once, a token that looks genuine but that the
 * API refuses (a `broken-token` fault); a robust client gets a new token,
 * once, and its call succeeds. One scenario per kind, so each stands alone.
 */
export function invalidTokenScenario(
  profile: ProviderProfile,
  kind: 'expired' | 'wrong-issuer' | 'wrong-audience' | 'bad-signature' | 'unknown-kid',
): Scenario {
  return {
    id: `invalid-token-${kind}`,
    title: `A token ${BROKEN_TOKEN_WHY[kind]} is refused with 403: the client gets a new one, once`,
    summary: `cogo-carbon-engine-auth.txt: "Requests which do not have a valid Authorization header will fail with a 403 HTTP status code." The token endpoint hands out a token ${BROKEN_TOKEN_WHY[kind]} (RFC 7519 §7.2); the answer itself looks genuine. RFC 6750 §3.1: "The client MAY request a new access token and retry the protected resource request." A robust client does so once and succeeds.`,
    profile: profile.id,
    steps: [
      { do: 'inject-fault', fault: { route: profile.facts.routes.token, times: 'once', action: { type: 'broken-token', kind } } },
      {
        do: 'call',
        operation: profile.primaryOperation.operation,
        args: profile.primaryOperation.args,
        expect: 'ok',
        requirements: [profile.requirements.api, 'RFC6750-3.1'],
      },
    ],
    rules: [...baseRules(profile, [profile.requirements.api, 'RFC6750-3.1']), expectRule(refetchRefusedTokenOnce)],
  }
}

const BROKEN_ID_TOKEN_WHY: Record<BrokenIdTokenScenarioKind, { why: string; rule: Rule; requirement: string }> = {
  'bad-signature': { why: 'signed by a key that was never published, under the current "kid"', rule: verifyIdTokenSignature, requirement: 'OIDCC-3.1.3.7-6' },
  'alg-none': { why: 'unsigned ("alg": "none")', rule: refuseUnsignedIdToken, requirement: 'OIDCC-3.1.3.7-7' },
  'wrong-issuer': { why: 'naming another issuer ("iss")', rule: checkIdTokenIssuer, requirement: 'OIDCC-3.1.3.7-2' },
  'wrong-audience': { why: 'for another client ("aud")', rule: checkIdTokenAudience, requirement: 'OIDCC-3.1.3.7-3' },
  'unexpected-azp': { why: 'naming another authorized party ("azp")', rule: checkIdTokenAudience, requirement: 'OIDCC-3.1.3.7-5' },
  expired: { why: 'already past its "exp"', rule: checkIdTokenExpiry, requirement: 'OIDCC-3.1.3.7-9' },
  'future-iat': { why: 'issued an hour in the future ("iat")', rule: checkIdTokenIssuedAt, requirement: 'OIDCC-3.1.3.7-10' },
  'wrong-nonce': { why: 'carrying another "nonce" than the client sent', rule: checkIdTokenNonce, requirement: 'OIDCC-3.1.3.7-11' },
  'missing-nonce': { why: 'without the "nonce" the client sent', rule: checkIdTokenNonce, requirement: 'OIDCC-3.1.3.7-11' },
}
export type BrokenIdTokenScenarioKind =
  'bad-signature' | 'alg-none' | 'wrong-issuer' | 'wrong-audience' | 'unexpected-azp' | 'expired' | 'future-iat' | 'wrong-nonce' | 'missing-nonce'

/**
 * An OpenID Connect provider issues, once, an ID token broken one way (its
 * `break-next-id-token` control); the client must refuse that sign-in and
 * never use its tokens, then sign the user in normally. One scenario per
 * kind, so each stands alone and names its rule.
 */
export function invalidIdTokenScenario(profile: ProviderProfile, kind: BrokenIdTokenScenarioKind): Scenario {
  const { why, rule, requirement } = BROKEN_ID_TOKEN_WHY[kind]
  return {
    id: `invalid-id-token-${kind}`,
    title: `An ID token ${why} is refused`,
    summary: `OIDC Core §3.1.3.7: the client "MUST validate the ID Token in the Token Response". The token endpoint answers the first code exchange with an ID token ${why}; the access token beside it is genuine. A correct client refuses the sign-in and never uses that response's tokens (as the OpenID Foundation's client tests judge: no UserInfo call after it), then signs the user in again normally and calls UserInfo.`,
    profile: profile.id,
    steps: [
      { do: 'control', action: 'break-next-id-token', body: { kind } },
      { do: 'authorize', user: 'approve', expect: 'settles', requirements: [requirement] },
      { do: 'authorize', user: 'approve', expect: 'ok', requirements: ['RFC6749-4.1'] },
      primaryCall(profile),
    ],
    rules: [...baseRules(profile, [requirement]), expectRule(sendNonce), expectRule(rule)],
    // The provider generates the key that signs it (an RSA key for RS256).
    ...(kind === 'bad-signature' ? { waitsOffThread: true } : {}),
  }
}
