import { apiCalls, presentedToken } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * The access token travels the way the provider's document says: an
 * `Authorization: bearer` header for Carina, `Token token="..."` for GoCD, the
 * `access_token` query parameter for Cloud 66. Anywhere else it is refused by
 * the real service or leaks into logs (RFC 6750 §2.3 discourages the query).
 *
 * @see [RFC 6750 §2.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-2.1)
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
    for (const exchange of calls) {
      const token = presentedToken(exchange)
      if (!token) return fail('a protected call carried no access token', { expected: wanted.describe, actual: '(none)', exchange: exchange.seq })
      const scheme = exchange.request.headers.authorization?.split(' ')[0]
      const ok = token.placement === wanted.placement && (!wanted.scheme || wanted.scheme.test(exchange.request.headers.authorization ?? ''))
      if (!ok) {
        const actual = token.placement === 'header' ? `Authorization: ${scheme} …` : `${token.placement} parameter access_token`
        return fail('a protected call presented the token in a way the provider does not document', { expected: wanted.describe, actual, exchange: exchange.seq })
      }
    }
    return pass(`every call (${calls.length}) used ${wanted.describe}`)
  },
})
