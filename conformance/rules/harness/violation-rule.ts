import type { Exchange } from '../../../mocks/core/journal.js'
import type { Violation } from '../../../mocks/core/routes.js'
import type { Rule } from '../../types.js'
import { defineRule, fail, pass } from '../verdict.js'

/** The violations a provider recorded for one exchange (`notes.violations`, mocks/core/routes.ts). */
export function violationsOf(exchange: Exchange): Violation[] {
  return (exchange.notes.violations as Violation[] | undefined) ?? []
}

/**
 * A rule over the requirements the provider itself checks (`ctx.violation` in
 * mocks/core): it fails on the first exchange that broke one of `claims`,
 * whether a strict provider refused it or a lenient one served it. The
 * provider's parser knows what it read (a repeated parameter, a body's media
 * type), so the rule does not parse the request again.
 *
 * @example
 * export const useOneClientAuthMethod = defineViolationRule({ id: 'use-one-client-auth-method', title: '…', requirements: ['RFC6749-2.3'], claims: ['RFC6749-2.3'], expected: 'one method' })
 */
export function defineViolationRule(rule: Omit<Rule, 'evaluate'> & { claims: string[]; expected: string }): Rule {
  const { expected, ...rest } = rule
  return defineRule({
    ...rest,
    evaluate(ctx) {
      for (const exchange of ctx.exchanges) {
        const found = violationsOf(exchange).find((v) => rule.claims.includes(v.requirement))
        if (found) {
          const how = found.served ? 'the lenient provider served it' : `the provider refused it (${found.error})`
          return fail(`${found.message} (${found.requirement}); ${how}`, { expected, actual: found.message, exchange: exchange.seq })
        }
      }
      return pass('no request broke it')
    },
  })
}
