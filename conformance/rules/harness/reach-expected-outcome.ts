import type { Expectation, Outcome } from '../../types.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

function meets(expectation: Expectation, outcome: Outcome | undefined): boolean {
  if (!outcome) return false
  if (!outcome.ok && outcome.crashed) return false
  if (expectation === 'settles') return true
  if (expectation === 'ok') return outcome.ok
  if (expectation === 'error') return !outcome.ok && Boolean(outcome.error)
  return !outcome.ok && expectation.error.includes(outcome.error)
}

const describe = (e: Expectation) => (typeof e === 'string' ? e : `error ${e.error.join(' or ')}`)
const summarize = (o: Outcome | undefined) =>
  !o ? '(no answer)' : o.ok ? 'ok' : o.crashed ? `crash: ${o.description ?? o.error}` : `error ${o.error}${o.description ? ` (${o.description})` : ''}`

/**
 * The client reports, step by step, what a correct client would: success,
 * the error the scenario provokes, or at least a clean report instead of a
 * crash. Requirements come from where the scenario uses it (each step's
 * `requirements`), as the OIDF suite attaches them at the call site.
 */
export const reachExpectedOutcome = defineRule({
  id: 'reach-expected-outcome',
  title: 'The client reports the outcome a correct client would',
  requirements: [],
  oidf: ['oidcc-client-test'],
  evaluate(ctx) {
    const judged = ctx.steps.filter((s) => (s.step.do === 'authorize' || s.step.do === 'call') && s.step.expect)
    if (judged.length === 0) return skip('no step states an expected outcome')
    for (const record of judged) {
      const expectation = (record.step as { expect: Expectation }).expect
      if (!meets(expectation, record.outcome)) {
        const what =
          record.step.do === 'call'
            ? `call "${record.step.operation}"`
            : `authorization (user: ${(record.step as { user: string }).user}${(record.step as { forge?: string }).forge ? ', forged state' : ''})`
        return fail(`step ${record.index + 1}, ${what}: expected ${describe(expectation)}, the client reported ${summarize(record.outcome)}`, {
          expected: describe(expectation),
          actual: summarize(record.outcome),
          exchange: record.exchanges.at(-1),
        })
      }
    }
    return pass(`${judged.length} step(s) reported as expected`)
  },
})
