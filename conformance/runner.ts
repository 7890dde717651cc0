import { hintForCheck } from './report/hints.js'
import type { Exchange } from '../mocks/core/journal.js'
import type { Fault } from '../mocks/core/faults.js'
import { HarnessError, HarnessErrorCode } from './errors.js'
import { PROFILES, type ProviderProfile } from './profiles/index.js'
import { Redactor } from './report/redact.js'
import { specLink } from './spec-links.js'
import { SCENARIO_START_MS, startTransport, type Transport, type TransportKind } from './transports.js'
import { UserAgent } from './user-agent.js'
import type { ClientAdapter, ClientConfig, ConformanceClient, Outcome, RuleContext, Scenario, StepRecord, Verdict } from './types.js'

/** One line of the report: one rule, as one scenario used it. */
export interface CheckReport {
  /** `<profile>/<scenario id>`. */
  scenario: string
  rule: string
  title: string
  requirements: string[]
  /** Links of the requirements (spec-links.ts), same order. */
  links: string[]
  oidf?: string[]
  severity: 'failure' | 'warning'
  result: 'pass' | 'fail' | 'warning' | 'skip'
  message: string
  expected?: unknown
  actual?: unknown
  /** The offending exchange, secrets replaced by placeholders. */
  exchange?: { seq: number; method: string; url: string; status: number; route: string | null }
  /** The provider's hint for the near miss behind a failed check (conformance/report/hints.ts). */
  hint?: string
  /** Time spent judging (real ms); reports that must read the same run to run leave it out. */
  durationMs?: number
}

export interface ScenarioReport {
  scenario: string
  title: string
  summary: string
  steps: Array<{ step: StepRecord['step']; outcome?: Outcome }>
  checks: CheckReport[]
  /** The scenario's exchanges, renumbered from 1 and redacted (for `--journal`). */
  exchanges: Exchange[]
  /** Real time the scenario took, client and judgement (ms). */
  durationMs: number
}

export interface RunOptions {
  /** Provider id or profile. */
  provider: string | ProviderProfile
  client: ClientAdapter
  scenarios: Scenario[]
  transport?: TransportKind
  /** Called once per check as soon as it is known (streams JSON Lines). */
  onCheck?(check: CheckReport): void
  /** Called as each scenario completes, with its place in the run (`index` from 1 to `total`): streams progress. */
  onScenario?(report: ScenarioReport, progress: { provider: string; index: number; total: number }): void
  /**
   * Longest wait for the client in one step, and for its `close()` (real ms). Default 30000.
   * After a step times out the client is not asked anything more in that scenario.
   */
  stepTimeoutMs?: number
  /** Client request timeout told to the client (real ms). Default 5000. */
  requestTimeoutMs?: number
  /**
   * Run every scenario with the provider strict (refuse what the real one
   * refuses) or lenient (serve it and record the violation, so one run lists
   * every problem). Default: each scenario's own `mode`, else strict.
   */
  mode?: 'strict' | 'lenient'
  /**
   * In process: scenarios run at once, each lane with its own provider (the
   * same profile, fresh for every scenario as always), requests routed by the
   * lane that made them. Reports and callbacks keep scenario order. Only for
   * clients that fetch through `env.fetch` and share no state between
   * instances (the built-in ones). Default 1: one scenario after another.
   */
  lanes?: number
}

export interface RunResult {
  provider: string
  client: string
  scenarios: ScenarioReport[]
  checks: CheckReport[]
  /** No check with result `fail` (severity failure). */
  passed: boolean
}

const START = SCENARIO_START_MS

/**
 * The runner's own limit on one step of any client. Above the `command:`
 * adapter's default answer timeout plus its stop sequence, so for those
 * clients the adapter's message (which says how the client ended) wins.
 */
export const DEFAULT_STEP_TIMEOUT_MS = 30_000

/** The outcome's error code for a failure of the harness's own protocol (the client is stopped after it). */
const HARNESS_FAILURES: Partial<Record<HarnessErrorCode, string>> = {
  [HarnessErrorCode.STEP_TIMEOUT]: 'step_timeout',
  [HarnessErrorCode.PROTOCOL_ERROR]: 'protocol_error',
}

