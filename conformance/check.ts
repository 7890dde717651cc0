import { availableParallelism } from 'node:os'
import { writeFileSync } from 'node:fs'
import { resolveClient } from './adapters/resolve.js'
import { DEFAULT_EXIT_GRACE_MS } from './adapters/command.js'
import { HarnessError, HarnessErrorCode } from './errors.js'
import { formatProviderSummary, formatQuietLine, formatScenario, formatTotal, ProgressLine } from './report/console.js'
import { JsonLinesReport } from './report/jsonl.js'
import { formatJUnit } from './report/junit.js'
import { summarizeProvider, summarizeTotal, type ReportedRun } from './report/summary.js'
import { runScenarios, type RunResult } from './runner.js'
import type { ClientAdapter, Scenario } from './types.js'
import { scenariosFor } from './scenarios/index.js'

/** Scenarios of one provider per lane for the built-in clients in process (`RunOptions.lanes`). */
const SCENARIOS_PER_LANE = 12

/** `--shard 2/3`: the second of three parts. */
export interface Shard {
  index: number
  total: number
}

export interface CheckOptions {
  providers: string[]
  /** `--client`, as resolveClient reads it; or an adapter already built. */
  client: string | { adapter: ClientAdapter; transport: 'in-process' | 'sockets'; fit?: BrowserFit }
  scenarios?: string[]
  transport?: 'in-process' | 'sockets'
  mode?: 'strict' | 'lenient'
  jsonl?: string
  junit?: string
  verbose?: boolean
  quiet?: boolean
  shard?: Shard
  /** Longest wait for any one answer of the client (real ms). */
  clientTimeoutMs?: number
  /** Providers run at once over sockets. Default: the machine's parallelism. */
  workers?: number
}

/** What a browser client leaves out (client-credentials scenarios: no user, no browser). */
export type BrowserFit = (provider: string, scenarios: Scenario[]) => { scenarios: Scenario[]; skipped: Array<{ scenario: string; reason: string }> }

export interface CheckOutput {
  write(text: string): unknown
  isTTY?: boolean
}

/**
 * Splits the run's scenarios (every provider's, in order) into `total`
 * contiguous parts of sizes differing by at most one, and keeps part
 * `index`, as Playwright's `--shard` does: the same list always splits the
 * same way, and the parts together are the whole run.
 */
export function shardPlan<T>(items: T[], shard: Shard | undefined): T[] {
  if (!shard) return items
  const size = Math.floor(items.length / shard.total)
  const extra = items.length % shard.total
  const from = size * (shard.index - 1) + Math.min(extra, shard.index - 1)
  return items.slice(from, from + size + (shard.index - 1 < extra ? 1 : 0))
}

/** Runs `tasks` with at most `limit` at once, results in order. */
async function pool<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}

/**
 * Output of providers run at once, in plan order when `ordered`: a provider's
 * lines go out as they come once every provider before it has finished, and
 * are held until then; the run's output is then the same as one provider
 * after another. Held lines are bounded by the run's own report.
 */
class InPlanOrder {
  #next = 0
  readonly #held = new Map<number, Array<() => void>>()
  readonly #finished = new Set<number>()
  constructor(readonly ordered: boolean) {}

