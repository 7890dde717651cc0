import { apiCalls, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/** New tokens a client may fetch within one call after the API refused the one it held. */
export const MAX_REFETCHES_PER_CALL = 1

/**
 * When the API refuses a token (RFC 6750 §3.1 invalid_token; Cogo answers
 * 403), the client may get a new one and retry, once: if the new token is
 * refused too, the fault is not the token's age, and fetching more only loads
 * the authorization server. The client reports the error instead.
 *
 * @see [RFC 6750 §3.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1): invalid_token, "The client MAY request a new access token and retry the protected resource request."
 */
export const refetchRefusedTokenOnce = defineRule({
  id: 'refetch-refused-token-once',
  title: 'A refused token is replaced once per call, not in a loop',
  requirements: ['RFC6750-3.1'],
  evaluate(ctx) {
    const refusals = new Set(
      apiCalls(ctx)
        .filter((e) => e.response.status === 401 || e.response.status === 403)
        .map((e) => e.seq),
    )
    if (refusals.size === 0) return skip('the API refused no token')
    const tokenSeqs = new Set(tokenRequests(ctx).map((e) => e.seq))
    for (const record of ctx.steps.filter((s) => s.step.do === 'call')) {
      const firstRefusal = record.exchanges.find((seq) => refusals.has(seq))
      if (firstRefusal === undefined) continue
      const refetches = record.exchanges.filter((seq) => seq > firstRefusal && tokenSeqs.has(seq))
      if (refetches.length > MAX_REFETCHES_PER_CALL) {
        return fail(`step ${record.index + 1}: ${refetches.length} new tokens after the API refused one`, {
          expected: `≤ ${MAX_REFETCHES_PER_CALL} new token per call`,
          actual: `${refetches.length} new tokens`,
          exchange: refetches[MAX_REFETCHES_PER_CALL],
        })
      }
    }
    return pass(`${refusals.size} refusal(s), at most ${MAX_REFETCHES_PER_CALL} new token per call`)
  },
})
