import { defineRule, fail, pass, skip } from '../verdict.js'
import { registrations } from '../rfc9728/resource-exchanges.js'

/**
 * The client secret goes only where the client authenticates (the token
 * endpoint, and the revocation endpoint where there is one: RFC 7009 §2.1),
 * and never in a URL, where logs, proxies and browser history keep it.
 *
 * @see [RFC 6749 §2.3.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-2.3.1) "The parameters can only be transmitted in the request-body and MUST NOT be included in the request URI."
 * @see [RFC 6819 §5.2.3.1](https://www.rfc-editor.org/rfc/rfc6819.html#section-5.2.3.1)
 * @see [RFC 7009 §2.1](https://www.rfc-editor.org/rfc/rfc7009.html#section-2.1) the revocation request authenticates the client
 */
export const keepClientSecretPrivate = defineRule({
  id: 'keep-client-secret-private',
  title: 'The client secret is never in a URL nor sent outside the endpoints where the client authenticates',
  requirements: ['RFC6749-2.3.1', 'RFC6819-5.2.3.1'],
  evaluate(ctx) {
    // A client that starts from a protected resource is told no secret: it gets one by registering (RFC 7591 §3.2.1).
    const secrets = [ctx.client.clientSecret, ...registrations(ctx).map((r) => r.clientSecret ?? '')].filter((s) => s.length > 0)
    if (secrets.length === 0) return skip('the client has no client secret')
    const authenticating = new Set([ctx.profile.routes.token, ...(ctx.profile.clientAuthRoutes ?? [])])
    for (const secret of secrets) {
      const basic = (value: string) =>
        value.toLowerCase().startsWith('basic ') && Buffer.from(value.slice(6).trim(), 'base64').toString('utf8').includes(secret)
      for (const exchange of ctx.exchanges) {
        const url = exchange.request.url
        if (url.includes(secret) || url.includes(encodeURIComponent(secret))) {
          return fail('the client secret was sent in a URL', { expected: 'no secret in any request URI', actual: 'secret in the URL', exchange: exchange.seq })
        }
        const auth = exchange.request.headers.authorization ?? ''
        if (!authenticating.has(exchange.route ?? '') && (exchange.request.body.includes(secret) || auth.includes(secret) || basic(auth))) {
          return fail(`the client secret was sent to ${exchange.route ?? new URL(url).pathname}, where the client does not authenticate`, {
            expected: `secret sent to ${[...authenticating].join(', ')} only`,
            actual: exchange.route,
            exchange: exchange.seq,
          })
        }
      }
    }
    return pass(`the client secret only ever went to ${[...authenticating].join(', ')}, outside the URL`)
  },
})
