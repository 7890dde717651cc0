import { param, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * Given a redirect whose `state` is not the one it sent, or that carries no
 * `state` at all, the client refuses it: the code in it is never redeemed. A
 * client that checks the state only when one comes back accepts the
 * attacker's callback, which simply leaves it out.
 *
 * @see [RFC 6749 §10.12](https://www.rfc-editor.org/rfc/rfc6749.html#section-10.12)
 */
export const rejectStateMismatch = defineRule({
  id: 'reject-state-mismatch',
  title: 'A redirect with the wrong state, or none, is refused',
  requirements: ['RFC6749-10.12', 'RFC6749-4.1.2'],
  oidf: ['fapi1-advanced-final-client-test-ensure-authorization-response-with-invalid-state-fails'],
  evaluate(ctx) {
    const forged = ctx.steps.filter((s) => s.forgedCode)
    if (forged.length === 0) return skip('no forged redirect was delivered')
    for (const step of forged) {
      const redeemed = tokenRequests(ctx).find((e) => param(e, 'code') === step.forgedCode)
      if (redeemed) {
        const what = step.forged === 'drop-state' ? 'that carried no state' : 'whose state did not match'
        return fail(`the client redeemed the code of a redirect ${what}`, {
          expected: 'no token request with that code',
          actual: 'the code was sent to the token endpoint',
          exchange: redeemed.seq,
        })
      }
    }
    return pass('the forged redirect was refused: its code never reached the token endpoint')
  },
})
