import { apiCalls, authorizeRequests, issuedTokens, presentedToken, tokenRequests } from '../exchanges.js'
import { RENEW_EARLY_SECONDS } from '../rfc6749/reuse-unexpired-token.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * Only a refused token (401 invalid_token, Cogo's 403) is a reason to get a
 * new one. An API answer that says nothing about the token (429 Too Many
 * Requests, a 5xx, another 4xx, a dropped connection) is waited out, retried
 * or reported with the token the client holds: a new token, or a new
 * authorization by the user, fixes none of them and loads the authorization
 * server while the API is already struggling.
 *
 * @see [RFC 6750 §3.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1) only invalid_token says "request a new access token"
 * @see [RFC 6585 §4](https://www.rfc-editor.org/rfc/rfc6585.html#section-4) 429
 */
export const keepTokenAfterApiError = defineRule({
  id: 'keep-token-after-api-error',
  title: 'An API error that does not refuse the token does not make the client get a new token',
  requirements: ['RFC6750-3.1', 'RFC6585-4'],
  evaluate(ctx) {
    const calls = apiCalls(ctx)
    const refusal = (status: number) => status === 401 || status === 403
    const errors = calls.filter((e) => !refusal(e.response.status) && (e.response.status >= 400 || e.fault === 'drop'))
    if (errors.length === 0) return skip('the API answered no error other than a token refusal')
    const tokens = new Map(issuedTokens(ctx).map((t) => [t.accessToken, t]))
    const renewals = [...tokenRequests(ctx), ...authorizeRequests(ctx)]
    for (const error of errors) {
      const held = tokens.get(presentedToken(error)?.value ?? '')
      if (!held) continue
      const step = ctx.steps.find((s) => s.exchanges.includes(error.seq))
      if (!step) continue
      // Until the call succeeds or the API refuses the token, within the step the error happened in.
      const settled = calls.find((e) => e.seq > error.seq && step.exchanges.includes(e.seq) && (e.response.status < 400 || refusal(e.response.status)))
      const renewal = renewals
        .filter((e) => e.seq > error.seq && step.exchanges.includes(e.seq) && (!settled || e.seq < settled.seq))
        .find((e) => held.expiresAtMs === null || e.atMs < held.expiresAtMs - RENEW_EARLY_SECONDS * 1000)
      if (renewal) {
        const what = renewal.route === ctx.profile.routes.token ? 'requested a new token' : 'sent the user to authorize again'
        return fail(
          `the API answered ${error.response.status}${error.fault ? ` (${error.fault})` : ''}, which does not refuse the token, and the client ${what} while its token was live`,
          { expected: 'keep the live token: wait (Retry-After), retry or report', actual: what, exchange: renewal.seq },
        )
      }
    }
    return pass(`${errors.length} API error(s), the token kept through each`)
  },
})
