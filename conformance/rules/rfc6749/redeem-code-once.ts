import { describeExchange, grantOf, tokenAnswer, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * An authorization code is sent to the token endpoint once. Sending it again
 * after an answer that may have redeemed it (a token, an unreadable 2xx, an
 * OAuth error) is a replay: the provider refuses it and may revoke what the
 * first exchange issued (Doorkeeper does). A retry after an answer that
 * redeemed nothing (5xx, 429, a dropped connection, a timeout) is
 * avoid-retry-storm's business, not this rule's.
 *
 * @see [RFC 6749 §4.1.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.2) "The client MUST NOT use the authorization code more than once."
 * @see [RFC 6749 §10.5](https://www.rfc-editor.org/rfc/rfc6749.html#section-10.5)
 */
export const redeemCodeOnce = defineRule({
  id: 'redeem-code-once',
  title: 'An authorization code is redeemed once, never again',
  requirements: ['RFC6749-4.1.2', 'RFC6749-10.5'],
  oidf: ['oidcc-client-test'],
  evaluate(ctx) {
    // @note a delayed answer the client gave up on is recorded when it finally comes, possibly after the retry it caused: it is never the "first" nor the "again".
    const exchanges = tokenRequests(ctx).filter((e) => grantOf(e).kind === 'code' && e.fault !== 'delay')
    if (exchanges.length === 0) return skip('no code was exchanged')
    const answered = new Map<string, (typeof exchanges)[number]>()
    for (const exchange of exchanges) {
      const code = grantOf(exchange).value
      const first = answered.get(code)
      if (first) {
        const after = {
          issued: 'after it was exchanged for a token',
          refused: 'after the provider refused it',
          unreadable: 'after an unreadable token response (the provider may have redeemed it)',
          failed: '',
        }[tokenAnswer(first)]
        return fail(`the client sent the same authorization code again ${after} (${describeExchange(first)})`, {
          expected: 'each code sent to the token endpoint once',
          actual: 'the code sent again',
          exchange: exchange.seq,
        })
      }
      if (tokenAnswer(exchange) !== 'failed') answered.set(code, exchange)
    }
    return pass(`${answered.size} code(s), each redeemed once`)
  },
})
