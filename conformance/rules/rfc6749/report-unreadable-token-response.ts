import { describeExchange, grantOf, requestKey, tokenAnswer, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * A 2xx token response the client cannot read (cut short, garbled) is
 * reported as an invalid response, not sent again: the provider may have
 * acted on it (issued a token, rotated a refresh token), and the same request
 * a moment later meets the same broken server. A code sent again is
 * redeem-code-once's finding.
 *
 * @see [RFC 6749 §5.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.1) the response the client must be able to read
 * @see [RFC 6749 §5.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.2)
 */
export const reportUnreadableTokenResponse = defineRule({
  id: 'report-unreadable-token-response',
  title: 'An unreadable token response is reported, not retried',
  requirements: ['RFC6749-5.1', 'RFC6749-5.2'],
  evaluate(ctx) {
    const requests = tokenRequests(ctx)
    const unreadable = requests.filter((e) => tokenAnswer(e) === 'unreadable' && grantOf(e).kind !== 'code')
    if (unreadable.length === 0) return skip('no token response was unreadable')
    for (const bad of unreadable) {
      const step = ctx.steps.find((s) => s.exchanges.includes(bad.seq))
      const again = requests.find((e) => e.seq > bad.seq && step?.exchanges.includes(e.seq) && requestKey(e) === requestKey(bad))
      if (again)
        return fail(`the client sent the same token request again after an unreadable answer (${describeExchange(bad)})`, {
          expected: 'report invalid_response',
          actual: 'the token request sent again',
          exchange: again.seq,
        })
    }
    return pass(`${unreadable.length} unreadable token response(s), each reported`)
  },
})
