import { defineRule, fail, pass } from '../verdict.js'

/** A violation the provider served anyway because it ran lenient (`notes.violations`). */
export interface Violation {
  error: string
  description: string
  requirement: string
}

/**
 * In lenient mode the mock serves a request the real provider would refuse
 * and records why; this rule lists those findings, so one run shows every
 * problem instead of stopping at the first refusal.
 */
export const passStrictProviderChecks = defineRule({
  id: 'pass-strict-provider-checks',
  title: 'No request broke a check the real provider enforces',
  requirements: [],
  evaluate(ctx) {
    for (const exchange of ctx.exchanges) {
      const violations = (exchange.notes.violations as Violation[] | undefined) ?? []
      if (violations.length) {
        const v = violations[0]
        return fail(`the provider would have refused this request: ${v.description} (${v.requirement})`, { expected: 'a request the provider accepts', actual: v.error, exchange: exchange.seq })
      }
    }
    return pass(ctx.scenario.mode === 'lenient' ? 'the lenient provider recorded no violation' : 'strict provider: every request was accepted or refused as the real one')
  },
})
