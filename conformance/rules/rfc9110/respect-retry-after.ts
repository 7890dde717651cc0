import { describeExchange, requestKey } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * After a 503 or 429 with `Retry-After`, the client waits that long (mock
 * time) before sending the same request again (a new authorization's code
 * exchange is a new request).
 *
 * @see [RFC 9110 §10.2.3](https://www.rfc-editor.org/rfc/rfc9110.html#section-10.2.3)
 * @see [RFC 6585 §4](https://www.rfc-editor.org/rfc/rfc6585.html#section-4)
 */
export const respectRetryAfter = defineRule({
  id: 'respect-retry-after',
  title: 'Retry-After is honoured',
  requirements: ['RFC9110-10.2.3', 'RFC6585-4'],
  evaluate(ctx) {
    const asked = ctx.exchanges.filter((e) => e.response.headers['retry-after'] !== undefined)
    if (asked.length === 0) return skip('no response carried Retry-After')
    for (const exchange of asked) {
      const seconds = Number(exchange.response.headers['retry-after'])
      const next = ctx.exchanges.find((e) => e.seq > exchange.seq && requestKey(e) === requestKey(exchange))
      if (!next) continue
      const waited = (next.atMs - exchange.atMs) / 1000
      if (waited < seconds) {
        return fail(`the client came back after ${waited} s, not the ${seconds} s Retry-After asked (after ${describeExchange(exchange)})`, {
          expected: `≥ ${seconds} s`,
          actual: `${waited} s`,
          exchange: next.seq,
        })
      }
    }
    return pass('every Retry-After was waited out (or the client gave up)')
  },
})
