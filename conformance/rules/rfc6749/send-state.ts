import { authorizeRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * The client binds the authorization request to the user's session with an
 * unguessable `state`, so a forged redirect can be told apart.
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
    for (const exchange of requests) {
      const state = new URL(exchange.request.url).searchParams.get('state')
      if (!state) return fail('the authorization request has no "state"', { expected: 'a state value', actual: state ?? '(absent)', exchange: exchange.seq })
      // @note 128 bits of entropy is the usual floor; 16 characters of any alphabet is the least a random value can be.
      if (state.length < 16) return fail('"state" is too short to be unguessable', { expected: 'at least 16 characters', actual: `${state.length} characters`, exchange: exchange.seq })
    }
    return pass(`every authorization request (${requests.length}) carried a state`)
  },
})
