import type { Rule } from '../../types.js'
import { parseTokenResponse, param, presentedToken, stepOf, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

interface BrokenIdTokenRule {
  id: string
  title: string
  /** The `break-next-id-token` kinds (mocks/providers/standard/broken-id-tokens.ts) this check must refuse. */
  kinds: string[]
  requirements: string[]
  oidf?: string[]
}

/**
 * One check of ID token validation (OIDC Core §3.1.3.7): after the provider
 * issued an ID token broken in one of `kinds` (the `break-next-id-token`
 * control, recorded as `notes.brokenIdToken`), the client refuses it. Judged
 * as the OpenID Foundation's client tests judge it, from the journal: the
 * client never uses the access or refresh token of that response (OIDF:
 * "Client has incorrectly called userinfo_endpoint after receiving an
 * id_token with an invalid …"), and from what it reported: the step does not
 * end in a sign-in, and the client does not report that ID token as accepted.
 */
function rejectBrokenIdToken(spec: BrokenIdTokenRule): Rule {
  return defineRule({
    id: spec.id,
    title: spec.title,
    requirements: spec.requirements,
    ...(spec.oidf ? { oidf: spec.oidf } : {}),
    evaluate(ctx) {
      const broken = tokenRequests(ctx).filter((e) => typeof e.notes.brokenIdToken === 'string' && spec.kinds.includes(e.notes.brokenIdToken))
      if (broken.length === 0) return skip(`no ID token broken this way (${spec.kinds.join(', ')}) was issued`)
      for (const exchange of broken) {
        const kind = String(exchange.notes.brokenIdToken)
        const fields = parseTokenResponse(exchange)
        if (!fields?.id_token) continue
        const reported = ctx.steps.find((s) => s.outcome?.ok && s.outcome.idToken === fields.id_token)
        if (reported)
          return fail(`the client reported the ${kind} ID token as accepted`, {
            expected: 'the ID token refused',
            actual: `accepted in step ${reported.index + 1}`,
            exchange: exchange.seq,
          })
        const used = ctx.exchanges.find(
          (e) =>
            e.seq > exchange.seq &&
            (presentedToken(e)?.value === fields.access_token || (fields.refresh_token !== undefined && param(e, 'refresh_token') === fields.refresh_token)),
        )
        if (used)
          return fail(`the client used the tokens of a response whose ID token was ${kind}`, {
            expected: 'the tokens of that response never used',
            actual: `${used.request.method} ${new URL(used.request.url).pathname} with them`,
            exchange: used.seq,
          })
        const step = ctx.steps.find((s) => s.index === stepOf(ctx, exchange.seq))
        if (step?.step.do === 'authorize' && step.outcome?.ok)
          return fail(`the client signed the user in with a ${kind} ID token`, {
            expected: 'the sign-in refused',
            actual: 'the step reported success',
            exchange: exchange.seq,
          })
      }
      return pass(`the ${[...new Set(broken.map((e) => e.notes.brokenIdToken))].join(', ')} ID token was refused: its tokens were never used`)
    },
  })
}

/** @see [OIDC Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation) step 6: validate the signature with the key the `kid` names. */
export const verifyIdTokenSignature = rejectBrokenIdToken({
  id: 'verify-id-token-signature',
  title: 'An ID token whose signature does not verify is refused',
  kinds: ['bad-signature', 'tampered-payload'],
  requirements: ['OIDCC-3.1.3.7-6', 'RFC7515-5.2'],
  oidf: ['oidcc-client-invalid-sig-rs256', 'oidcc-client-invalid-sig-es256'],
})

/**
 * @see [OIDC Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation) step 7: the `alg` is the one registered (RS256 by default).
 * @see [RFC 8725 §3.1](https://www.rfc-editor.org/rfc/rfc8725.html#section-3.1): never accept `none` unless the token is otherwise secured.
 */
// @note no OIDF module beside it: oidcc-client-test-idtoken-sig-none checks the opposite case, a client registered for `none`.
export const refuseUnsignedIdToken = rejectBrokenIdToken({
  id: 'refuse-unsigned-id-token',
  title: 'An unsigned ID token (alg none) is refused',
  kinds: ['alg-none'],
  requirements: ['OIDCC-3.1.3.7-7', 'RFC8725-3.1'],
})

/** @see [OIDC Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation) step 2: `iss` "MUST exactly match" the issuer. */
export const checkIdTokenIssuer = rejectBrokenIdToken({
  id: 'check-id-token-issuer',
  title: 'An ID token from another issuer is refused',
  kinds: ['wrong-issuer'],
  requirements: ['OIDCC-3.1.3.7-2'],
  oidf: ['oidcc-client-invalid-iss'],
})

/** @see [OIDC Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation) steps 3-5: `aud` contains the client id; an `azp` names the client. */
export const checkIdTokenAudience = rejectBrokenIdToken({
  id: 'check-id-token-audience',
  title: 'An ID token for another audience or authorized party is refused',
  kinds: ['wrong-audience', 'unexpected-azp'],
  requirements: ['OIDCC-3.1.3.7-3', 'OIDCC-3.1.3.7-5'],
  oidf: ['oidcc-client-invalid-aud'],
})

/** @see [OIDC Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation) step 9: "The current time MUST be before the time represented by the exp Claim". */
export const checkIdTokenExpiry = rejectBrokenIdToken({
  id: 'check-id-token-expiry',
  title: 'An expired ID token is refused',
  kinds: ['expired'],
  requirements: ['OIDCC-3.1.3.7-9'],
})

/** @see [OIDC Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation) step 10: an `iat` too far from the current time may be refused; an hour ahead is. */
export const checkIdTokenIssuedAt = rejectBrokenIdToken({
  id: 'check-id-token-issued-at',
  title: 'An ID token issued in the future (iat) is refused',
  kinds: ['future-iat'],
  requirements: ['OIDCC-3.1.3.7-10'],
})

/** @see [OIDC Core §3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation) step 11: the `nonce` "MUST be checked to verify that it is the same value as the one that was sent". */
export const checkIdTokenNonce = rejectBrokenIdToken({
  id: 'check-id-token-nonce',
  title: 'An ID token with a missing or wrong nonce is refused',
  kinds: ['wrong-nonce', 'missing-nonce'],
  requirements: ['OIDCC-3.1.3.7-11'],
  oidf: ['oidcc-client-nonce-invalid'],
})
