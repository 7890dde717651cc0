import type { CheckReport, ScenarioReport } from '../runner.js'

/** What every report reads of a check: the JSON Lines record's fields (a merged report has no more). */
export type ReportedCheck = Pick<CheckReport, 'scenario' | 'rule' | 'requirements' | 'severity' | 'result' | 'message'> &
  Partial<Pick<CheckReport, 'oidf' | 'expected' | 'actual' | 'exchange' | 'hint' | 'durationMs'>>

/** A scenario as reports read it. */
export interface ReportedScenario extends Pick<ScenarioReport, 'scenario' | 'title' | 'durationMs'> {
  checks: ReportedCheck[]
}

/**
 * One provider's run as reports read it: a `RunResult` is one, and so is what
 * `merge-reports` rebuilds from JSON Lines.
 */
export interface ReportedRun {
  provider: string
  client: string
  scenarios: ReportedScenario[]
}

export interface CheckCounts {
  scenarios: number
  checks: number
  passed: number
  failed: number
  warnings: number
  skipped: number
}

/** The summary of one provider (the JSON Lines `summary` record). */
export interface ProviderSummary extends CheckCounts {
  provider: string
  client: string
  result: 'pass' | 'fail'
  /** Rules with a failed check, each with the scenarios (ids without the provider) where it failed. */
  failingRules: Array<{ rule: string; scenarios: string[] }>
  warningRules: Array<{ rule: string; scenarios: string[] }>
  durationMs: number
}

/** The summary of the whole run (the JSON Lines `total` record). */
export interface TotalSummary extends CheckCounts {
  providers: number
  result: 'pass' | 'fail'
  durationMs: number
}

export function countChecks(checks: ReportedCheck[], scenarios: number): CheckCounts {
  const count = (r: CheckReport['result']) => checks.filter((c) => c.result === r).length
  return { scenarios, checks: checks.length, passed: count('pass'), failed: count('fail'), warnings: count('warning'), skipped: count('skip') }
}

function rulesWith(run: ReportedRun, result: CheckReport['result']): ProviderSummary['failingRules'] {
  const byRule = new Map<string, string[]>()
  for (const scenario of run.scenarios) {
    for (const check of scenario.checks) {
      if (check.result !== result) continue
      const where = byRule.get(check.rule) ?? []
      const id = scenario.scenario.slice(scenario.scenario.indexOf('/') + 1)
      if (!where.includes(id)) where.push(id)
      byRule.set(check.rule, where)
    }
  }
  return [...byRule].map(([rule, scenarios]) => ({ rule, scenarios }))
}

export function summarizeProvider(run: ReportedRun): ProviderSummary {
  const checks = run.scenarios.flatMap((s) => s.checks)
  const counts = countChecks(checks, run.scenarios.length)
  return {
    provider: run.provider,
    client: run.client,
    ...counts,
    result: counts.failed ? 'fail' : 'pass',
    failingRules: rulesWith(run, 'fail'),
    warningRules: rulesWith(run, 'warning'),
    durationMs: run.scenarios.reduce((ms, s) => ms + s.durationMs, 0),
  }
}

export function summarizeTotal(providers: ProviderSummary[], durationMs?: number): TotalSummary {
  const sum = (key: keyof CheckCounts) => providers.reduce((n, p) => n + p[key], 0)
  const failed = sum('failed')
  return {
    providers: providers.length,
    scenarios: sum('scenarios'),
    checks: sum('checks'),
    passed: sum('passed'),
    failed,
    warnings: sum('warnings'),
    skipped: sum('skipped'),
    result: failed ? 'fail' : 'pass',
    durationMs: durationMs ?? providers.reduce((ms, p) => ms + p.durationMs, 0),
  }
}

/** A scenario's result: `fail` if a check failed, `warning` if one warned, else `pass`. */
export function scenarioResult(scenario: Pick<ReportedScenario, 'checks'>): 'pass' | 'fail' | 'warning' {
  return scenario.checks.some((c) => c.result === 'fail') ? 'fail' : scenario.checks.some((c) => c.result === 'warning') ? 'warning' : 'pass'
}
