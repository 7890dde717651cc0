import { param, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * An authorization response whose `iss` is not the authorization server the
 * client sent the user to is refused (mix-up attack): its code is never
 * redeemed. The server's metadata says it sends `iss`
 * (`authorization_response_iss_parameter_supported`).
 *
 * @see [RFC 9207 §2.4](https://www.rfc-editor.org/rfc/rfc9207.html#section-2.4)
 * @see [RFC 9700 §4.4](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.4)
 */
export const rejectMixedUpResponse = defineRule({
  id: 'reject-mixed-up-response',
  title: 'An authorization response from another issuer is refused',
  requirements: ['RFC9207-2.4', 'RFC9700-4.4'],
  evaluate(ctx) {
    const forged = ctx.steps.filter((s) => s.step.do === 'authorize' && s.step.forge === 'iss' && s.forgedCode)
    if (forged.length === 0) return skip('no authorization response with a foreign iss was delivered')
    for (const step of forged) {
      const redeemed = tokenRequests(ctx).find((e) => param(e, 'code') === step.forgedCode)
      if (redeemed) {
        return fail('the client redeemed the code of an authorization response whose iss named another server', {
          expected: 'no token request with that code',
          actual: 'the code was sent to the token endpoint',
          exchange: redeemed.seq,
        })
      }
    }
    return pass('the response with a foreign iss was refused: its code never reached the token endpoint')
  },
})
