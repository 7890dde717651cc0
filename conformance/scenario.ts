import type { Rule, RuleUse, Scenario, Severity } from './types.js'

/**
 * Declares a scenario; its `id` must be its file name (a test checks).
 *
 * @example
 * export default defineScenario({ id: 'happy-path', title: '…', summary: '…', profile: 'carina', steps: [...], rules: [expectRule(sendState)] })
 */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario
}

/**
 * Uses a rule in a scenario with a severity (OIDF's `callAndContinueOnFailure(…, FAILURE, "RFC6749-5.2")`).
 *
 * @example
 * expectRule(respectRetryAfter, 'failure')
 * expectRule(avoidExpiredToken, 'warning', ['COGO-expiry'])
 */
export function expectRule(rule: Rule, severity: Severity = 'failure', requirements?: string[]): RuleUse {
  return { rule, severity, ...(requirements ? { requirements } : {}) }
}