async function guarded<T extends Outcome>(promise: Promise<T>, timeoutMs: number, what: string): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined
  const watchdog = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: 'step_timeout', description: `${what}: no answer in ${timeoutMs} ms`, crashed: true }), timeoutMs)
  })
  try {
    return await Promise.race([
      promise
        .then((o) => normalizeOutcome(o))
        .catch((error: unknown) => ({
          ok: false as const,
          error: (error instanceof HarnessError && HARNESS_FAILURES[error.code]) || 'crash',
          description: String((error as Error)?.message ?? error),
          crashed: true,
        })),
      watchdog,
    ])
  } finally {
    clearTimeout(timer)
  }
}

function normalizeOutcome(o: unknown): Outcome {
  if (o && typeof o === 'object' && 'ok' in o) {
    const outcome = o as Outcome
    if (outcome.ok || typeof (outcome as { error?: unknown }).error === 'string') return outcome
  }
  return { ok: false, error: 'malformed_outcome', description: `the client answered ${JSON.stringify(o)?.slice(0, 200)}`, crashed: true }
}

/**
 * Runs scenarios of one provider against one client and judges each with its
 * rules. The runner plays the user (login, approve or deny, reads the
 * out-of-band code), moves the mock clock, injects faults, and never waits
 * out a timeout to decide: verdicts come from the journal and from what the
 * client reports.
 *
 * @example
 * const result = await runScenarios({ provider: 'carina', client: referenceClient, scenarios: scenariosFor('carina') })
 * expect(result.passed).toBe(true)
 */
export async function runScenarios(options: RunOptions): Promise<RunResult> {
  const profile = typeof options.provider === 'string' ? PROFILES[options.provider] : options.provider
  if (!profile) {
    throw HarnessError.for(HarnessErrorCode.UNKNOWN_PROVIDER)(
      `Failed to run scenarios: provider "${options.provider}" is not registered (known: ${Object.keys(PROFILES).join(', ')})`,
    )
  }
  const kind = options.transport ?? 'in-process'
  const laneCount = kind === 'in-process' ? Math.max(1, Math.min(options.lanes ?? 1, options.scenarios.length)) : 1
  const transports: Transport[] = []
  const reports: ScenarioReport[] = []
  try {
    for (let i = 0; i < laneCount; i++) transports.push(await startTransport(kind, profile, { lane: laneCount > 1, direct: options.client.builtIn === true }))
    // Each scenario's checks and report, handed on in scenario order as the ones before it are done.
    const done: Array<{ report: ScenarioReport; checks: CheckReport[] } | undefined> = []
    let next = 0
    let handedOn = 0
    const handOn = () => {
      for (let result = done[handedOn]; result; result = done[handedOn]) {
        done[handedOn] = undefined
        for (const check of result.checks) options.onCheck?.(check)
        reports.push(result.report)
        handedOn++
        options.onScenario?.(result.report, { provider: profile.id, index: handedOn, total: options.scenarios.length })
      }
    }
    // With lanes, a scenario that waits in real time (a held answer, until the client's timeout) starts first, so its wait overlaps
    // the others' work instead of lengthening its lane's end; reports keep scenario order whatever the order of starts.
    const order = options.scenarios.map((_scenario, index) => index)
    if (laneCount > 1) order.sort((a, b) => Number(startsFirst(options.scenarios[b])) - Number(startsFirst(options.scenarios[a])))
    const lane = async (transport: Transport) => {
      while (next < options.scenarios.length) {
        const index = order[next++]
        const checks: CheckReport[] = []
        try {
          const report = await runOne(options.scenarios[index], profile, transport, { ...options, onCheck: (check) => checks.push(check) })
          done[index] = { report, checks }
        } catch (error) {
          // The run stops here, as one scenario after another would: no lane starts another.
          next = options.scenarios.length
          throw error
        }
        handOn()
      }
    }
    const failed = (await Promise.allSettled(transports.map(lane))).find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
  } finally {
    for (const transport of transports) await transport.close()
  }
  const checks = reports.flatMap((r) => r.checks)
  return { provider: profile.id, client: options.client.name, scenarios: reports, checks, passed: !checks.some((c) => c.result === 'fail') }
}

/**
 * Whether a scenario waits for something other than the thread: it holds an answer for real time (a `delay` fault; its
 * client waits out its own timeout), or says it waits on the thread pool.
 */
function startsFirst(scenario: Scenario): boolean {
  return scenario.waitsOffThread === true || scenario.steps.some((step) => step.do === 'inject-fault' && step.fault.action.type === 'delay')
}

