import { apiCalls, issuedTokens, param, presentedToken, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/** A token this close to expiry may be renewed early without counting as waste. */
export const RENEW_EARLY_SECONDS = 60

/**
 * An access token is reused until it expires (or is rejected), not fetched
 * again for every call. Cogo's document: "Access tokens will expire after 1
 * hour. A new token can be requested" — after, not before.
 *
 * @see [RFC 6749 §5.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.1)
 */
export const reuseUnexpiredToken = defineRule({
  id: 'reuse-unexpired-token',
  title: 'A live token is reused instead of requesting a new one',
  requirements: ['RFC6749-5.1'],
  evaluate(ctx) {
    const tokens = issuedTokens(ctx)
    if (tokens.length === 0) return skip('no token was issued')
    const rejections = apiCalls(ctx).filter((e) => e.response.status === 401 || e.response.status === 403)
    // @note a code exchange follows a new authorization by the user; only refresh and client-credentials requests are the client's own choice.
    const requests = tokenRequests(ctx).filter((e) => param(e, 'code') === undefined)
    for (const exchange of requests) {
      const last = tokens.filter((t) => t.seq < exchange.seq).at(-1)
      if (!last) continue
      // @note a token the API refused (revoked, or expired early) may be replaced at once.
      const refused = rejections.some((e) => e.seq > last.seq && e.seq < exchange.seq && presentedToken(e)?.value === last.accessToken)
      const live = last.expiresAtMs === null || exchange.atMs < last.expiresAtMs - RENEW_EARLY_SECONDS * 1000
      if (live && !refused) {
        const left = last.expiresAtMs === null ? 'it never expires' : `${Math.round((last.expiresAtMs - exchange.atMs) / 1000)} s left`
        return fail(`a new token was requested while the last one was live (${left})`, {
          expected: 'reuse the live token',
          actual: 'a token request',
          exchange: exchange.seq,
        })
      }
    }
    return pass(`${requests.length} token request(s), none while a live token was held`, { actual: requests.length })
  },
})
