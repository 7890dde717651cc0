import { tokenRequests } from '../exchanges.js'
import { violationsOf } from '../harness/violation-rule.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * A token request is a form (`application/x-www-form-urlencoded`), unless
 * the provider documents JSON (Carina's example). Cloud 66's and GoCD's real
 * servers (Rails) parsed a JSON body too, so it works today; nothing in their
 * documents promises it. Used as a warning. A body the provider itself
 * refused or recorded is send-form-encoded-token-request's finding.
 *
 * @see [RFC 6749 §4.1.3](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.3) and [Appendix B](https://www.rfc-editor.org/rfc/rfc6749.html#appendix-B)
 */
export const avoidJsonTokenRequest = defineRule({
  id: 'avoid-json-token-request',
  title: 'Token requests are form-encoded where the provider documents no JSON',
  requirements: ['RFC6749-4.1.3', 'RFC6749A-B'],
  evaluate(ctx) {
    const requests = tokenRequests(ctx)
    if (requests.length === 0) return skip('no token request was made')
    if (ctx.profile.tokenRequestFormats.includes('json')) return skip(`${ctx.profile.id} documents JSON token requests`)
    for (const exchange of requests) {
      const type = (exchange.request.headers['content-type'] ?? '').toLowerCase()
      if (type.includes('json') && !violationsOf(exchange).some((v) => v.requirement === 'RFC6749A-B')) {
        return fail(`the token request was JSON; ${ctx.profile.id} documents a form (the server read it, but nothing promises it will)`, {
          expected: 'Content-Type: application/x-www-form-urlencoded',
          actual: `Content-Type: ${type}`,
          exchange: exchange.seq,
        })
      }
    }
    return pass(`${requests.length} token request(s), each form-encoded`)
  },
})