async function runOne(scenario: Scenario, profile: ProviderProfile, transport: Transport, options: RunOptions): Promise<ScenarioReport> {
  const started = performance.now()
  const { provider } = transport
  await provider.reset()
  provider.clock.set(START)
  provider.strictness = options.mode ?? scenario.mode ?? 'strict'
  const stepTimeoutMs = options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS
  const config = clientConfigFor(scenario, profile, provider, scenario.client?.requestTimeoutMs ?? options.requestTimeoutMs ?? 5000)
  const fetchImpl = transport.fetch
  const env = {
    fetch: fetchImpl,
    now: () => provider.clock.nowMs(),
    sleep: async (seconds: number) => {
      if (!(seconds >= 0 && Number.isFinite(seconds))) throw new RangeError(`sleep(${seconds}): give a number of seconds`)
      provider.clock.advance(seconds)
    },
  }
  const user = new UserAgent(transport.harnessFetch, profile.user)
  const records: StepRecord[] = []
  const delays: Fault[] = []
  let client: ConformanceClient | undefined
  let startError: string | undefined
  const starting = await guarded(
    options.client.start(config, env).then((c) => ({ ok: true as const, data: c })),
    stepTimeoutMs,
    'start',
  )
  if (starting.ok) client = starting.data as ConformanceClient
  else startError = starting.description ?? starting.error
  /** Why the client is not asked anything more in this scenario (it timed out, or broke the protocol). */
  let stopped: string | undefined
  if (!client && startError) stopped = startError

  for (const [index, step] of scenario.steps.entries()) {
    const before = lastSeq(provider)
    const record: StepRecord = { index, step, exchanges: [] }
    records.push(record)
    if ((!client || stopped) && (step.do === 'authorize' || step.do === 'call')) {
      record.outcome = client
        ? { ok: false, error: 'client_stopped', description: `not asked: ${stopped}`, crashed: true }
        : { ok: false, error: 'client_not_started', description: startError, crashed: true }
      continue
    }
    if (!client) continue
    switch (step.do) {
      case 'authorize': {
        const started = await guarded(
          client.startAuthorization().then((r) => ({ ok: true as const, data: r })),
          stepTimeoutMs,
          'startAuthorization',
        )
        if (!started.ok || typeof (started.data as { url?: unknown })?.url !== 'string') {
          record.outcome = started.ok ? { ok: false, error: 'malformed_outcome', description: 'startAuthorization returned no url', crashed: true } : started
          break
        }
        const visited = await playUser(user, (started.data as { url: string }).url, step.user)
        if ('refused' in visited) {
          record.outcome = visited.refused
          break
        }
        record.redirect = visited.location
        if (visited.oobCode) {
          record.outcome = await guarded(client.receiveRedirect({ code: visited.oobCode }), stepTimeoutMs, 'receiveRedirect')
          break
        }
        let delivered = visited.location
        if (step.forge === 'state' || step.forge === 'drop-state') {
          const url = new URL(visited.location)
          record.forgedCode = url.searchParams.get('code') ?? undefined
          record.forged = step.forge
          // @note a fixed forged value keeps reports identical run to run; no client can have generated it. drop-state: the callback an attacker crafts without any state (RFC 6749 §10.12).
          if (step.forge === 'drop-state') url.searchParams.delete('state')
          else url.searchParams.set('state', 'forged-by-oauth-dance-0123456789abcdef')
          delivered = url.toString()
        } else if (step.forge === 'iss') {
          const url = new URL(visited.location)
          record.forgedCode = url.searchParams.get('code') ?? undefined
          // A mix-up (RFC 9207 §2.4): the response names another authorization server; `state` is the client's own.
          url.searchParams.set('iss', 'https://mix-up.oauth-dance.example')
          delivered = url.toString()
        }
        record.outcome = await guarded(client.receiveRedirect({ url: delivered }), stepTimeoutMs, 'receiveRedirect')
        break
      }
      case 'call': {
        const call = () => guarded(client!.callApi(step.operation, step.args ?? {}), stepTimeoutMs, `callApi("${step.operation}")`)
        record.outcome = await call()
        if (!record.outcome.ok && record.outcome.error === 'authorization_required' && profile.grant === 'authorization_code') {
          // The client sends its user through authorization again (a web app would redirect): the runner plays the user, then the call is retried once.
          record.reauthorized = true
          const started = await guarded(
            client.startAuthorization().then((r) => ({ ok: true as const, data: r })),
            stepTimeoutMs,
            'startAuthorization',
          )
          const url = started.ok ? (started.data as { url?: string })?.url : undefined
          if (typeof url === 'string') {
            const visited = await playUser(user, url, 'approve')
            if ('refused' in visited) {
              record.outcome = visited.refused
              break
            }
            const received = await guarded(
              client.receiveRedirect(visited.oobCode ? { code: visited.oobCode } : { url: visited.location }),
              stepTimeoutMs,
              'receiveRedirect',
            )
            record.outcome = received.ok ? await call() : received
          }
        }
        break
      }
      case 'advance-clock':
        provider.clock.advance(step.seconds)
        break
      case 'inject-fault': {
        const fault = provider.faults.add(step.fault)
        if (step.fault.action.type === 'delay') delays.push(fault)
        break
      }
      // @note revocation goes through the provider's own revoke-tokens control, which revokes the way that provider does (Doorkeeper marks tokens revoked, GoCD deletes the rows).
      case 'revoke-tokens':
      case 'control': {
        // @note through the control path itself, exactly as a serve user in any language would do it.
        const action = step.do === 'control' ? step.action : 'revoke-tokens'
        // @note with the Host a client's request carries: serve's control-path guard refuses a request without one.
        const answer = await provider.handle(
          new Request(`${provider.baseUrl}/__oauth-dance/${action}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', host: new URL(provider.baseUrl).host },
            body: JSON.stringify((step.do === 'control' && step.body) || {}),
          }),
        )
        if (!answer.ok)
          throw HarnessError.for(HarnessErrorCode.BAD_SCENARIO)(
            `Failed to run scenario "${scenario.id}": control "${action}" answered ${answer.status} ${await answer.text()}`,
          )
        break
      }
    }
    // @note a delayed answer the client gave up on is still recorded by the provider, later; wait for it so the journal is complete.
    await settleDelays(provider, delays)
    record.exchanges = provider.journal.entries(before).map((e: Exchange) => e.seq)
    if (record.outcome && !record.outcome.ok && (record.outcome.error === 'step_timeout' || record.outcome.error === 'protocol_error'))
      stopped ??= record.outcome.description
  }
  let closeProblem: string | undefined
  if (client?.close) {
    const closed = await guarded(
      client.close().then(() => ({ ok: true as const })),
      stepTimeoutMs,
      'close',
    )
    if (!closed.ok) closeProblem = closed.description ?? closed.error
  }

  const { exchanges, renumber } = orderExchanges(provider.journal.entries())
  for (const record of records) record.exchanges = record.exchanges.map(renumber).sort((a, b) => a - b)
  const ctx: RuleContext = { scenario, profile: profile.facts, exchanges, steps: records, client: config }
  const redactor = Redactor.from(exchanges, config, records)
  const name = `${profile.id}/${scenario.id}`
  const checks: CheckReport[] = []
  for (const use of scenario.rules) {
    let verdict: Verdict
    const judging = performance.now()
    try {
      verdict = use.rule.evaluate(ctx)
    } catch (error) {
      verdict = { result: 'fail', message: `the rule itself failed: ${(error as Error).message}` }
    }
    const durationMs = performance.now() - judging
    const requirements = [...new Set([...use.rule.requirements, ...(use.requirements ?? [])])]
    const exchange = verdict.exchange === undefined ? undefined : exchanges.find((e) => e.seq === verdict.exchange)
    const check: CheckReport = {
      scenario: name,
      rule: use.rule.id,
      title: use.rule.title,
      requirements,
      links: requirements.map((r) => specLink(r) ?? ''),
      ...(use.rule.oidf ? { oidf: use.rule.oidf } : {}),
      severity: use.severity,
      result: verdict.result === 'fail' ? (use.severity === 'warning' ? 'warning' : 'fail') : verdict.result,
      message: redactor.text(verdict.message),
      ...(verdict.expected !== undefined ? { expected: redactor.value(verdict.expected) } : {}),
      ...(verdict.actual !== undefined ? { actual: redactor.value(verdict.actual) } : {}),
      ...(exchange
        ? {
            exchange: {
              seq: exchange.seq,
              method: exchange.request.method,
              url: redactor.text(exchange.request.url),
              status: exchange.response.status,
              route: exchange.route,
            },
          }
        : {}),
      durationMs,
    }
    const hint = hintForCheck(check.result, exchange, exchanges)
    if (hint) check.hint = redactor.text(hint)
    checks.push(check)
    options.onCheck?.(check)
  }
  if (closeProblem) {
    // @note not a rule over the journal: the run itself saw it. A client that must be killed costs every CI run the grace period.
    const check: CheckReport = {
      scenario: name,
      rule: 'exit-when-asked',
      title: 'Exit when the runner says "shutdown"',
      requirements: [],
      links: [],
      severity: 'warning',
      result: 'warning',
      message: redactor.text(closeProblem),
    }
    checks.push(check)
    options.onCheck?.(check)
  }
  return {
    scenario: name,
    title: scenario.title,
    summary: scenario.summary,
    steps: records.map((r) => ({ step: r.step, outcome: r.outcome && redactor.value(r.outcome) })),
    checks,
    // Redacted when first read: `check`'s console, JSON Lines and JUnit reports never read them, and redacting every header and
    // body of every exchange cost more than judging them. The exchanges and secrets it reads are fixed by now.
    get exchanges(): Exchange[] {
      return settle(
        this,
        'exchanges',
        exchanges.map((e) => redactor.value(e)),
      )
    },
    set exchanges(value: Exchange[]) {
      settle(this, 'exchanges', value)
    },
    durationMs: performance.now() - started,
  }
}

/** Makes `key` a plain data property of `target` holding `value` (in its place among the keys), and returns `value`. */
function settle<T>(target: object, key: string, value: T): T {
  try {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
  } catch {
    // A frozen report: computed again on the next read.
  }
  return value
}

type RunResultProvider = Awaited<ReturnType<typeof startTransport>>['provider']

/**
 * What the client is told. A scenario that starts from a protected resource
 * (MCP authorization profile) gives only the resource's URL and the client's
 * own redirect URI: endpoints, issuer and client id are for it to discover
 * and register.
 */
function clientConfigFor(scenario: Scenario, profile: ProviderProfile, provider: RunResultProvider, requestTimeoutMs: number): ClientConfig {
  const full: ClientConfig = { ...profile.clientConfig(provider), grant: profile.grant, requestTimeoutMs }
  if (scenario.client?.startFrom !== 'resource') return full
  const resourceUrl = (provider.describe() as { resourceUrl?: unknown }).resourceUrl
  if (typeof resourceUrl !== 'string')
    throw HarnessError.for(HarnessErrorCode.BAD_SCENARIO)(
      `Failed to run scenario "${scenario.id}": provider "${profile.id}" describes no resourceUrl to start from`,
    )
  return {
    provider: full.provider,
    grant: full.grant,
    tokenEndpoint: '',
    apiBaseUrl: resourceUrl,
    clientId: '',
    clientSecret: '',
    ...(full.redirectUri !== undefined ? { redirectUri: full.redirectUri } : {}),
    resourceUrl,
    requestTimeoutMs,
  }
}

/**
 * The user through the client's authorization URL. When the provider refuses
 * it with a page instead of a redirect (a malformed authorization request),
 * the step fails with what the page said; the run goes on.
 */
async function playUser(user: UserAgent, url: string, choice: 'approve' | 'deny'): Promise<Awaited<ReturnType<UserAgent['authorize']>> | { refused: Outcome }> {
  try {
    return await user.authorize(url, choice)
  } catch (error) {
    if (!(error instanceof HarnessError) || error.code !== HarnessErrorCode.USER_AGENT_FAILED) throw error
    return { refused: { ok: false, error: 'authorization_request_refused', description: error.message.slice(0, 300), crashed: true } }
  }
}

function lastSeq(provider: RunResultProvider): number {
  return provider.journal.entries().at(-1)?.seq ?? 0
}

async function settleDelays(provider: RunResultProvider, delays: Fault[]): Promise<void> {
  const fired = delays.reduce((n, f) => n + f.fired, 0)
  for (let waited = 0; waited < 30_000; waited += 10) {
    if (provider.journal.entries().filter((e) => e.fault === 'delay').length >= fired) return
    await new Promise((r) => setTimeout(r, 10))
  }
}

/**
 * Exchanges in the order their requests arrived (mock time, then arrival),
 * renumbered from 1: a delayed answer is recorded late but happened early,
 * and per-scenario numbers make reports identical run to run.
 */
function orderExchanges(entries: Exchange[]): { exchanges: Exchange[]; renumber(seq: number): number } {
  const sorted = [...entries].sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)
  const map = new Map(sorted.map((e, i) => [e.seq, i + 1]))
  return { exchanges: sorted.map((e, i) => ({ ...e, seq: i + 1 })), renumber: (seq) => map.get(seq) ?? seq }
}
