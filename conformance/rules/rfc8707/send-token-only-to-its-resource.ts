import type { Exchange } from '../../../mocks/core/journal.js'
import { authorizeRequests, issuedTokens, param, presentedToken, queryParams } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'
import { withinResource } from '../rfc9728/resource-exchanges.js'

/**
 * An access token issued for a resource (its audience, RFC 8707) is sent to
 * that resource only: not to metadata documents, not to the authorization
 * server, not to another resource, which could replay it (RFC 9700 §2.3,
 * the MCP profile's "token passthrough"). Judged for tokens whose resource
 * is known from the token request or the authorization request of its code.
 *
 * @see [RFC 8707 §2](https://www.rfc-editor.org/rfc/rfc8707.html#section-2) audience-restricted tokens
 * @see [RFC 9700 §2.3](https://www.rfc-editor.org/rfc/rfc9700.html#section-2.3) access token privilege restriction
 */
export const sendTokenOnlyToItsResource = defineRule({
  id: 'send-token-only-to-its-resource',
  title: 'An access token is sent only to the resource it was issued for',
  requirements: ['RFC8707-2', 'RFC9700-2.3'],
  evaluate(ctx) {
    const audiences = new Map<string, string[]>()
    for (const issued of issuedTokens(ctx)) {
      const request = ctx.exchanges.find((e) => e.seq === issued.seq)!
      let resources = new URLSearchParams(request.request.body).getAll('resource')
      const code = param(request, 'code')
      if (resources.length === 0 && code) resources = queryParams(authorizationOf(authorizeRequests(ctx), code) ?? request).getAll('resource')
      if (resources.length) audiences.set(issued.accessToken, resources)
    }
    if (audiences.size === 0) return skip('no access token was issued for a named resource')
    let presented = 0
    for (const exchange of ctx.exchanges) {
      const token = presentedToken(exchange)
      const resources = token && audiences.get(token.value)
      if (!resources) continue
      presented++
      if (!resources.some((r) => withinResource(exchange.request.url, r))) {
        return fail(`the access token issued for ${resources.join(', ')} was sent to ${exchange.request.url.split('?')[0]}`, {
          expected: `the token sent to ${resources.join(', ')} only`,
          actual: exchange.request.url.split('?')[0],
          exchange: exchange.seq,
        })
      }
    }
    return pass(`${presented} request(s) carried an access token, each to the resource it was issued for`)
  },
})

/** The authorization request whose answer redirected with this code. */
function authorizationOf(requests: Exchange[], code: string): Exchange | undefined {
  return requests.find((e) => {
    const location = e.response.headers.location
    if (!location) return false
    try {
      return new URL(location, e.request.url).searchParams.get('code') === code
    } catch {
      return false
    }
  })
}
