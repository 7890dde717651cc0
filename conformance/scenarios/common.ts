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
} from '../rules/index.js'
import type { FaultAction } from '../../mocks/core/faults.js'
import type { RuleUse, Scenario, Step } from '../types.js'

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
export function tokenFaultScenario(profile: ProviderProfile, meta: { id: string; title: string; summary: string }, action: FaultAction, extra: Partial<Scenario> = {}): Scenario {
  return {
    ...meta,
    profile: profile.id,
    steps: [{ do: 'inject-fault', fault: { route: profile.facts.routes.token, times: 'once', action } }, ...signIn(profile, 'settles'), primaryCall(profile, 'settles')],
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
export function invalidTokenScenario(profile: ProviderProfile, kind: 'expired' | 'wrong-issuer' | 'wrong-audience' | 'bad-signature' | 'unknown-kid'): Scenario {
  return {
    id: `invalid-token-${kind}`,
    title: `A token ${BROKEN_TOKEN_WHY[kind]} is refused with 403: the client gets a new one, once`,
    summary: `cogo-carbon-engine-auth.txt: "Requests which do not have a valid Authorization header will fail with a 403 HTTP status code." The token endpoint hands out a token ${BROKEN_TOKEN_WHY[kind]} (RFC 7519 §7.2); the answer itself looks genuine. RFC 6750 §3.1: "The client MAY request a new access token and retry the protected resource request." A robust client does so once and succeeds.`,
    profile: profile.id,
    steps: [
      { do: 'inject-fault', fault: { route: profile.facts.routes.token, times: 'once', action: { type: 'broken-token', kind } } },
      { do: 'call', operation: profile.primaryOperation.operation, args: profile.primaryOperation.args, expect: 'ok', requirements: [profile.requirements.api, 'RFC6750-3.1'] },
    ],
    rules: [...baseRules(profile, [profile.requirements.api, 'RFC6750-3.1']), expectRule(refetchRefusedTokenOnce)],
  }
}
