import { exchangesOf, stepOf } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * A UserInfo answer whose `sub` is not the ID token's is not used: the call
 * does not end in success with those values, and the claims the client
 * reports keep the ID token's `sub`.
 *
 * @see [OIDC Core §5.3.2](https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse): "The sub Claim in the UserInfo Response MUST be verified to exactly match the sub Claim in the ID Token; if they do not match, the UserInfo Response values MUST NOT be used."
 */
export const checkUserinfoSub = defineRule({
  id: 'check-userinfo-sub',
  title: "A UserInfo answer for another sub than the ID token's is not used",
  requirements: ['OIDCC-5.3.2'],
  oidf: ['oidcc-client-test-userinfo-invalid-sub'],
  evaluate(ctx) {
    const broken = exchangesOf(ctx.exchanges, ctx.profile.routes.userinfo).filter((e) => e.notes.brokenUserinfo === 'wrong-sub')
    if (broken.length === 0) return skip('no UserInfo answer named another sub')
    for (const exchange of broken) {
      let wrongSub: unknown
      try {
        wrongSub = (JSON.parse(exchange.response.body) as { sub?: unknown }).sub
      } catch {
        continue
      }
      const step = ctx.steps.find((s) => s.index === stepOf(ctx, exchange.seq))
      const outcome = step?.outcome
      if (!outcome?.ok) continue
      if (outcome.claims === undefined || outcome.claims.sub === wrongSub) {
        return fail("the client used a UserInfo answer whose sub is not the ID token's", {
          expected: "the answer refused (or the ID token's sub kept)",
          actual: outcome.claims ? `claims with sub ${JSON.stringify(wrongSub)}` : 'the call reported success',
          exchange: exchange.seq,
        })
      }
    }
    return pass('the UserInfo answer with another sub was not used')
  },
})
