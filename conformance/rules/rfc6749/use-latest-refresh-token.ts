import { grantOf, parseTokenResponse, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * After a refresh that issued a new refresh token, the client keeps the new
 * one and never sends the old one again: the provider retired it when it
 * rotated (Doorkeeper revokes it, GoCD deletes it), and a rotated token seen
 * twice is what refresh token replay detection looks for.
 *
 * @see [RFC 6749 §6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6) "The client MUST discard the old refresh token and replace it with the new refresh token."
 * @see [RFC 9700 §4.14.2](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.14.2) refresh token rotation
 */
export const useLatestRefreshToken = defineRule({
  id: 'use-latest-refresh-token',
  title: 'A rotated refresh token is replaced by the new one',
  requirements: ['RFC6749-6', 'RFC9700-4.14.2'],
  evaluate(ctx) {
    const refreshes = tokenRequests(ctx).filter((e) => grantOf(e).kind === 'refresh_token')
    if (refreshes.length === 0) return skip('no refresh token was used')
    /** Refresh tokens the provider replaced, with the exchange that replaced them. */
    const retired = new Map<string, number>()
    for (const exchange of refreshes) {
      const used = grantOf(exchange).value
      const replacedAt = retired.get(used)
      if (replacedAt !== undefined) {
        return fail(`the client refreshed with a refresh token the provider had already replaced (by exchange #${replacedAt})`, { expected: 'the refresh token of the latest token response', actual: 'a rotated-out refresh token', exchange: exchange.seq })
      }
      const issued = parseTokenResponse(exchange)
      if (issued?.refresh_token && issued.refresh_token !== used) retired.set(used, exchange.seq)
    }
    return pass(`${refreshes.length} refresh(es), each with the latest refresh token`)
  },
})
