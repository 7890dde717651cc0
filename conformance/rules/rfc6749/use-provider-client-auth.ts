import { clientAuthentication, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * Token requests authenticate the client the way the provider documents:
 * HTTP Basic for Cogo and Keystone, Basic or body parameters for Carina.
 *
 * @see [RFC 6749 §2.3.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-2.3.1)
 */
export const useProviderClientAuth = defineRule({
  id: 'use-provider-client-auth',
  title: "The provider's client authentication method is used",
  requirements: ['RFC6749-2.3.1'],
  oidf: ['oidcc-client-test-client-secret-basic'],
  evaluate(ctx) {
    const requests = tokenRequests(ctx)
    if (requests.length === 0) return skip('no token request was made')
    const allowed = ctx.profile.clientAuthMethods
    const used = new Set<string>()
    for (const exchange of requests) {
      // @note two methods at once is use-one-client-auth-method's finding (RFC 6749 §2.3); here each method must be one the provider documents.
      const methods = clientAuthentication(exchange)
      for (const method of methods.length ? methods : ['none']) {
        if (!allowed.includes(method))
          return fail(`the token request authenticated with ${method}`, { expected: allowed, actual: methods.join('+') || 'none', exchange: exchange.seq })
        used.add(method)
      }
    }
    return pass(`used ${[...used].join(', ')}`, { actual: [...used] })
  },
})
