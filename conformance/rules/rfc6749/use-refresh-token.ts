import { authorizeRequests, issuedTokens } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * With a refresh token in hand, an expired access token is renewed by the
 * refresh grant, not by sending the user through authorization again.
 *
 * @see [RFC 6749 §1.5](https://www.rfc-editor.org/rfc/rfc6749.html#section-1.5)
 * @see [RFC 6749 §6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 */
export const useRefreshToken = defineRule({
  id: 'use-refresh-token',
  title: 'Refresh is used rather than a new authorization',
  requirements: ['RFC6749-1.5', 'RFC6749-6'],
  evaluate(ctx) {
    const tokens = issuedTokens(ctx)
    if (!tokens.some((t) => t.refreshToken)) return skip('no refresh token was issued')
    for (const exchange of authorizeRequests(ctx)) {
      const held = tokens.filter((t) => t.seq < exchange.seq && t.refreshToken).at(-1)
      if (!held) continue
      // @note a refresh token the provider has refused (invalid_grant) is no longer held.
      const refused = ctx.exchanges.some(
        (e) => e.seq > held.seq && e.seq < exchange.seq && e.route === ctx.profile.routes.token && e.response.status >= 400 && e.response.status < 500,
      )
      if (refused) continue
      return fail('the client started a new authorization while it held a refresh token', {
        expected: 'a refresh_token grant',
        actual: 'a new authorization request',
        exchange: exchange.seq,
      })
    }
    return pass('no new authorization while a refresh token was held')
  },
})
