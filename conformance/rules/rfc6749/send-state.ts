import { authorizeRequests } from '../exchanges.js'
import { checkFreshParameter } from '../fresh-parameter.js'
import { defineRule, skip } from '../verdict.js'

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
    return checkFreshParameter(ctx, requests, 'state', 'authorization request')
  },
})
