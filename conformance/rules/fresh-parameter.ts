import type { Exchange } from '../../mocks/core/journal.js'
import type { RuleContext, Verdict } from '../types.js'
import { stepOf } from './exchanges.js'
import { fail, pass } from './verdict.js'

/**
 * Every request carries `name` (state, nonce), unguessably long and new for each request:
 * what send-state and send-nonce both check, in the same words.
 */
export function checkFreshParameter(ctx: RuleContext, requests: Exchange[], name: string, request: string): Verdict {
  const seen = new Map<string, { seq: number; step: number }>()
  for (const exchange of requests) {
    const value = new URL(exchange.request.url).searchParams.get(name)
    if (!value) return fail(`the ${request} has no "${name}"`, { expected: `a ${name} value`, actual: value ?? '(absent)', exchange: exchange.seq })
    // @note 128 bits of entropy is the usual floor; 16 characters of any alphabet is the least a random value can be.
    if (value.length < 16)
      return fail(`"${name}" is too short to be unguessable`, {
        expected: 'at least 16 characters',
        actual: `${value.length} characters`,
        exchange: exchange.seq,
      })
    // A value used twice is not bound to one request: whoever saw it once can replay it.
    // @note the user agent visits one authorization URL twice around a login page, so "twice" means in two steps (each asks the client for a new URL).
    const step = stepOf(ctx, exchange.seq) ?? -1
    const earlier = seen.get(value)
    if (earlier !== undefined && earlier.step !== step)
      return fail(`"${name}" repeats the value of ${request} #${earlier.seq}`, {
        expected: `a fresh ${name} for every ${request}`,
        actual: `the same ${name} again`,
        exchange: exchange.seq,
      })
    if (earlier === undefined) seen.set(value, { seq: exchange.seq, step })
  }
  return pass(`every ${request} (${requests.length}) carried a ${name}${requests.length > 1 ? ', each a new one' : ''}`)
}
