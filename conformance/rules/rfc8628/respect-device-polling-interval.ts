import { defineRule, fail, pass, skip } from '../verdict.js'
import { deviceRequests, pollError } from './device-polls.js'

/**
 * The device polls the token endpoint no faster than the interval the
 * device authorization response gave (5 s when it gave none), and after a
 * `slow_down` answer 5 s slower, for that request and every later one.
 *
 * @see [RFC 8628 §3.5](https://www.rfc-editor.org/rfc/rfc8628.html#section-3.5): "the client SHOULD wait at least the number of seconds specified by the interval parameter"; on slow_down "the interval MUST be increased by 5 seconds for this and all subsequent requests"
 */
export const respectDevicePollingInterval = defineRule({
  id: 'respect-device-polling-interval',
  title: 'The device grant is polled at the interval asked, 5 s slower after slow_down',
  requirements: ['RFC8628-3.5', 'RFC8628-3.2'],
  evaluate(ctx) {
    const requests = deviceRequests(ctx).filter((r) => r.polls.length > 0)
    if (requests.length === 0) return skip('the client polled no device code')
    for (const request of requests) {
      let interval = request.intervalSeconds
      for (const [i, poll] of request.polls.entries()) {
        const previous = request.polls[i - 1]
        if (previous && poll.atMs - previous.atMs < interval * 1000) {
          return fail(`the device code was polled again after ${(poll.atMs - previous.atMs) / 1000} s, with the interval at ${interval} s`, {
            expected: `at least ${interval} s between polls`,
            actual: `${(poll.atMs - previous.atMs) / 1000} s`,
            exchange: poll.seq,
          })
        }
        if (pollError(poll) === 'slow_down') interval += 5
      }
    }
    const polls = requests.reduce((n, r) => n + r.polls.length, 0)
    return pass(
      `every poll (${polls}) waited the interval asked${requests.some((r) => r.polls.some((p) => pollError(p) === 'slow_down')) ? ', 5 s more after slow_down' : ''}`,
    )
  },
})
