import { authorizeRequests, param, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * The authorization request names a registered redirect URI, and the code
 * exchange repeats it exactly.
 *
 * @see [RFC 6749 §3.1.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-3.1.2)
 * @see [RFC 6749 §4.1.3](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.3) "redirect_uri REQUIRED, if … included in the authorization request … their values MUST be identical"
 */
export const sendRegisteredRedirectUri = defineRule({
  id: 'send-registered-redirect-uri',
  title: 'redirect_uri is the registered one, repeated identically at the token endpoint',
  requirements: ['RFC6749-3.1.2', 'RFC6749-4.1.3'],
  // @note judged from the journal; a provider's own RFC6749-4.1.3 refusal (a missing redirect_uri) is the same finding.
  claims: ['RFC6749-4.1.3'],
  evaluate(ctx) {
    const authorizations = authorizeRequests(ctx)
    if (authorizations.length === 0) return skip('no authorization request was made')
    let sent: string | undefined
    let omitted = false
    for (const exchange of authorizations) {
      const given = new URL(exchange.request.url).searchParams.get('redirect_uri') ?? undefined
      // RFC 6749 §4.1.1: redirect_uri is OPTIONAL; a provider whose document says so (Cloud 66) uses the registered one.
      if (given === undefined && ctx.profile.redirectUriOptional) {
        omitted = true
        continue
      }
      if (given === undefined || !ctx.profile.registeredRedirectUris.includes(given)) {
        return fail('the authorization request did not name a registered redirect URI', {
          expected: ctx.profile.registeredRedirectUris,
          actual: given ?? '(absent)',
          exchange: exchange.seq,
        })
      }
      sent = given
    }
    const exchanges = tokenRequests(ctx).filter((e) => param(e, 'code') !== undefined)
    for (const exchange of exchanges) {
      const repeated = param(exchange, 'redirect_uri')
      // §4.1.3: REQUIRED only if it was in the authorization request; without it there, a registered one (or none) is right.
      if (sent === undefined && omitted && (repeated === undefined || ctx.profile.registeredRedirectUris.includes(repeated))) continue
      if (repeated !== sent)
        return fail('the code exchange did not repeat the redirect_uri of the authorization request', {
          expected: sent,
          actual: repeated ?? '(absent)',
          exchange: exchange.seq,
        })
    }
    if (sent === undefined) return pass('redirect_uri omitted, as the provider allows (RFC 6749 §4.1.1): the registered one applies')
    return pass(`redirect_uri ${sent} sent and repeated`, { actual: sent })
  },
})