  emit(index: number, write: () => void): void {
    if (!this.ordered || index === this.#next) return write()
    const held = this.#held.get(index)
    if (held) held.push(write)
    else this.#held.set(index, [write])
  }

  finish(index: number): undefined {
    this.#finished.add(index)
    while (this.#finished.has(this.#next)) {
      this.#next++
      for (const write of this.#held.get(this.#next) ?? []) write()
      this.#held.delete(this.#next)
    }
    return undefined
  }
}

/**
 * `oauth-dance check` without the command line: plans the run (providers,
 * scenarios, shard), runs providers concurrently (each has its own servers or
 * msw handlers, and clock) unless a module client runs in process (its module
 * state is shared), streams each
 * scenario's result as it completes, writes the reports, and returns the exit
 * code: 1 when a check of severity failure failed or a provider could not be
 * run, else 0.
 */
export async function runCheck(options: CheckOptions, out: CheckOutput): Promise<number> {
  const started = performance.now()
  const resolved = typeof options.client === 'string' ? await resolveClient(options.client, { timeoutMs: options.clientTimeoutMs }) : options.client
  const { adapter } = resolved
  const fit = (resolved as { fit?: BrowserFit }).fit
  const transport = options.transport ?? resolved.transport

  // The plan: every (provider, scenario) of the run, in report order, then this shard's part of it.
  const all = options.providers.flatMap((provider) => scenariosFor(provider, options.scenarios).map((scenario) => ({ provider, scenario })))
  if (options.scenarios?.length) {
    const known = new Set(options.providers.flatMap((p) => scenariosFor(p).map((s) => s.id)))
    const unknown = options.scenarios.filter((id) => !known.has(id))
    if (unknown.length)
      throw HarnessError.for(HarnessErrorCode.BAD_SCENARIO)(
        `unknown scenario ${unknown.map((id) => `"${id}"`).join(', ')} for ${options.providers.join(', ')} (known: ${[...known].join(', ')})`,
      )
  }
  const planned = shardPlan(all, options.shard)
  const shardName = options.shard ? `${options.shard.index}/${options.shard.total}` : undefined
  const plan = options.providers
    .map((provider) => {
      const scenarios = planned.filter((p) => p.provider === provider).map((p) => p.scenario)
      // Scenarios a browser app cannot run (client credentials: no user) are listed as skipped, with why.
      return { provider, ...(fit && scenarios.length ? fit(provider, scenarios) : { scenarios, skipped: [] }) }
    })
    .filter((p) => p.scenarios.length || p.skipped.length)

  // In process, providers share this process's fetch interception (their origins are distinct) and, with a
  // module client, its module state: the built-in clients (`reference`, a broken client's name) keep none,
  // so their providers run at once, all of them (one thread: their scenarios mostly wait on held answers
  // and timeouts); a module client's run one after another.
  const builtInClient = typeof options.client === 'string' && !options.client.includes(':')
  const limit =
    transport === 'sockets' ? Math.max(1, options.workers ?? availableParallelism()) : builtInClient ? Math.max(1, options.workers ?? plan.length) : 1
  // A built-in client's scenarios of one provider also run at once in process, in lanes of about SCENARIOS_PER_LANE: the provider with the
  // most scenarios (standard) took longer one after another than every provider's work on the thread. Lanes only where they shorten that:
  // each one more at once lengthens every request's wait for the thread, and a timeout scenario's client waits for its answers in real time.
  // At least two: in one lane, a scenario's wait for its client's timeout (token-slow-answer, 1 s) adds to the provider's whole chain.
  const lanesFor = (scenarios: number) => (transport === 'in-process' && builtInClient ? Math.max(2, Math.ceil(scenarios / SCENARIOS_PER_LANE)) : 1)
  const progress = new ProgressLine(out)
  const quietOrNot = (text: string) => (options.quiet ? undefined : progress.print(text))
  const described = plan.map((p) => `${p.provider} (${p.scenarios.length})`).join(', ')
  quietOrNot(
    `[oauth-dance] check ${described || 'nothing'} with client "${adapter.name}"${shardName ? `, shard ${shardName} of ${all.length} scenarios` : ''}${limit > 1 && plan.length > 1 ? ', providers concurrently' : ''}\n`,
  )
  if (!plan.length) quietOrNot(`no scenario to run${shardName ? ` in shard ${shardName}` : ''}\n`)

  const jsonl = options.jsonl ? new JsonLinesReport(options.jsonl) : undefined
  // @note over sockets the adapter's own timeouts (and its stop sequence) decide; the runner's is the safety net beyond them.
  const stepTimeoutMs =
    options.clientTimeoutMs === undefined
      ? undefined
      : transport === 'sockets'
        ? options.clientTimeoutMs + 3 * DEFAULT_EXIT_GRACE_MS + 1000
        : options.clientTimeoutMs
  const errors: string[] = []
  // In process the reports keep plan order, as when providers ran one after another; over sockets each line goes out as it comes.
  const inPlanOrder = new InPlanOrder(transport === 'in-process')
  const runOne = async ({ provider, scenarios, skipped }: (typeof plan)[number], index: number): Promise<ReportedRun | undefined> => {
    const emit = (write: () => void) => inPlanOrder.emit(index, write)
    for (const { scenario, reason } of skipped) emit(() => quietOrNot(`SKIP ${scenario}: ${reason}\n`))
    if (!scenarios.length) return inPlanOrder.finish(index)
    progress.start(provider, scenarios.length)
    try {
      return await runScenarios({
        provider,
        client: adapter,
        scenarios,
        transport,
        mode: options.mode,
        stepTimeoutMs,
        lanes: lanesFor(scenarios.length),
        onCheck: jsonl && ((check) => emit(() => jsonl.check(check))),
        onScenario: (report, at) => {
          progress.advance(provider, at.index, at.total)
          emit(() => {
            jsonl?.scenario(provider, report)
            quietOrNot(formatScenario(report, { verbose: options.verbose }))
          })
        },
      })
    } catch (error) {
      const message = `ERROR ${provider}: the run stopped: ${(error as Error).message}\n`
      errors.push(message)
      emit(() => progress.print(message))
      return undefined
    } finally {
      inPlanOrder.finish(index)
    }
  }
  const runs = (
    await pool(
      plan.map((p, index) => () => runOne(p, index)),
      limit,
    )
  ).filter((r): r is RunResult => r !== undefined)
  progress.end()

  const summaries = runs.map(summarizeProvider)
  const total = summarizeTotal(summaries, performance.now() - started)
  if (options.quiet) for (const s of summaries) out.write(formatQuietLine(s))
  else {
    out.write('\n')
    for (const s of summaries) out.write(formatProviderSummary(s))
    out.write(formatTotal(total))
  }
  jsonl?.end(runs, { shard: shardName, durationMs: total.durationMs })
  if (options.junit) writeFileSync(options.junit, formatJUnit(runs))
  return total.result === 'fail' || errors.length ? 1 : 0
}
