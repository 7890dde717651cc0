import { grantOf, issuedTokens, param, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * With rotating refresh tokens, each refresh answer carries a new refresh
 * token and the old one is spent: the client keeps the newest and never
 * presents an older one (the server takes that for theft and revokes the
 * whole grant).
 *
 * @see [RFC 9700 §4.14.2](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.14.2)
 * @see [RFC 6749 §6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6): "the client MUST discard the old refresh token and replace it with the new refresh token"
 */
export const useNewestRefreshToken = defineRule({
  id: 'use-newest-refresh-token',
  title: 'Only the newest refresh token is presented',
  requirements: ['RFC9700-4.14.2', 'RFC6749-6'],
  evaluate(ctx) {
    // @note by the parameter, not the grant_type's spelling (GoCD: refresh-token).
    const refreshes = tokenRequests(ctx).filter((e) => grantOf(e).kind === 'refresh_token')
    if (refreshes.length === 0) return skip('the client made no refresh request')
    const issued = issuedTokens(ctx)
    for (const exchange of refreshes) {
      const newest = issued.filter((t) => t.seq < exchange.seq && t.refreshToken).at(-1)?.refreshToken
      const presented = param(exchange, 'refresh_token')
      if (newest && presented !== newest) {
        const older = issued.some((t) => t.seq < exchange.seq && t.refreshToken === presented)
        return fail(
          older
            ? 'the client presented a refresh token that had already been replaced by a newer one'
            : 'the client presented a refresh token the provider never issued',
          {
            expected: 'the refresh token of the latest token response',
            actual: older ? 'an older, rotated refresh token' : 'an unknown refresh token',
            exchange: exchange.seq,
          },
        )
      }
    }
    return pass(`every refresh request (${refreshes.length}) presented the newest refresh token`)
  },
})
