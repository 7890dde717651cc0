import type { CheckReport, RunResult } from '../runner.js'
import { hintLine } from './hints.js'

const MARK: Record<CheckReport['result'], string> = { pass: 'PASS', fail: 'FAIL', warning: 'WARN', skip: 'SKIP' }

/**
 * A readable report: per scenario, one line per rule (pass, fail with the
 * offending exchange, skipped with why), then totals.
 */
export function formatConsoleReport(result: RunResult, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [`[oauth-dance] check ${result.provider} with client "${result.client}"`]
  for (const scenario of result.scenarios) {
    lines.push('', `${scenario.scenario}: ${scenario.title}`)
    for (const check of scenario.checks) {
      if (check.result === 'pass' && !options.verbose) {
        lines.push(`  ${MARK.pass} ${check.rule}`)
        continue
      }
      lines.push(`  ${MARK[check.result]} ${check.rule} [${check.requirements.join(', ')}]: ${check.message}`)
      if (check.result === 'fail' || check.result === 'warning') {
        if (check.expected !== undefined) lines.push(`       expected: ${JSON.stringify(check.expected)}`)
        if (check.actual !== undefined) lines.push(`       actual:   ${JSON.stringify(check.actual)}`)
        if (check.exchange) lines.push(`       exchange: #${check.exchange.seq} ${check.exchange.method} ${check.exchange.url} → ${check.exchange.status}`)
        lines.push(...hintLine(check.hint))
        const link = check.links.find(Boolean)
        if (link) lines.push(`       see:      ${link}`)
      }
    }
  }
  const count = (r: CheckReport['result']) => result.checks.filter((c) => c.result === r).length
  lines.push('', `${result.scenarios.length} scenarios, ${result.checks.length} checks: ${count('pass')} passed, ${count('fail')} failed, ${count('warning')} warnings, ${count('skip')} skipped`)
  lines.push(result.passed ? 'RESULT: PASS' : 'RESULT: FAIL (a MUST-level check failed)')
  return lines.join('\n') + '\n'
}
