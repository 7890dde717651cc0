import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { runCheck, shardPlan, type CheckOptions } from './check.js'
import { registerMergeReportsCommand } from './cli.js'
import { PROFILES } from './profiles/index.js'
import { scenariosFor } from './scenarios/index.js'

const dir = mkdtempSync(join(tmpdir(), 'oauth-dance-check-'))

/** runCheck with its console output captured (not a terminal). */
async function check(options: Partial<CheckOptions> & { providers: string[] }) {
  let text = ''
  const code = await runCheck({ client: 'reference', ...options }, { write: (t: string) => (text += t), isTTY: false })
  return { code, text }
}

const records = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
/** A check record without what may differ between runs of different scope (nothing does: records carry no time). */
const checksOf = (file: string) => records(file).filter((r) => r.type === 'check')

describe('shardPlan', () => {
  it('splits like Playwright: contiguous parts whose sizes differ by at most one, together the whole list', () => {
    const items = Array.from({ length: 11 }, (_, i) => i)
    const parts = [1, 2, 3].map((index) => shardPlan(items, { index, total: 3 }))
    expect(parts).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10],
    ])
    expect(shardPlan([1, 2], { index: 3, total: 3 })).toEqual([])
  })
})

describe('runCheck', () => {
  it('gives, from shard 1/2 and 2/2 of --provider all, merged, the same checks as one run', async () => {
    const all = Object.keys(PROFILES)
    const whole = await check({ providers: all, jsonl: join(dir, 'whole.jsonl'), quiet: true })
    const first = await check({ providers: all, shard: { index: 1, total: 2 }, jsonl: join(dir, 'shard1.jsonl'), junit: join(dir, 'shard1.xml'), quiet: true })
    const second = await check({ providers: all, shard: { index: 2, total: 2 }, jsonl: join(dir, 'shard2.jsonl'), junit: join(dir, 'shard2.xml'), quiet: true })
    expect([whole.code, first.code, second.code]).toEqual([0, 0, 0])
    const total = all.reduce((n, p) => n + scenariosFor(p).length, 0)
    const scenarios = (file: string) => records(file).filter((r) => r.type === 'scenario').length
    expect(scenarios(join(dir, 'shard1.jsonl'))).toBe(Math.ceil(total / 2))
    expect(scenarios(join(dir, 'shard1.jsonl')) + scenarios(join(dir, 'shard2.jsonl'))).toBe(total)
    expect([...checksOf(join(dir, 'shard1.jsonl')), ...checksOf(join(dir, 'shard2.jsonl'))]).toEqual(checksOf(join(dir, 'whole.jsonl')))

    await registerMergeReportsCommand(new Command().exitOverride()).parseAsync([
      'node',
      'merge-reports',
      join(dir, 'shard1.jsonl'),
      join(dir, 'shard2.jsonl'),
      '--jsonl',
      join(dir, 'merged.jsonl'),
      '--junit',
      join(dir, 'merged.xml'),
    ])
    const strip = (r: Record<string, unknown>) => ({ ...r, durationMs: 0 })
    expect(records(join(dir, 'merged.jsonl')).map(strip)).toEqual(records(join(dir, 'whole.jsonl')).map(strip))
    await registerMergeReportsCommand(new Command().exitOverride()).parseAsync([
      'node',
      'merge-reports',
      join(dir, 'shard1.xml'),
      join(dir, 'shard2.xml'),
      '--junit',
      join(dir, 'merged-from-xml.xml'),
    ])
    // The suites of the shards' JUnit files, merged, are those merge-reports rebuilds from JSON Lines.
    const suites = (file: string) =>
      readFileSync(file, 'utf8')
        .replace(/ time="[0-9.]+"/g, '')
        .split('\n')
        .slice(2)
    expect(suites(join(dir, 'merged-from-xml.xml'))).toEqual(suites(join(dir, 'merged.xml')))
    expect(readFileSync(join(dir, 'merged.xml'), 'utf8')).toContain(
      '<testsuites name="oauth-dance check: carina, keystone, cloud66, cogo, gocd, standard (client reference)"',
    )
  }, 120_000)

  it('ends JSON Lines with a summary per provider and a total', async () => {
    const file = join(dir, 'summary.jsonl')
    const { code } = await check({
      providers: ['carina', 'keystone'],
      client: 'retry-storm',
      scenarios: ['happy-path', 'token-server-error'],
      jsonl: file,
      quiet: true,
    })
    expect(code).toBe(1)
    const all = records(file)
    expect(all.map((r) => r.type).filter((t, i, a) => t !== a[i - 1])).toEqual([
      'check',
      'scenario',
      'check',
      'scenario',
      'check',
      'scenario',
      'check',
      'scenario',
      'summary',
      'total',
    ])
    const counted = (provider?: string) => {
      const checks = all.filter((r) => r.type === 'check' && (!provider || String(r.scenario).startsWith(`${provider}/`)))
      const n = (result: string) => checks.filter((c) => c.result === result).length
      return {
        scenarios: provider ? 2 : 4,
        checks: checks.length,
        passed: n('pass'),
        failed: n('fail'),
        warnings: n('warning'),
        skipped: n('skip'),
        result: 'fail',
        durationMs: 0,
      }
    }
    const tail = all.slice(-3).map((r) => ({ ...r, durationMs: 0 }))
    const failingRules = [{ rule: 'avoid-retry-storm', scenarios: ['token-server-error'] }]
    expect(tail).toEqual([
      { type: 'summary', provider: 'carina', client: 'retry-storm', ...counted('carina'), failingRules, warningRules: [] },
      { type: 'summary', provider: 'keystone', client: 'retry-storm', ...counted('keystone'), failingRules, warningRules: [] },
      { type: 'total', providers: 2, ...counted() },
    ])
  })

  /** Counts in console text, as N: rules change how many checks a scenario has, not the shape of the report. */
  const shape = (text: string) => text.replace(/\b\d+ (checks?|passed|failed|warnings?|skipped|scenarios?)\b/g, 'N $1').replace(/\d+\.\d+ s\)/g, 'T s)')

  it('prints --quiet as one line per provider naming its failing rules', async () => {
    const { text } = await check({
      providers: ['carina', 'cogo'],
      client: 'ignores-expiry',
      scenarios: ['happy-path', 'expired-token', 'token-server-error'],
      quiet: true,
    })
    expect(text).toMatch(
      /^PASS carina \(3 scenarios, \d+ checks, 0 failed, 1 warning\); warnings: avoid-expired-token\nPASS cogo \(3 scenarios, \d+ checks, 0 failed, \d+ warnings?\); warnings: avoid-expired-token(, [a-z-]+)*\n$/,
    )
    const failing = await check({ providers: ['carina'], client: 'retry-storm', scenarios: ['token-server-error', 'token-html-502'], quiet: true })
    expect(shape(failing.text)).toBe('FAIL carina (N scenarios, N checks, N failed, N warnings): avoid-retry-storm\n')
  })

  it('prints each passing scenario as one line, failures in full, then a summary per provider and a grand total', async () => {
    const { text, code } = await check({ providers: ['carina'], client: 'retry-storm', scenarios: ['happy-path', 'token-server-error'] })
    expect(code).toBe(1)
    expect(shape(text).split('\n')).toEqual([
      '[oauth-dance] check carina (2) with client "retry-storm"',
      'PASS carina/happy-path: Happy path: get a token and make a protected call (N checks: N passed, N skipped; T s)',
      'FAIL carina/token-server-error: The token endpoint answers 500 server_error once (N checks: N passed, N failed, N skipped; T s)',
      '  FAIL avoid-retry-storm [RFC9110-15.6]: retried carina.token 0 s after a failure',
      '       expected: "≥ 1 s back-off"',
      '       actual:   "0 s"',
      '       exchange: #7 POST https://oauth.getcarina.com/oauth/token → 200',
      '       see:      https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6',
      '',
      'carina: N scenarios, N checks: N passed, N failed, N warnings, N skipped: FAIL',
      '  failed:   avoid-retry-storm (token-server-error)',
      'total: 1 provider, N scenarios, N checks: N passed, N failed, N warnings, N skipped (T s)',
      'RESULT: FAIL (a MUST-level check failed)',
      '',
    ])
  })

  it('runs the providers of a command: client concurrently, each with its own servers, and reports each', async () => {
    const { text, code } = await check({
      providers: ['keystone', 'cogo'],
      client: 'command:python3 conformance/clients/python/example_client.py',
      scenarios: ['happy-path'],
    })
    expect(code).toBe(0)
    expect(text.split('\n')[0]).toBe(
      '[oauth-dance] check keystone (1), cogo (1) with client "python3 conformance/clients/python/example_client.py", providers concurrently',
    )
    expect(shape(text)).toContain('PASS keystone/happy-path: Happy path: get a token and make a protected call (N checks: N passed, N skipped; T s)\n')
    expect(shape(text)).toContain('PASS cogo/happy-path: Happy path: get a token and make a protected call (N checks: N passed, N skipped; T s)\n')
    expect(shape(text)).toMatch(/\nkeystone: .*: PASS\ncogo: .*: PASS\ntotal: 2 providers, N scenarios, .*\nRESULT: PASS\n$/)
  }, 60_000)

  it('refuses a scenario id no chosen provider has, naming the known ones', async () => {
    await expect(check({ providers: ['keystone'], scenarios: ['cluster-polling'] })).rejects.toThrow(
      /^unknown scenario "cluster-polling" for keystone \(known: happy-path, /,
    )
  })
})
