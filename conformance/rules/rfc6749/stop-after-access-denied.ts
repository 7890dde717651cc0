import { exchangesOf } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * After an error redirect (the user denied), the client asks for no token:
 * there is no code to redeem.
 *
 * @see [RFC 6749 §4.1.2.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.2.1)
 */
export const stopAfterAccessDenied = defineRule({
  id: 'stop-after-access-denied',
  title: 'No token request follows a denied authorization',
  requirements: ['RFC6749-4.1.2.1'],
  evaluate(ctx) {
    const denied = ctx.steps.filter((s) => s.step.do === 'authorize' && s.step.user === 'deny')
    if (denied.length === 0) return skip('the user never denied')
    for (const step of denied) {
      const after = ctx.steps.find((s) => s.index > step.index && s.step.do === 'authorize')
      const window = ctx.steps.filter((s) => s.index >= step.index && (!after || s.index < after.index)).flatMap((s) => s.exchanges)
      const tokenRequest = exchangesOf(ctx.exchanges, ctx.profile.routes.token).find((e) => window.includes(e.seq))
      if (tokenRequest)
        return fail('the client called the token endpoint after the user denied', {
          expected: 'no token request',
          actual: 'token request',
          exchange: tokenRequest.seq,
        })
    }
    return pass('no token request after the denial')
  },
})
