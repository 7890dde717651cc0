import { defineRule, fail, pass, skip } from '../verdict.js'
import { deviceRequests, pollError } from './device-polls.js'

/** The answers that end a device request: no poll may follow them. */
const FINAL = new Set(['access_denied', 'expired_token'])

/**
 * The device stops polling a device code once the answer is final: the
 * user denied it (`access_denied`), it expired (`expired_token`), or it gave
 * tokens.
 *
 * @see [RFC 8628 §3.5](https://www.rfc-editor.org/rfc/rfc8628.html#section-3.5): access_denied and expired_token end the request ("the client MUST stop polling" on expiry; the user's refusal is final)
 */
export const stopPollingWhenRefused = defineRule({
  id: 'stop-polling-when-refused',
  title: 'A device code is not polled again after access_denied, expired_token or tokens',
  requirements: ['RFC8628-3.5'],
  evaluate(ctx) {
    const requests = deviceRequests(ctx).filter((r) => r.polls.length > 0)
    if (requests.length === 0) return skip('the client polled no device code')
    for (const request of requests) {
      const final = request.polls.find((p) => p.response.status === 200 || FINAL.has(pollError(p) ?? ''))
      const after = final && request.polls.find((p) => p.seq > final.seq)
      if (final && after) {
        const answer = final.response.status === 200 ? 'tokens' : pollError(final)
        return fail(`the device code was polled again after the server answered ${answer}`, {
          expected: 'no poll after a final answer',
          actual: `another poll after ${answer}`,
          exchange: after.seq,
        })
      }
    }
    return pass('no device code was polled after its final answer')
  },
})
