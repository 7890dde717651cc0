import type { Rule, RuleContext, Verdict } from '../types.js'

/** A passing verdict. */
export const pass = (message: string, details: Omit<Verdict, 'result' | 'message'> = {}): Verdict => ({ result: 'pass', message, ...details })
/** A failing verdict naming what was expected and what happened. */
export const fail = (message: string, details: Omit<Verdict, 'result' | 'message'> = {}): Verdict => ({ result: 'fail', message, ...details })
/** The rule does not apply here; `message` says why. */
export const skip = (message: string): Verdict => ({ result: 'skip', message })

/**
 * Declares a rule. Kept as a function so rule files read as data.
 *
 * @example
 * export const sendState = defineRule({ id: 'send-state', title: '…', requirements: ['RFC6749-10.12'], evaluate: (ctx) => pass('…') })
 */
export function defineRule(rule: Rule): Rule {
  return rule
}

export type { Rule, RuleContext, Verdict }
