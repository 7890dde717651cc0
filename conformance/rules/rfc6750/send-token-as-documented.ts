import { apiCalls, issuedTokens, presentedToken } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * The access token travels the way the provider's document says: an
 * `Authorization: bearer` header for Carina, `Token token="..."` for GoCD, the
 * `access_token` query parameter for Cloud 66. Anywhere else it is refused by
 * the real service or leaks into logs (RFC 6750 §2.3 discourages the query).
 * Where the provider also serves a way the RFC makes the norm, that way
 * passes too: Cloud 66 (Doorkeeper) serves the `Authorization: Bearer`
 * header, which RFC 6750 §2.1 says every resource server MUST support.
 *
 * @see [RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-2.1)
 * @see [RFC 6750 §2.3](https://www.rfc-editor.org/rfc/rfc6750.html#section-2.3) the query "SHOULD NOT be used"
 */
export const sendTokenAsDocumented = defineRule({
  id: 'send-token-as-documented',
  title: 'The access token is presented as the provider documents',
  requirements: ['RFC6750-2.1', 'RFC6750-2.3'],
  oidf: ['oidcc-client-test-userinfo-bearer-header'],
  evaluate(ctx) {
    const calls = apiCalls(ctx)
    if (calls.length === 0) return skip('no protected call was made')
    const wanted = ctx.profile.tokenPresentation
    const ways = [wanted, ...(wanted.also ?? [])]
    const used = new Set<string>()
    for (const exchange of calls) {
      const token = presentedToken(exchange)
      const accepted = ways.map((w) => w.describe).join(', or ')
      // RFC 9728 §5: a client that starts from the resource calls it first without a token, to learn from the 401 where to get one.
      if (!token && ctx.scenario.client?.startFrom === 'resource' && !issuedTokens(ctx).some((t) => t.seq < exchange.seq)) continue
      if (!token) return fail('a protected call carried no access token', { expected: accepted, actual: '(none)', exchange: exchange.seq })
      const scheme = exchange.request.headers.authorization?.split(' ')[0]
      const way = ways.find((w) => token.placement === w.placement && (!w.scheme || w.scheme.test(exchange.request.headers.authorization ?? '')))
      if (!way) {
        const actual = token.placement === 'header' ? `Authorization: ${scheme} …` : `${token.placement} parameter access_token`
        return fail('a protected call presented the token in a way the provider does not document', { expected: accepted, actual, exchange: exchange.seq })
      }
      used.add(way.describe)
    }
    // @note the query is what Cloud 66 documents, so it passes; the message says what RFC 6750 §2.3 and RFC 9700 §4.3.2 prefer.
    const queryNote =
      [...used].some((d) => ways.find((w) => w.describe === d)?.placement === 'query') && wanted.also?.some((w) => w.placement === 'header')
        ? ' (the header is preferred: RFC 6750 §2.3 says the query SHOULD NOT be used)'
        : ''
    return pass(`every call (${calls.length}) used ${[...used].join(' and ')}${queryNote}`)
  },
})
