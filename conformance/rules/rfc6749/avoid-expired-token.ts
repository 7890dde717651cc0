import { apiCalls, issuedTokens, presentedToken } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * The client tracks `expires_in` and never presents a token it knows has
 * expired (it refreshes or fetches a new one first).
 *
 * @see [RFC 6749 §5.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.1) expires_in
 * @see [RFC 6750 §3.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1) invalid_token
 */
export const avoidExpiredToken = defineRule({
  id: 'avoid-expired-token',
  title: 'No call is made with an expired token',
  requirements: ['RFC6749-5.1', 'RFC6750-3.1'],
  evaluate(ctx) {
    const tokens = new Map(issuedTokens(ctx).map((t) => [t.accessToken, t]))
    if (![...tokens.values()].some((t) => t.expiresAtMs !== null)) return skip('no token with an expiry was issued')
    for (const exchange of apiCalls(ctx)) {
      const token = tokens.get(presentedToken(exchange)?.value ?? '')
      if (token?.expiresAtMs != null && exchange.atMs >= token.expiresAtMs) {
        const late = Math.round((exchange.atMs - token.expiresAtMs) / 1000)
        return fail(`a call presented a token ${late} s after it expired`, {
          expected: `a call before ${new Date(token.expiresAtMs).toISOString()}`,
          actual: new Date(exchange.atMs).toISOString(),
          exchange: exchange.seq,
        })
      }
    }
    return pass('every call presented a live token')
  },
})
