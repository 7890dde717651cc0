import type { Exchange } from '../../../mocks/core/journal.js'
import { exchangesOf, parseTokenResponse, stepOf, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * The client caches the JWKS and fetches it again only when an ID token
 * names a key it does not know: once after the provider rotates its signing
 * key, and not at all while the keys stay the same.
 *
 * @see [OIDC Core §10.1.1](https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys): "The RP performs a re-fetch of the JWKS … when it sees an unfamiliar kid value."
 * @see [RFC 7517 §4.5](https://www.rfc-editor.org/rfc/rfc7517.html#section-4.5) `kid`
 */
export const refetchJwksOnce = defineRule({
  id: 'refetch-jwks-once',
  title: 'The JWKS is fetched again once when the signing key rotates, and only then',
  requirements: ['OIDCC-10.1.1', 'RFC7517-4.5'],
  oidf: ['oidcc-client-test-signing-key-rotation'],
  evaluate(ctx) {
    const rotations = ctx.steps.filter((s) => s.step.do === 'control' && s.step.action === 'rotate-key').map((s) => s.index)
    const fetches = exchangesOf(ctx.exchanges, ctx.profile.routes.jwks)
    // @note a client that never fetched the keys verified no signature: verify-id-token-signature judges that.
    if (fetches.length === 0) return skip('the client fetched no JWKS')
    // Periods with the same keys: before the first rotation, then after each.
    const period = (e: Exchange) => {
      const step = stepOf(ctx, e.seq) ?? Number.MAX_SAFE_INTEGER
      return rotations.filter((r) => r < step).length
    }
    const idTokens = tokenRequests(ctx).filter((e) => parseTokenResponse(e)?.id_token && e.notes.brokenIdToken === undefined)
    for (let p = 0; p <= rotations.length; p++) {
      const inPeriod = fetches.filter((e) => period(e) === p)
      if (inPeriod.length > 1) {
        return fail(`the client fetched the JWKS ${inPeriod.length} times while the keys stayed the same`, {
          expected: p === 0 ? 'one fetch, then the cached keys' : 'one fetch after the rotation, then the cached keys',
          actual: `${inPeriod.length} fetches`,
          exchange: inPeriod[1].seq,
        })
      }
      const issued = idTokens.find((e) => period(e) === p)
      if (p > 0 && issued && inPeriod.length === 0) {
        return fail('the client did not fetch the JWKS again when an ID token named a key it had not seen', {
          expected: 'one JWKS fetch after the rotation',
          actual: 'none',
          exchange: issued.seq,
        })
      }
    }
    return pass(rotations.length ? `the JWKS was fetched again once after the key rotated` : `the JWKS was fetched once and cached`)
  },
})
