import { appendFileSync, writeFileSync } from 'node:fs'
import type { CheckReport } from '../runner.js'

/** The JSON Lines record of one check (the report's public shape). */
export function checkRecord(check: CheckReport): Record<string, unknown> {
  return {
    scenario: check.scenario,
    rule: check.rule,
    requirements: check.requirements,
    ...(check.oidf ? { oidf: check.oidf } : {}),
    severity: check.severity,
    result: check.result,
    message: check.message,
    ...(check.expected !== undefined ? { expected: check.expected } : {}),
    ...(check.actual !== undefined ? { actual: check.actual } : {}),
    ...(check.exchange ? { exchange: check.exchange } : {}),
    ...(check.hint ? { hint: check.hint } : {}),
  }
}

/**
 * Appends one JSON object per check as each is known, so a run that dies
 * half-way still leaves a report up to that point.
 *
 * @example
 * const writer = jsonLinesWriter('report.jsonl')
 * await runScenarios({ ..., onCheck: writer })
 */
export function jsonLinesWriter(path: string): (check: CheckReport) => void {
  writeFileSync(path, '')
  return (check) => appendFileSync(path, JSON.stringify(checkRecord(check)) + '\n')
}
