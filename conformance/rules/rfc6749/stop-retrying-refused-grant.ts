import { describeExchange, grantOf, hintOf, tokenAnswer, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * A refresh token the token endpoint refused (invalid_grant and its kin) is
 * dead: the client drops it and asks its user again, instead of sending it
 * again (at any pace: avoid-retry-storm counts only answers worth retrying).
 * A code sent again is redeem-code-once's finding.
 *
 * @see [RFC 6749 §5.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.2) invalid_grant: the grant "is invalid, expired, revoked"
 * @see [RFC 6749 §6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 */
export const stopRetryingRefusedGrant = defineRule({
  id: 'stop-retrying-refused-grant',
  title: 'A refused refresh token is not sent again',
  requirements: ['RFC6749-5.2', 'RFC6749-6'],
  evaluate(ctx) {
    const refreshes = tokenRequests(ctx).filter((e) => grantOf(e).kind === 'refresh_token')
    if (refreshes.length === 0) return skip('no refresh token was used')
    const refused = new Map<string, (typeof refreshes)[number]>()
    for (const exchange of refreshes) {
      const value = grantOf(exchange).value
      const first = refused.get(value)
      if (first) {
        const hint = hintOf(first)
        return fail(
          `the client sent a refresh token again after the provider refused it (${describeExchange(first)})${hint ? `; the provider's hint: ${hint}` : ''}`,
          {
            expected: 'drop the refused refresh token and ask the user to authorize again',
            actual: 'the same refresh token sent again',
            exchange: exchange.seq,
          },
        )
      }
      if (tokenAnswer(exchange) === 'refused') refused.set(value, exchange)
    }
    return pass(refused.size ? `${refused.size} refused refresh token(s), none sent again` : 'no refresh token was refused')
  },
})
