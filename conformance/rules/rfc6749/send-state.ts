import { authorizeRequests, stepOf } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * The client binds the authorization request to the user's session with an
 * unguessable `state`, new for every request, so a forged redirect can be told apart.
 *
 * @see [RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749.html#section-10.12) "The client MUST implement CSRF protection"
 */
export const sendState = defineRule({
  id: 'send-state',
  title: 'Authorization requests carry an unguessable state',
  requirements: ['RFC6749-10.12', 'RFC6749-4.1.1'],
  evaluate(ctx) {
    const requests = authorizeRequests(ctx)
    if (requests.length === 0) return skip('no authorization request was made')
    const seen = new Map<string, { seq: number; step: number }>()
    for (const exchange of requests) {
      const state = new URL(exchange.request.url).searchParams.get('state')
      if (!state) return fail('the authorization request has no "state"', { expected: 'a state value', actual: state ?? '(absent)', exchange: exchange.seq })
      // @note 128 bits of entropy is the usual floor; 16 characters of any alphabet is the least a random value can be.
      if (state.length < 16)
        return fail('"state" is too short to be unguessable', {
          expected: 'at least 16 characters',
          actual: `${state.length} characters`,
          exchange: exchange.seq,
        })
      // A value used twice is not bound to one request: whoever saw it once can forge every later callback.
      // @note the user agent visits one authorization URL twice around a login page, so "twice" means in two steps (each asks the client for a new URL).
      const step = stepOf(ctx, exchange.seq) ?? -1
      const earlier = seen.get(state)
      if (earlier !== undefined && earlier.step !== step)
        return fail(`"state" repeats the value of authorization request #${earlier.seq}`, {
          expected: 'a fresh state for every authorization request',
          actual: 'the same state again',
          exchange: exchange.seq,
        })
      if (earlier === undefined) seen.set(state, { seq: exchange.seq, step })
    }
    return pass(`every authorization request (${requests.length}) carried a state${requests.length > 1 ? ', each a new one' : ''}`)
  },
})
