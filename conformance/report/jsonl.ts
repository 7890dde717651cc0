import { appendFileSync, writeFileSync } from 'node:fs'
import type { CheckReport } from '../runner.js'
import {
  scenarioResult,
  summarizeProvider,
  summarizeTotal,
  type ProviderSummary,
  type ReportedCheck,
  type ReportedRun,
  type ReportedScenario,
  type TotalSummary,
} from './summary.js'

/**
 * The JSON Lines record of one check (the report's public shape). `type`
 * tells it from the `scenario`, `summary` and `total` records.
 */
export function checkRecord(check: ReportedCheck): Record<string, unknown> {
  return {
    type: 'check',
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

/** Written after a scenario's checks: its title, result and real duration. */
export function scenarioRecord(provider: string, scenario: ReportedScenario): Record<string, unknown> {
  return {
    type: 'scenario',
    scenario: scenario.scenario,
    provider,
    title: scenario.title,
    result: scenarioResult(scenario),
    checks: scenario.checks.length,
    durationMs: Math.round(scenario.durationMs),
  }
}

export function summaryRecord(summary: ProviderSummary, shard?: string): Record<string, unknown> {
  return { type: 'summary', ...summary, durationMs: Math.round(summary.durationMs), ...(shard ? { shard } : {}) }
}

export function totalRecord(total: TotalSummary, shard?: string): Record<string, unknown> {
  return { type: 'total', ...total, durationMs: Math.round(total.durationMs), ...(shard ? { shard } : {}) }
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

/**
 * The whole JSON Lines report of a run: each check as it is known, each
 * scenario as it ends, then one `summary` record per provider and a `total`.
 */
export class JsonLinesReport {
  constructor(readonly path: string) {
    writeFileSync(path, '')
  }

  #write(record: Record<string, unknown>): void {
    appendFileSync(this.path, JSON.stringify(record) + '\n')
  }

  check(check: ReportedCheck): void {
    this.#write(checkRecord(check))
  }

  scenario(provider: string, scenario: ReportedScenario): void {
    this.#write(scenarioRecord(provider, scenario))
  }

  end(runs: ReportedRun[], options: { shard?: string; durationMs?: number } = {}): void {
    const summaries = runs.map(summarizeProvider)
    for (const summary of summaries) this.#write(summaryRecord(summary, options.shard))
    this.#write(totalRecord(summarizeTotal(summaries, options.durationMs), options.shard))
  }
}

/**
 * Rebuilds runs from JSON Lines reports (one file or several shards'): their
 * check and scenario records, in order; summaries are recomputed by whoever
 * reads the runs; the client is the one the summaries name. A file written by
 * a run that died half-way reads as far as it got (its last scenario, without
 * a `scenario` record, is kept untimed).
 */
export function runsFromJsonLines(texts: string[], client = 'merged'): ReportedRun[] {
  const runs = new Map<string, ReportedRun>()
  const clients = new Map<string, Set<string>>()
  for (const text of texts) {
    const open = new Map<string, ReportedScenario>()
    for (const [n, line] of text.split('\n').entries()) {
      if (!line.trim()) continue
      let record: Record<string, unknown>
      try {
        record = JSON.parse(line)
      } catch {
        throw new Error(`line ${n + 1} is not JSON: ${line.slice(0, 80)}`)
      }
      const id = String(record.scenario ?? '')
      const provider = typeof record.provider === 'string' ? record.provider : id.slice(0, id.indexOf('/'))
      if (record.type === 'summary' && typeof record.client === 'string') clients.set(provider, new Set([...(clients.get(provider) ?? []), record.client]))
      if (record.type !== 'check' && record.type !== undefined && record.type !== 'scenario') continue
      if (!id.includes('/')) throw new Error(`line ${n + 1} has no "scenario" of the form <provider>/<scenario>`)
      let run = runs.get(provider)
      if (!run) runs.set(provider, (run = { provider, client, scenarios: [] }))
      let scenario = open.get(id)
      if (!scenario) {
        scenario = { scenario: id, title: '', durationMs: 0, checks: [] }
        open.set(id, scenario)
        run.scenarios.push(scenario)
      }
      if (record.type === 'scenario') {
        scenario.title = String(record.title ?? '')
        scenario.durationMs = Number(record.durationMs ?? 0)
        open.delete(id)
      } else {
        const { type: _type, ...check } = record
        scenario.checks.push(check as unknown as ReportedCheck)
      }
    }
  }
  // The client the shards' summaries name, when they agree.
  for (const run of runs.values()) {
    const named = clients.get(run.provider)
    if (named?.size === 1) run.client = [...named][0]
  }
  return [...runs.values()]
}
