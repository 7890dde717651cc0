import { authorizeRequests, bodyParams, grantOf, queryParams, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * A client getting a token for a protected resource names it with
 * `resource`, in the authorization request (RFC 8707 §2.1) and in every token
 * request, code exchange and refresh alike (§2.2), so the token's audience is
 * that resource and nothing else. The MCP authorization profile requires both.
 *
 * @see [RFC 8707 §2.1](https://www.rfc-editor.org/rfc/rfc8707.html#section-2.1) resource in the authorization request
 * @see [RFC 8707 §2.2](https://www.rfc-editor.org/rfc/rfc8707.html#section-2.2) resource in the access token request
 */
export const sendResourceIndicator = defineRule({
  id: 'send-resource-indicator',
  title: 'The client sends `resource` (the protected resource) on both the authorization and the token requests',
  requirements: ['RFC8707-2.1', 'RFC8707-2.2'],
  evaluate(ctx) {
    const resource = ctx.client.resourceUrl
    if (!resource) return skip('the client was not asked to call a protected resource by its URL')
    const authorizations = authorizeRequests(ctx)
    for (const exchange of authorizations) {
      const sent = queryParams(exchange).getAll('resource')
      if (!sent.includes(resource))
        return fail('the authorization request does not name the resource', {
          expected: `resource=${resource}`,
          actual: sent.length ? sent.join(', ') : '(absent)',
          exchange: exchange.seq,
        })
    }
    const requests = tokenRequests(ctx).filter((e) => grantOf(e).kind !== 'other')
    for (const exchange of requests) {
      const sent = new URLSearchParams(exchange.request.body).getAll('resource')
      if (!sent.includes(resource) && bodyParams(exchange).get('resource') !== resource)
        return fail(`the token request (${grantOf(exchange).kind === 'code' ? 'code exchange' : 'refresh'}) does not name the resource`, {
          expected: `resource=${resource}`,
          actual: sent.length ? sent.join(', ') : '(absent)',
          exchange: exchange.seq,
        })
    }
    if (authorizations.length + requests.length === 0) return skip('the client sent neither an authorization nor a token request')
    return pass(`resource=${resource} was in every authorization request (${authorizations.length}) and token request (${requests.length})`)
  },
})
