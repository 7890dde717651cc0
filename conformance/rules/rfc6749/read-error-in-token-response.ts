import { apiCalls, describeExchange, issuedTokens, presentedToken, tokenRequests, tokenResponseFields } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * A token response carrying `error` and no `access_token` is an error
 * whatever its status (some servers answer errors with 200): the client
 * reports it, and never presents to the API a token it was not given.
 *
 * @see [RFC 6749 §5.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.2) error response
 * @see [RFC 6749 §5.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.1) access_token REQUIRED
 */
export const readErrorInTokenResponse = defineRule({
  id: 'read-error-in-token-response',
  title: 'A token response with an error and no token is an error, even with status 200',
  requirements: ['RFC6749-5.2', 'RFC6749-5.1'],
  evaluate(ctx) {
    const requests = tokenRequests(ctx)
    const errors = requests.filter(
      (e) =>
        e.response.status >= 200 &&
        e.response.status < 300 &&
        (() => {
          const fields = tokenResponseFields(e)
          return Boolean(fields?.error) && !fields?.access_token
        })(),
    )
    if (errors.length === 0) return skip('no 2xx token response carried an error')
    const issued = new Set(issuedTokens(ctx).map((t) => t.accessToken))
    for (const error of errors) {
      const forged = apiCalls(ctx).find((e) => e.seq > error.seq && !issued.has(presentedToken(e)?.value ?? ''))
      if (forged) {
        return fail(`after a token response with an error (${describeExchange(error)}), the client presented a token it was never issued`, {
          expected: 'report the error',
          actual: `the API called with "${presentedToken(forged)?.value ?? ''}"`,
          exchange: forged.seq,
        })
      }
      const step = ctx.steps.find((s) => s.exchanges.includes(error.seq))
      const recovered = requests.some((e) => e.seq > error.seq && step?.exchanges.includes(e.seq) && issuedTokens(ctx).some((t) => t.seq === e.seq))
      if (step?.outcome?.ok && !recovered) {
        return fail(
          `the token endpoint answered ${error.response.status} with error "${tokenResponseFields(error)?.error}" and no token, and the client reported success`,
          { expected: 'an error outcome', actual: 'ok', exchange: error.seq },
        )
      }
    }
    return pass(`${errors.length} error(s) in 2xx token responses, each read as an error`)
  },
})
