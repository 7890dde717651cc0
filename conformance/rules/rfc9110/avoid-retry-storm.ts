import { requestKey } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'
import type { Exchange } from '../../../mocks/core/journal.js'

/** Retries of one endpoint after a failure that count as a storm. */
export const MAX_RETRIES = 3
/** The least back-off between retries, in mock seconds. */
export const MIN_BACKOFF_SECONDS = 1

const failed = (e: Exchange) => e.response.status >= 500 || e.response.status === 429 || e.fault === 'drop' || e.fault === 'delay'

/**
 * After a server error, a dropped connection or a timeout, the client backs
 * off and retries a few times at most, then reports; it never hammers an
 * endpoint that is already failing.
 *
 * @see [RFC 9110 §15.6](https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6)
 * @see [RFC 6749 §5.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.2)
 */
export const avoidRetryStorm = defineRule({
  id: 'avoid-retry-storm',
  title: 'No retry storm after a failure',
  requirements: ['RFC9110-15.6'],
  evaluate(ctx) {
    const failures = ctx.exchanges.filter((e) => e.route !== null && failed(e))
    if (failures.length === 0) return skip('no request failed')
    for (const first of failures) {
      const key = requestKey(first)
      const retries = ctx.exchanges.filter((e) => e.seq > first.seq && requestKey(e) === key)
      // Only retries while the endpoint kept failing, plus the one that finally succeeded.
      let count = 0
      let previous = first
      for (const retry of retries) {
        count++
        const gap = (retry.atMs - previous.atMs) / 1000
        if (gap < MIN_BACKOFF_SECONDS) {
          return fail(`retried ${retry.route} ${gap} s after a failure`, {
            expected: `≥ ${MIN_BACKOFF_SECONDS} s back-off`,
            actual: `${gap} s`,
            exchange: retry.seq,
          })
        }
        if (count > MAX_RETRIES)
          return fail(`retried ${retry.route} more than ${MAX_RETRIES} times`, {
            expected: `≤ ${MAX_RETRIES} retries`,
            actual: `${count} retries`,
            exchange: retry.seq,
          })
        if (!failed(retry)) break
        previous = retry
      }
    }
    return pass(`backed off after ${failures.length} failure(s)`)
  },
})
