import { defineRule, fail, pass } from '../verdict.js'
import { violationsOf } from './violation-rule.js'

/**
 * The safety net for requirements the provider checks (`ctx.violation` in
 * mocks/core) that no rule of the scenario claims: each violation is judged
 * by exactly one rule, its own where there is one (send-each-parameter-once,
 * use-one-client-auth-method...), else this one.
 */
export const passStrictProviderChecks = defineRule({
  id: 'pass-strict-provider-checks',
  title: 'No request broke another check the real provider enforces',
  requirements: [],
  evaluate(ctx) {
    const claimed = new Set(ctx.scenario.rules.flatMap((use) => use.rule.claims ?? []))
    for (const exchange of ctx.exchanges) {
      const v = violationsOf(exchange).find((x) => !claimed.has(x.requirement))
      if (v) {
        return fail(`${v.message} (${v.requirement}); ${v.served ? 'the lenient provider served it' : `the provider refused it (${v.error})`}`, {
          expected: 'a request the provider accepts',
          actual: v.message,
          exchange: exchange.seq,
        })
      }
    }
    return pass(
      ctx.scenario.mode === 'lenient' ? 'the lenient provider recorded no other violation' : 'every request was accepted or refused as the real provider would',
    )
  },
})
