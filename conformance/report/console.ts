import type { CheckReport, RunResult } from '../runner.js'
import {
  scenarioResult,
  summarizeProvider,
  summarizeTotal,
  type ProviderSummary,
  type ReportedCheck,
  type ReportedScenario,
  type TotalSummary,
} from './summary.js'
import { specLink } from '../spec-links.js'

const MARK: Record<CheckReport['result'], string> = { pass: 'PASS', fail: 'FAIL', warning: 'WARN', skip: 'SKIP' }

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** A failed or warning check in full: message, expected, actual, the exchange, its hint, the requirement's link. */
function checkInFull(check: ReportedCheck): string[] {
  const lines = [`  ${MARK[check.result]} ${check.rule}${check.requirements.length ? ` [${check.requirements.join(', ')}]` : ''}: ${check.message}`]
  if (check.result !== 'fail' && check.result !== 'warning') return lines
  if (check.expected !== undefined) lines.push(`       expected: ${JSON.stringify(check.expected)}`)
  if (check.actual !== undefined) lines.push(`       actual:   ${JSON.stringify(check.actual)}`)
  if (check.exchange) lines.push(`       exchange: #${check.exchange.seq} ${check.exchange.method} ${check.exchange.url} → ${check.exchange.status}`)
  // Where the provider said why it answered so (its journal's `notes.hint`, conformance/report/hints.ts), that hint goes right under the exchange.
  const hint = check.hint ?? (check.exchange as { notes?: { hint?: unknown } } | undefined)?.notes?.hint
  if (typeof hint === 'string') lines.push(`       hint:     ${hint}`)
  const link = ('links' in check ? (check as CheckReport).links : check.requirements.map((r) => specLink(r) ?? '')).find(Boolean)
  if (link) lines.push(`       see:      ${link}`)
  return lines
}

/**
 * One scenario as it completes. A scenario that passed is one line; one
 * with a failure or a warning shows those checks in full (and, with
 * `verbose`, every check).
 */
export function formatScenario(scenario: ReportedScenario, options: { verbose?: boolean } = {}): string {
  const result = scenarioResult(scenario)
  const count = (r: CheckReport['result']) => scenario.checks.filter((c) => c.result === r).length
  const counts = [
    `${count('pass')} passed`,
    count('fail') && `${count('fail')} failed`,
    count('warning') && `${plural(count('warning'), 'warning')}`,
    count('skip') && `${count('skip')} skipped`,
  ]
    .filter(Boolean)
    .join(', ')
  const head = `${result === 'warning' ? 'WARN' : MARK[result]} ${scenario.scenario}: ${scenario.title} (${plural(scenario.checks.length, 'check')}: ${counts}; ${(scenario.durationMs / 1000).toFixed(2)} s)`
  const shown = options.verbose ? scenario.checks : scenario.checks.filter((c) => c.result === 'fail' || c.result === 'warning')
  return [head, ...shown.flatMap(checkInFull)].join('\n') + '\n'
}

function ruleList(rules: ProviderSummary['failingRules']): string {
  return rules.map((r) => `${r.rule} (${r.scenarios.join(', ')})`).join(', ')
}

/** One provider's totals, and the rules that failed or warned with where. */
export function formatProviderSummary(summary: ProviderSummary): string {
  const line = `${summary.provider}: ${plural(summary.scenarios, 'scenario')}, ${plural(summary.checks, 'check')}: ${summary.passed} passed, ${summary.failed} failed, ${plural(summary.warnings, 'warning')}, ${summary.skipped} skipped: ${summary.result.toUpperCase()}`
  const extra = [
    summary.failingRules.length ? `  failed:   ${ruleList(summary.failingRules)}` : '',
    summary.warningRules.length ? `  warnings: ${ruleList(summary.warningRules)}` : '',
  ].filter(Boolean)
  return [line, ...extra].join('\n') + '\n'
}

/** The grand total and the line CI logs are searched for. */
export function formatTotal(total: TotalSummary): string {
  return (
    `total: ${plural(total.providers, 'provider')}, ${plural(total.scenarios, 'scenario')}, ${plural(total.checks, 'check')}: ${total.passed} passed, ${total.failed} failed, ${plural(total.warnings, 'warning')}, ${total.skipped} skipped (${(total.durationMs / 1000).toFixed(1)} s)\n` +
    (total.result === 'pass' ? 'RESULT: PASS\n' : 'RESULT: FAIL (a MUST-level check failed)\n')
  )
}

/** `--quiet`: one line per provider, naming the rules that failed (and warned). */
export function formatQuietLine(summary: ProviderSummary): string {
  const failing = summary.failingRules.length ? `: ${summary.failingRules.map((r) => r.rule).join(', ')}` : ''
  const warnings = summary.warningRules.length ? `; warnings: ${summary.warningRules.map((r) => r.rule).join(', ')}` : ''
  return `${summary.result.toUpperCase()} ${summary.provider} (${plural(summary.scenarios, 'scenario')}, ${plural(summary.checks, 'check')}, ${summary.failed} failed, ${plural(summary.warnings, 'warning')})${failing}${warnings}\n`
}

/**
 * A readable report of one provider's run: each scenario (passes one line,
 * failures and warnings in full), then the provider's totals and the result.
 */
export function formatConsoleReport(result: RunResult, options: { verbose?: boolean } = {}): string {
  const summary = summarizeProvider(result)
  return [
    `[oauth-dance] check ${result.provider} with client "${result.client}"\n`,
    ...result.scenarios.map((s) => formatScenario(s, options)),
    '\n',
    formatProviderSummary(summary),
    formatTotal(summarizeTotal([summary])),
  ].join('')
}

/**
 * The line a terminal shows under the output while a run goes on: each
 * provider's scenarios done out of its total. Rewritten in place (`\r`),
 * only on a TTY.
 */
export class ProgressLine {
  readonly #done = new Map<string, { done: number; total: number }>()
  #shown = false

  constructor(private readonly out: { write(text: string): unknown; isTTY?: boolean }) {}

  start(provider: string, total: number): void {
    this.#done.set(provider, { done: 0, total })
    this.#draw()
  }

  advance(provider: string, index: number, total: number): void {
    this.#done.set(provider, { done: index, total })
  }

  /** Prints text above the progress line. */
  print(text: string): void {
    this.#clear()
    this.out.write(text)
    this.#draw()
  }

  end(): void {
    this.#clear()
  }

  #clear(): void {
    if (this.#shown) this.out.write('\r\x1b[2K')
    this.#shown = false
  }

  #draw(): void {
    if (!this.out.isTTY) return
    const running = [...this.#done].filter(([, p]) => p.done < p.total)
    if (!running.length) return
    this.#clear()
    this.out.write(`… ${running.map(([provider, p]) => `${provider} scenario ${p.done + 1} of ${p.total}`).join(' · ')}`)
    this.#shown = true
  }
}
