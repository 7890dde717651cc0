import { hintOf, param, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * `grant_type` is spelled the way the provider's document spells it. GoCD's
 * server implemented an early OAuth 2 draft: `authorization-code` and
 * `refresh-token`, with hyphens; it refuses the RFC's `authorization_code`
 * and `refresh_token` (unsupported-grant-type). The finding names the
 * provider's requirement and carries the provider's hint when it gave one.
 *
 * @see [RFC 6749 §4.1.3](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.3), [§6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6), [§4.4.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.4.2)
 */
export const useDocumentedGrantType = defineRule({
  id: 'use-documented-grant-type',
  title: 'grant_type is spelled as the provider documents',
  requirements: ['RFC6749-4.1.3'],
  evaluate(ctx) {
    const requests = tokenRequests(ctx)
    if (requests.length === 0) return skip('no token request was made')
    const { values, requirement } = ctx.profile.grantTypes
    for (const exchange of requests) {
      const grantType = param(exchange, 'grant_type')
      // @note an absent grant_type is the provider's to refuse (or, on Cloud 66, its document's default: the code grant).
      if (grantType === undefined || values.includes(grantType)) continue
      const hint = hintOf(exchange)
      return fail(
        `grant_type "${grantType}" is not one ${ctx.profile.id} documents (${requirement}: ${values.join(', ')})${hint ? `; the provider's hint: ${hint}` : ''}`,
        { expected: values, actual: grantType, exchange: exchange.seq },
      )
    }
    return pass(`every token request (${requests.length}) used a documented grant_type`)
  },
})
