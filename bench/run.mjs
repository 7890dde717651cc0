// `npm run bench`: oauth-dance beside its peers, in one run, on this machine.
// Every server and the load generator run in their own processes; figures are
// compared as ratios against baselines measured in the same run, because the
// machines are shared and noisy. Prints a table and writes bench/results/latest.json.
//
// Environment: BENCH_DURATION (s, default 5), BENCH_WARMUP (s, default 2),
// BENCH_CONNECTIONS (default 32), BENCH_SCALE_MAX (default 1000000),
// BENCH_ROUNDS (interleaved rounds over sockets, default 7),
// BENCH_ONLY (comma-separated sections: sockets,in-process,scale,startup,check,memory),
// BENCH_STARTUP_RUNS (default 20), BENCH_STARTUP_SNAPSHOT (0 leaves out the startup-snapshot rows), BENCH_CHECK_RUNS (default 3),
// BENCH_MEMORY_BURSTS (rounds of the memory section, default 4),
// BENCH_MEMORY_REQUESTS (requests per burst, default 100000),
// BENCH_SOCKETS_ONLY (a regular expression over socket run names), BENCH_IN_PROCESS_N (round trips a side, default 20000).
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { BENCH_DIR, basic, load, median, processCpuUs, runProcess, startProcess } from './lib.mjs'
import { carinaFlow, carinaFlowFixture } from './carina-flow.mjs'
import { CLIENT_CREDENTIALS, PROTECTED_API, baseUrlOf, obtainToken, tokenRequest } from './scenarios.mjs'
import { startupTime } from './startup.mjs'
import { checkAllTime } from './check.mjs'
import { checkCogoFloor, checkFloorJournal } from './cogo-floor-check.mjs'
import { checkKeystoneFloor } from './keystone-floor-check.mjs'
import { memoryPlateau } from './memory.mjs'

const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const ONLY = process.env.BENCH_ONLY?.split(',')
const section = (name) => !ONLY || ONLY.includes(name)
const loadDefaults = { duration: DURATION, warmup: WARMUP, connections: CONNECTIONS }
// The issue asks at least five rounds, so that the noise is smaller than the margin; on this shared machine the
// per-round ratios of the Keystone and Cogo targets spread wider than that (docs/performance.md), so seven.
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 7))
const COGO_BENCH_CLIENTS = 50_000
const CEILING_NAME = 'ceiling: RSA-2048 signatures, every core'
const STANDARD_OPAQUE = 'oauth-dance standard: client credentials (opaque)'
const STANDARD_JWT = 'oauth-dance standard: client credentials (RS256 JWT, RFC 9068)'
const KEYSTONE_FLOOR =
  'fidelity floor: only what Keystone answers to such a request, tokens and the last 2,000 exchanges kept (bench/servers/keystone-floor.mjs)'
const KEYSTONE_YOUNG32 = 'oauth-dance keystone: client credentials (Basic), node --max-semi-space-size=32'
const KEYSTONE_OWN_SERVE = 'oauth-dance keystone: client credentials (Basic), on a serve of its own (no other loads, no Cogo bench clients)'
const COGO_EVERY_TOKEN_SIGNED = 'oauth-dance cogo: client credentials, every token signed (50,000 clients in turn)'
const RS256_BOUND = 'bound: node:http reading the body plus one RS256 signature (node:crypto on the pool), same load as Cogo every token signed'
const COGO_FLOOR = 'fidelity floor: only what Cogo answers to such a request (bench/servers/cogo-floor.mjs), signed like the bound, same load'
const COGO_OWN_SERVE = 'oauth-dance cogo: every token signed, on a serve of its own (no other loads), same load'
const COGO_FLOOR_JOURNAL = 'fidelity floor for Cogo keeping the last 2,000 exchanges, as serve does by default (cogo-floor.mjs --journal), same load'
const COGO_FLOOR_ARENA = "fidelity floor for Cogo keeping the same exchanges as bytes in one buffer, off V8's heap (cogo-floor.mjs --journal arena), same load"
const COGO_OWN_SERVE_NO_JOURNAL = 'oauth-dance cogo: every token signed, on a serve of its own with --no-journal, same load'
const COMPUTED_BOUND = 'bound, computed: RSA ceiling plus the floor server and the load generator, every core'
// BENCH_SOCKETS_ONLY: a regular expression; only the socket runs whose names match it (a short run of a few rows).
const SOCKETS_ONLY = process.env.BENCH_SOCKETS_ONLY ? new RegExp(process.env.BENCH_SOCKETS_ONLY, 'i') : null

const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
  settings: { duration: DURATION, warmup: WARMUP, connections: CONNECTIONS, rounds: ROUNDS },
  sockets: {},
  inProcess: {},
  scale: {},
  startup: {},
  check: {},
  memory: {},
}
const log = (line) => process.stderr.write(line + '\n')

/** A fetch-based request for the Carina flow run from this process (setup only, not measured). */
async function fetchRequest(url, { method = 'GET', headers = {}, body } = {}) {
  const res = await fetch(url, { method, headers, body, redirect: 'manual' })
  return { status: res.status, location: res.headers.get('location'), setCookies: res.headers.getSetCookie(), text: await res.text() }
}

/** One load run; with `pid`, the server's CPU per request (warm-up and measured requests both counted, as both are timed). */
async function loadOnce(name, spec, pid) {
  const before = pid ? processCpuUs(pid) : null
  const r = await load({ ...loadDefaults, ...spec })
  const after = pid ? processCpuUs(pid) : null
  if (before !== null && after !== null && r.total) r.serverCpuUsPerRequest = (after - before) / (r.total + (r.warmupTotal ?? 0))
  if (r.errors || r.non2xx) log(`    ! ${name}: ${r.errors} errors, ${r.non2xx ?? 0} non-2xx ${r.firstError ?? ''}`)
  return r
}

/**
 * Every server runs at once (idle but for the one under load), and the loads
 * take turns, round after round: each ratio is then taken within a round,
 * between figures measured a minute apart at most, and the report gives the
 * median over rounds. Run one after the other, a peer measured minutes later
 * on a shared machine compared its load, not its code.
 */
async function sockets() {
  log(`standalone servers (autocannon in its own process; ${ROUNDS} interleaved rounds)`)
  const servers = {}
  const start = async (key, script, args = []) => (servers[key] = await startProcess(join(BENCH_DIR, 'servers', script), args))
  try {
    await start('floor', 'floor.mjs')
    await start('oauth-dance', 'oauth-dance.mjs', ['--cogo-clients', String(COGO_BENCH_CLIENTS)])
    await start('oauth2-mock-server', 'oauth2-mock-server.mjs')
    await start('oidc-opaque', 'oidc-provider.mjs', ['opaque'])
    await start('oidc-jwt', 'oidc-provider.mjs', ['jwt'])
    // A second oauth-dance whose standard issues JWT access tokens (accessTokenFormat: 'jwt').
    await start('oauth-dance-jwt', 'oauth-dance.mjs', ['--standard-jwt'])
    await start('rs256-bound', 'rs256-bound.mjs')
    // Keystone again in a server whose V8 young generation is 32 MB instead of Node 20's 16 (a node flag a user can
    // pass through NODE_OPTIONS; the bin does not set it): context for how much of Keystone's time is scavenging.
    servers['oauth-dance-young32'] = await startProcess(join(BENCH_DIR, 'servers', 'oauth-dance.mjs'), [], { nodeArgs: ['--max-semi-space-size=32'] })
    // Keystone's target row: a serve as a user starts it (every provider, journal on) taking Keystone's loads only, as
    // oidc-provider's server takes only its own. The shared serve above also carries the 50,000 clients of the Cogo
    // rows and every other load of a round: context for what the whole bench on one serve costs Keystone.
    await start('oauth-dance-keystone-only', 'oauth-dance.mjs')
    // Cogo's target row likewise: a serve of its own taking only the every-token-signed load (and the same with
    // `--no-journal`, for what the journal costs it). The shared serve, which takes every other load of a round
    // too, stays as context, as for Keystone.
    await start('oauth-dance-cogo-only', 'oauth-dance.mjs', ['--cogo-clients', String(COGO_BENCH_CLIENTS)])
    await start('oauth-dance-cogo-no-journal', 'oauth-dance.mjs', ['--cogo-clients', String(COGO_BENCH_CLIENTS), '--no-journal'])
    const providers = servers['oauth-dance'].info.providers
    if (providers.keystone) {
      // The bench's application credential and Keystone's token path; checked below before it is measured.
      const { id, secret } = providers.keystone.clients[0]
      const tokenPath = new URL(providers.keystone.baseUrl).pathname + CLIENT_CREDENTIALS.keystone.path
      await start('keystone-floor', 'keystone-floor.mjs', ['--client', `${id}:${secret}`, '--path', tokenPath])
      const floor = servers['keystone-floor'].info
      await checkKeystoneFloor(tokenRequest('keystone', providers.keystone).url, floor.url + tokenPath, basic(id, secret), floor.fernetKey)
    }
    if (providers.cogo) {
      // Cogo's issuer, so the floor's tokens are Cogo's bytes; checked below before it is measured.
      // The floor alone, keeping a journal as objects, and as bytes.
      for (const [key, journal] of [
        ['cogo-floor', []],
        ['cogo-floor-journal', ['--journal']],
        ['cogo-floor-arena', ['--journal', 'arena']],
      ]) {
        await start(key, 'cogo-floor.mjs', ['--clients', String(COGO_BENCH_CLIENTS), '--issuer', providers.cogo.issuer, ...journal])
        await checkCogoFloor(providers.cogo.tokenEndpoint, servers[key].info.url + '/oauth2/token')
      }
    }
    const peerSpec = (info) => ({
      url: info.url + info.tokenPath,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(info.client.id, info.client.secret) },
      body: 'grant_type=client_credentials',
    })
    /**
     * [name, server key, spec]: the order of a round. Each figure a target
     * compares stands next to its baseline (Keystone beside oidc-provider's
     * opaque tokens, Cogo signing beside the RSA ceiling and oidc-provider's
     * RS256), seconds apart rather than a minute, and every other round runs
     * in reverse (A B, then B A), so a drift of the machine's speed during a
     * round weighs on both sides alike.
     */
    const runs = [
      [
        'floor: raw node:http, fixed token',
        'floor',
        {
          url: servers.floor.info.url + '/token',
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        },
      ],
    ]
    if (providers.keystone) runs.push(['oauth-dance keystone: client credentials (Basic)', 'oauth-dance', tokenRequest('keystone', providers.keystone)])
    // Keystone's target row, right before its baseline (and the floor right after it).
    const keystoneOwnServe = servers['oauth-dance-keystone-only'].info.providers.keystone
    if (keystoneOwnServe) runs.push([KEYSTONE_OWN_SERVE, 'oauth-dance-keystone-only', tokenRequest('keystone', keystoneOwnServe)])
    runs.push(['peer oidc-provider: client credentials (opaque)', 'oidc-opaque', peerSpec(servers['oidc-opaque'].info)])
    // The same requests to a hand-written server answering exactly as Keystone does, beside both: whether 3× is within
    // reach of any server answering so (floor ÷ oidc-provider), and how much of the gap is oauth-dance's own (Keystone ÷ floor).
    if (servers['keystone-floor']) {
      const floorUrl = servers['keystone-floor'].info.url + servers['keystone-floor'].info.tokenPath
      runs.push([KEYSTONE_FLOOR, 'keystone-floor', { ...tokenRequest('keystone', providers.keystone), url: floorUrl }])
    }
    const keystoneYoung32 = servers['oauth-dance-young32'].info.providers.keystone
    if (keystoneYoung32) runs.push([KEYSTONE_YOUNG32, 'oauth-dance-young32', tokenRequest('keystone', keystoneYoung32)])
    // standard beside oidc-provider's opaque tokens, the same grant with the same client authentication.
    if (providers.standard) runs.push([STANDARD_OPAQUE, 'oauth-dance', tokenRequest('standard', providers.standard)])
    if (providers.cogo) {
      runs.push(['oauth-dance cogo: client credentials (Basic)', 'oauth-dance', tokenRequest('cogo', providers.cogo)])
      runs.push([CEILING_NAME, 'ceiling', null])
      // Identical requests within a mock-clock second get the token already signed (same bytes: RS256 is
      // deterministic and the claims carry no jti). Taking 50,000 clients in turn, each load starting where the
      // last one to the same server ended (bench/lib.mjs), no client comes back within a second, so every
      // request here signs: this is the figure compared with the RSA ceiling.
      const everyTokenSigned = {
        ...tokenRequest('cogo', providers.cogo),
        basicClients: { prefix: 'bench-', secretPrefix: 'secret-', count: COGO_BENCH_CLIENTS },
      }
      runs.push([COGO_EVERY_TOKEN_SIGNED, 'oauth-dance', everyTokenSigned])
      // The target row, right before the bound it is judged against: the same requests (connections, rotating Basic
      // headers, body) to a server doing only the floor's HTTP and one signature.
      const signedOn = (key) => ({ ...everyTokenSigned, url: servers[key].info.providers?.cogo?.tokenEndpoint ?? servers[key].info.url + '/oauth2/token' })
      if (servers['oauth-dance-cogo-only'].info.providers.cogo) runs.push([COGO_OWN_SERVE, 'oauth-dance-cogo-only', signedOn('oauth-dance-cogo-only')])
      runs.push([RS256_BOUND, 'rs256-bound', signedOn('rs256-bound')])
      // The same requests to a hand-written server answering exactly as Cogo does and nothing more: how far below the
      // bound answering as Cogo must be (floor ÷ bound), and how much of Cogo's gap is oauth-dance's own (Cogo ÷ floor);
      // then the floor keeping a journal as serve does by default (what any journal costs), and Cogo without its own.
      runs.push([COGO_FLOOR, 'cogo-floor', signedOn('cogo-floor')])
      runs.push([COGO_FLOOR_JOURNAL, 'cogo-floor-journal', signedOn('cogo-floor-journal')])
      // The least journal there is: the same exchanges as bytes, never promoted nor collected (an off-heap journal's best).
      runs.push([COGO_FLOOR_ARENA, 'cogo-floor-arena', signedOn('cogo-floor-arena')])
      if (servers['oauth-dance-cogo-no-journal'].info.providers.cogo)
        runs.push([COGO_OWN_SERVE_NO_JOURNAL, 'oauth-dance-cogo-no-journal', signedOn('oauth-dance-cogo-no-journal')])
    }
    runs.push(['peer oidc-provider: client credentials (RS256 JWT)', 'oidc-jwt', peerSpec(servers['oidc-jwt'].info)])
    // standard's JWT access tokens beside oidc-provider's: both sign every token with RS256.
    const standardJwt = servers['oauth-dance-jwt'].info.providers.standard
    if (standardJwt) runs.push([STANDARD_JWT, 'oauth-dance-jwt', tokenRequest('standard', standardJwt)])
    runs.push(['peer oauth2-mock-server: client credentials (RS256 JWT)', 'oauth2-mock-server', peerSpec(servers['oauth2-mock-server'].info)])
    for (const [id, api] of Object.entries(PROTECTED_API)) {
      if (!providers[id]) continue
      const token = await obtainToken(id, providers[id], { carinaFlow, request: fetchRequest })
      runs.push([
        `oauth-dance ${id}: protected API call (${api.path})`,
        'oauth-dance',
        { url: baseUrlOf(providers[id], api.origin) + api.path, headers: api.headers(token) },
      ])
    }
    if (providers.carina) {
      runs.push([
        'oauth-dance carina: whole authorization-code flow (5-6 requests)',
        'oauth-dance',
        { kind: 'carina-flow', url: providers.carina.baseUrl, flow: carinaFlowFixture(providers.carina) },
      ])
    }

    if (SOCKETS_ONLY) runs.splice(0, runs.length, ...runs.filter(([name]) => SOCKETS_ONLY.test(name)))
    // Cogo keeps the digest of a client's secret from that client's first request on; the floor and the bound hold
    // theirs from the start. One pass over every client before the rounds (as bench/cogo-aged.mjs does), so that first
    // request is in no measured round: without it rounds 1 and 2 paid it for up to 50,000 clients, the others not.
    for (const [name, key, spec] of runs) {
      if (!key.startsWith('oauth-dance') || !spec?.basicClients) continue
      const pass = await load({ ...spec, amount: COGO_BENCH_CLIENTS })
      log(` ${name}: one pass over its ${COGO_BENCH_CLIENTS.toLocaleString('en')} clients before the rounds (${Math.round(pass.rps)}/s)`)
    }
    const rounds = []
    for (let round = 1; round <= ROUNDS; round++) {
      log(` round ${round} of ${ROUNDS}`)
      const figures = {}
      for (const [name, key, spec] of round % 2 === 1 ? runs : [...runs].reverse()) {
        if (key === 'ceiling') {
          const ceiling = await runProcess(join(BENCH_DIR, 'rsa-ceiling.mjs'), [String(Math.max(3, DURATION))])
          figures[name] = { rps: ceiling.signsPerSecond, oneCore: ceiling.oneCoreSignsPerSecond, cores: ceiling.cores }
          log(`  RSA-2048 ceiling: ${Math.round(ceiling.signsPerSecond)}/s on ${ceiling.cores} cores (${Math.round(ceiling.oneCoreSignsPerSecond)}/s on one)`)
          continue
        }
        const r = await loadOnce(name, spec, servers[key].child.pid)
        figures[name] = r
        log(
          `  ${name}: ${Math.round(r.rps)}/s p99 ${Number(r.p99).toFixed(1)} ms${r.serverCpuUsPerRequest ? `, server CPU ${r.serverCpuUsPerRequest.toFixed(0)} µs/request` : ''}`,
        )
      }
      rounds.push(figures)
    }
    results.socketRounds = rounds
    // The journal floors are measured keeping a journal: each must hold the last 2,000 of the exchanges it answered.
    for (const key of ['cogo-floor-journal', 'cogo-floor-arena']) if (runs.some(([, run]) => run === key)) await checkFloorJournal(servers[key].info.url)
    for (const [name] of runs) {
      const of = (field) => median(rounds.map((r) => r[name]?.[field]))
      results.sockets[name] = {
        rps: of('rps'),
        p99: of('p99'),
        serverCpuUsPerRequest: of('serverCpuUsPerRequest'),
        loadCpuUsPerRequest: of('loadCpuUsPerRequest'),
        oneCore: of('oneCore'),
        cores: of('cores'),
        rounds: rounds.map((r) => r[name]?.rps),
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()))
  }
}

async function inProcess() {
  log('in-process (msw setupServer, sequential fetch round trips; one process per variant, its batches alternating with the trivial handler)')
  const variants = []
  const { PROVIDERS } = await import('../dist/mocks/registry.js')
  for (const id of Object.keys(CLIENT_CREDENTIALS)) if (PROVIDERS[id]) variants.push([id, 'token'])
  if (PROVIDERS.carina) variants.push(['carina', 'refresh'], ['carina', 'api'])
  if (PROVIDERS.cogo) variants.push(['cogo', 'token-signed'], ['cogo', 'api'])
  // The trivial handler against itself: what the method reads when both sides are the same (about 1).
  variants.push(['trivial'])
  for (const args of variants) {
    const r = await runProcess(join(BENCH_DIR, 'in-process.mjs'), args, { timeoutMs: 300_000 })
    results.inProcess[args.join(' ')] = r
    log(
      `  ${args.join(' ').padEnd(18)} ${r.cpuUs.toFixed(0)} µs CPU (trivial beside it ${r.trivialCpuUs.toFixed(0)}): ÷ trivial ${r.ratio.toFixed(3)} by CPU, ${r.wallRatio.toFixed(3)} by wall; wall median ${r.medianUs.toFixed(0)} µs, p99 ${r.p99Us.toFixed(0)} µs`,
    )
  }
}

async function scale() {
  log('scale (provider pipeline in one process, --expose-gc)')
  const { PROVIDERS } = await import('../dist/mocks/registry.js')
  for (const id of ['keystone', 'carina']) {
    if (!PROVIDERS[id]) continue
    const r = await runProcess(join(BENCH_DIR, 'scale.mjs'), [id], { nodeArgs: ['--expose-gc', '--max-old-space-size=6144'], timeoutMs: 1_800_000 })
    results.scale[id] = r
    for (const p of r.points)
      log(
        `  ${id} @ ${p.issued.toLocaleString('en')}: issue ${p.issueUs.toFixed(1)} µs, validate ${p.validateUs.toFixed(1)} µs, heap ${p.heapMB.toFixed(0)} MB, records ${p.records}`,
      )
    if (r.rolling)
      log(
        `  ${id} rolling (clock advancing): heap ${r.rolling.map((s) => s.heapMB.toFixed(0)).join(', ')} MB; records ${r.rolling.map((s) => s.records).join(', ')}`,
      )
  }
}

async function memory() {
  const bursts = Math.max(2, Number(process.env.BENCH_MEMORY_BURSTS ?? 4))
  const requests = Number(process.env.BENCH_MEMORY_REQUESTS ?? 100_000)
  log(
    `memory (serve, journal on: ${bursts} rounds of ${requests.toLocaleString('en')} Keystone tokens then ${requests.toLocaleString('en')} cookie-less Carina login pages, clocks moved 25 h between rounds; RSS from /proc)`,
  )
  const r = await memoryPlateau({ bursts, requests, connections: CONNECTIONS })
  results.memory = r
  log(`  start ${r.startMB?.toFixed(0)} MB`)
  for (const [i, round] of r.rounds.entries()) {
    log(
      `  round ${i + 1}: ${round.tokens.toLocaleString('en')} tokens -> RSS ${round.afterTokensMB?.toFixed(0)} MB; ${round.loginPages.toLocaleString('en')} login pages -> RSS ${round.afterPagesMB?.toFixed(0)} MB`,
    )
  }
  log(`  plateau: ${r.plateau === null ? 'n/a' : r.plateau ? 'yes' : 'NO'} (peak RSS per round ${r.peaks.map((p) => p.toFixed(0)).join(', ')} MB)`)
}

/** A byte count as people read code sizes: `1,065 KiB`. */
function kib(bytes) {
  return `${Math.round(bytes / 1024).toLocaleString('en')} KiB`
}

async function startup() {
  log('startup (node dist/bundle/oauth-dance.cjs serve until the first token is answered, beside node -e 0 and a bare node:http server, interleaved)')
  const r = await startupTime()
  results.startup = r
  log(
    `  serve: median ${r.medianMs.toFixed(0)} ms over ${r.runs.length} runs (${r.runs.map((x) => x.toFixed(0)).join(', ')}); listening ${r.medianListeningMs.toFixed(0)} ms`,
  )
  log(`  serve without a compile cache (a machine's first start): median ${r.noCompileCache.medianMs.toFixed(0)} ms`)
  log(`  node -e 0: median ${r.nodeExit.medianMs.toFixed(0)} ms; bare node:http to its first answer: median ${r.bareHttp.medianMs.toFixed(0)} ms`)
  log(`  bare node:http importing zod/mini first: median ${r.bareHttpZod.medianMs.toFixed(0)} ms`)
  log(`  Keystone fidelity floor to its first token: median ${r.keystoneFloor.medianMs.toFixed(0)} ms`)
  log(
    `  serve --providers keystone (Keystone's code alone, ${kib(r.keystoneOnly.bytes)} loaded; serve ${kib(r.bytes)}) to its first token: median ${r.keystoneOnly.medianMs.toFixed(0)} ms`,
  )
  if (r.withoutExtraCaCerts)
    log(
      `  without NODE_EXTRA_CA_CERTS: serve ${r.withoutExtraCaCerts.serve.medianMs.toFixed(0)} ms (without a compile cache ${r.withoutExtraCaCerts.serveNoCache.medianMs.toFixed(0)}), node -e 0 ${r.withoutExtraCaCerts.nodeExit.medianMs.toFixed(0)} ms, bare node:http ${r.withoutExtraCaCerts.bare.medianMs.toFixed(0)} ms` +
        `, serve --providers keystone ${r.withoutExtraCaCerts.keystoneOnly.medianMs.toFixed(0)} ms`,
    )
  if (r.snapshot.skipped) log(`  startup snapshot rows skipped: ${r.snapshot.skipped}`)
  else
    log(
      `  from startup snapshots (not shipped): serve ${r.snapshot.serve.medianMs.toFixed(0)} ms, bare node:http ${r.snapshot.bare.medianMs.toFixed(0)} ms, empty entry ${r.snapshot.empty.medianMs.toFixed(0)} ms`,
    )
}

async function check() {
  log('check --provider all --transport in-process, reference client (the bin, spawn to exit)')
  const r = await checkAllTime()
  results.check = r
  log(
    `  wall median ${r.wallMs.toFixed(0)} ms: startup ${r.startupMs.toFixed(0)}, scenarios ${r.scenariosMs.toFixed(0)} (${r.scenarios}), reporting ${r.reportingMs.toFixed(0)} ms; ${r.result}`,
  )
}

if (section('sockets')) await sockets()
if (section('in-process')) await inProcess()
if (section('scale')) await scale()
if (section('startup')) await startup()
if (section('check')) await check()
if (section('memory')) await memory()

results.summary = summarize(results)
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true })
writeFileSync(join(BENCH_DIR, 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n')
process.stdout.write(renderTable(results) + '\n')

function summarize(r) {
  const s = r.sockets
  const floor = s['floor: raw node:http, fixed token']?.rps
  const FLOOR = 'floor: raw node:http, fixed token'
  const CEILING = 'ceiling: RSA-2048 signatures, every core'
  const OIDC_OPAQUE = 'peer oidc-provider: client credentials (opaque)'
  const OIDC_JWT = 'peer oidc-provider: client credentials (RS256 JWT)'
  const KEYSTONE = 'oauth-dance keystone: client credentials (Basic)'
  const COGO = 'oauth-dance cogo: client credentials (Basic)'
  const targets = []
  const target = (name, value, limit, ok) =>
    targets.push({
      name,
      value: value === undefined ? null : Number(value.toFixed(3)),
      target: limit,
      met: value === undefined ? null : ok ? ok(value) : 'info',
    })
  // Ratios within each round (figures a minute apart), then their median.
  const rounds = r.socketRounds ?? []
  const ratio = (a, b) => median(rounds.map((round) => (round[a]?.rps && round[b]?.rps ? round[a].rps / round[b].rps : undefined)))
  /**
   * The most requests/s a Node server signing every token with RS256 can
   * answer here: every core's time shared between one signature as the
   * ceiling run paid for it (cores ÷ ceiling), the floor server's own CPU per
   * request (HTTP and nothing else) and the load generator's CPU per request.
   */
  const rs256Bound = (round) => {
    const c = round[CEILING]
    const floorCpu = round[FLOOR]?.serverCpuUsPerRequest
    const loadCpu = (round[COGO_OWN_SERVE] ?? round[COGO_EVERY_TOKEN_SIGNED])?.loadCpuUsPerRequest
    if (!c?.rps || !c.cores || !floorCpu || !loadCpu) return undefined
    return (c.cores * 1e6) / ((c.cores * 1e6) / c.rps + floorCpu + loadCpu)
  }
  for (const round of rounds) {
    const bound = rs256Bound(round)
    if (bound) round[COMPUTED_BOUND] = { rps: bound }
  }
  if (rounds.some((round) => round[COMPUTED_BOUND])) s[COMPUTED_BOUND] = { rps: median(rounds.map((round) => round[COMPUTED_BOUND]?.rps)) }
  // The target is read on Keystone's own `serve`: every provider, default config, journal on, taking only Keystone's
  // load, as oidc-provider's server takes only its own. The shared serve (the Cogo rows' 50,000 bench clients and
  // every other load of a round) is context: what a serve stressed by the whole bench costs Keystone.
  // By server CPU a token too: steadier than rates on a shared machine.
  const cpuRatio = (a, b) => median(rounds.map((round) => round[b]?.serverCpuUsPerRequest / round[a]?.serverCpuUsPerRequest))
  if (s[KEYSTONE_OWN_SERVE] && s[OIDC_OPAQUE]) {
    target(
      `Keystone cc on a serve of its own (every provider, only Keystone's load) ÷ oidc-provider opaque (median of ${rounds.length} per-round ratios)`,
      ratio(KEYSTONE_OWN_SERVE, OIDC_OPAQUE),
      '≥ 3',
      (v) => v >= 3,
    )
    target('  the same by server CPU a token (oidc-provider ÷ Keystone)', cpuRatio(KEYSTONE_OWN_SERVE, OIDC_OPAQUE), '(context)')
  }
  if (s[KEYSTONE_FLOOR] && s[OIDC_OPAQUE]) {
    target(
      'Keystone fidelity floor ÷ oidc-provider opaque (median of per-round ratios; below 3: out of reach of any server answering as Keystone)',
      ratio(KEYSTONE_FLOOR, OIDC_OPAQUE),
      '(context)',
    )
    target('Keystone fidelity floor ÷ oidc-provider opaque, by server CPU a token (oidc-provider ÷ floor)', cpuRatio(KEYSTONE_FLOOR, OIDC_OPAQUE), '(context)')
    if (s[KEYSTONE_OWN_SERVE]) {
      target(
        "Keystone cc on its own serve ÷ Keystone fidelity floor (oauth-dance's own share of the gap)",
        ratio(KEYSTONE_OWN_SERVE, KEYSTONE_FLOOR),
        '(context)',
      )
      target('  the same by server CPU a token (floor ÷ Keystone)', cpuRatio(KEYSTONE_OWN_SERVE, KEYSTONE_FLOOR), '(context)')
    }
  }
  if (s[KEYSTONE] && s[OIDC_OPAQUE]) {
    target(
      "Keystone cc on the shared serve (the Cogo rows' 50,000 clients, every load of a round) ÷ oidc-provider opaque",
      ratio(KEYSTONE, OIDC_OPAQUE),
      '(context: the whole bench on one serve)',
    )
    target('  the same by server CPU a token (oidc-provider ÷ Keystone)', cpuRatio(KEYSTONE, OIDC_OPAQUE), '(context)')
    if (s[KEYSTONE_FLOOR]) target('  Keystone cc on the shared serve ÷ Keystone fidelity floor', ratio(KEYSTONE, KEYSTONE_FLOOR), '(context)')
    if (s[KEYSTONE_OWN_SERVE]) target('  Keystone cc on the shared serve ÷ on a serve of its own', ratio(KEYSTONE, KEYSTONE_OWN_SERVE), '(context)')
  }
  if (s[KEYSTONE_YOUNG32] && s[OIDC_OPAQUE])
    target('Keystone cc, node --max-semi-space-size=32 (not shipped) ÷ oidc-provider opaque', ratio(KEYSTONE_YOUNG32, OIDC_OPAQUE), '(context: scavenging)')
  if (s[STANDARD_OPAQUE] && s[OIDC_OPAQUE]) target('standard cc ÷ oidc-provider opaque', ratio(STANDARD_OPAQUE, OIDC_OPAQUE), '(context)')
  if (s[STANDARD_JWT] && s[OIDC_JWT]) target('standard cc JWT ÷ oidc-provider RS256 JWT', ratio(STANDARD_JWT, OIDC_JWT), '(context)')
  // The target is read on Cogo's own `serve` (every provider, default config, journal on, only the every-token-signed
  // load), as Keystone's is; the shared serve's figure, beside the whole bench's other loads, is context.
  // By cost too: what each request took from the two cores (the server's every thread and the load generator's),
  // steadier than rates when a neighbour's burst lands on one of the two runs.
  const cost = (round, name) => (round[name]?.serverCpuUsPerRequest ?? NaN) + (round[name]?.loadCpuUsPerRequest ?? NaN)
  const costRatio = (a, b) => median(rounds.map((round) => cost(round, b) / cost(round, a)))
  const COGO_SIGNED = s[COGO_OWN_SERVE] ? COGO_OWN_SERVE : COGO_EVERY_TOKEN_SIGNED
  if (s[COGO_SIGNED] && s[RS256_BOUND]) {
    target(
      `Cogo cc, every token signed, on a serve of its own ÷ Node bound measured beside it (HTTP floor + one signature; median of ${rounds.length} per-round ratios)`,
      ratio(COGO_SIGNED, RS256_BOUND),
      '≥ 0.97',
      (v) => v >= 0.97,
    )
    target(
      '  the same by CPU a request (server and load generator; bound ÷ Cogo, median of per-round ratios)',
      costRatio(COGO_SIGNED, RS256_BOUND),
      '(context)',
    )
  }
  if (s[COGO_FLOOR] && s[RS256_BOUND]) {
    target(
      'Cogo fidelity floor ÷ Node bound (median of per-round ratios; below 0.97: the target is out of reach of any server answering as Cogo)',
      ratio(COGO_FLOOR, RS256_BOUND),
      '(context)',
    )
    target('Cogo fidelity floor ÷ Node bound, by CPU a request (bound ÷ floor)', costRatio(COGO_FLOOR, RS256_BOUND), '(context)')
  }
  if (s[COGO_FLOOR_JOURNAL] && s[RS256_BOUND]) {
    target(
      "Cogo fidelity floor keeping the last 2,000 exchanges ÷ Node bound (below 0.97: out of reach of any server answering as Cogo and keeping serve's default journal)",
      ratio(COGO_FLOOR_JOURNAL, RS256_BOUND),
      '(context)',
    )
    target('  the same by CPU a request (bound ÷ floor with the journal)', costRatio(COGO_FLOOR_JOURNAL, RS256_BOUND), '(context)')
    if (s[COGO_FLOOR])
      target('  the floor with the journal ÷ without (what keeping a journal costs any server)', ratio(COGO_FLOOR_JOURNAL, COGO_FLOOR), '(context)')
  }
  if (s[COGO_FLOOR_ARENA] && s[RS256_BOUND]) {
    target(
      'Cogo fidelity floor keeping the same exchanges off the heap, as bytes ÷ Node bound (the least any journal costs; below 0.97: out of reach with a journal however kept)',
      ratio(COGO_FLOOR_ARENA, RS256_BOUND),
      '(context)',
    )
    target('  the same by CPU a request (bound ÷ floor with the bytes journal)', costRatio(COGO_FLOOR_ARENA, RS256_BOUND), '(context)')
    if (s[COGO_FLOOR]) target('  the floor with the bytes journal ÷ without', ratio(COGO_FLOOR_ARENA, COGO_FLOOR), '(context)')
    if (s[COGO_FLOOR_JOURNAL]) target('  the floor with the bytes journal ÷ with the objects journal', ratio(COGO_FLOOR_ARENA, COGO_FLOOR_JOURNAL), '(context)')
  }
  if (s[COGO_SIGNED] && s[COGO_FLOOR]) {
    target("Cogo cc, every token signed ÷ Cogo fidelity floor (oauth-dance's own share of the gap)", ratio(COGO_SIGNED, COGO_FLOOR), '(context)')
    target('Cogo cc, every token signed ÷ Cogo fidelity floor, by CPU a request (floor ÷ Cogo)', costRatio(COGO_SIGNED, COGO_FLOOR), '(context)')
  }
  if (s[COGO_SIGNED] && s[COGO_FLOOR_JOURNAL])
    target(
      "Cogo cc, every token signed ÷ the floor keeping the last 2,000 exchanges (oauth-dance's own share beyond keeping a journal)",
      ratio(COGO_SIGNED, COGO_FLOOR_JOURNAL),
      '(context)',
    )
  if (s[COGO_OWN_SERVE_NO_JOURNAL] && s[RS256_BOUND]) {
    target(
      'Cogo cc, every token signed, serve --no-journal ÷ Node bound',
      ratio(COGO_OWN_SERVE_NO_JOURNAL, RS256_BOUND),
      '(context: what the journal costs Cogo)',
    )
    if (s[COGO_OWN_SERVE]) target('  Cogo with its journal ÷ with --no-journal', ratio(COGO_OWN_SERVE, COGO_OWN_SERVE_NO_JOURNAL), '(context)')
  }
  if (s[COGO_EVERY_TOKEN_SIGNED] && s[RS256_BOUND]) {
    target(
      "Cogo cc, every token signed, on the shared serve (every load of a round, Keystone's tokens among them) ÷ Node bound",
      ratio(COGO_EVERY_TOKEN_SIGNED, RS256_BOUND),
      '(context: the whole bench on one serve)',
    )
    target('  the same by CPU a request (bound ÷ Cogo)', costRatio(COGO_EVERY_TOKEN_SIGNED, RS256_BOUND), '(context)')
    if (s[COGO_OWN_SERVE]) target('  Cogo on the shared serve ÷ on a serve of its own', ratio(COGO_EVERY_TOKEN_SIGNED, COGO_OWN_SERVE), '(context)')
  }
  if (s[COGO_SIGNED] && s[COMPUTED_BOUND])
    target('Cogo cc, every token signed ÷ bound computed from the RSA ceiling, floor and load generator CPU', ratio(COGO_SIGNED, COMPUTED_BOUND), '(context)')
  if (s[COGO_SIGNED] && s[CEILING])
    target('Cogo cc, every token signed ÷ RSA-2048 ceiling (every core)', ratio(COGO_SIGNED, CEILING), '(context: signatures only, no HTTP)')
  if (s[COGO_SIGNED] && s[OIDC_JWT]) target('Cogo cc, every token signed ÷ oidc-provider RS256', ratio(COGO_SIGNED, OIDC_JWT), 'well ahead (> 1)', (v) => v > 1)
  if (s[COGO] && s[OIDC_JWT]) target('Cogo cc as requested ÷ oidc-provider RS256', ratio(COGO, OIDC_JWT), 'well ahead (> 1)', (v) => v > 1)
  for (const [name, v] of Object.entries(r.inProcess)) {
    // Carina's token round trip is its refresh grant (it has no client credentials).
    if (name.endsWith(' token') || name === 'carina refresh')
      target(`in-process ${name} ÷ trivial msw handler (CPU a round trip, median of per-batch ratios)`, v.ratio, '≤ 1.1', (x) => x <= 1.1)
  }
  const signed = r.inProcess['cogo token-signed']
  if (signed) target('in-process cogo token-signed (one RSA signature a round trip) ÷ trivial msw handler', signed.ratio, '(context)')
  if (r.inProcess.trivial) target('in-process trivial ÷ trivial (the method against itself)', r.inProcess.trivial.ratio, '(context: about 1)')
  for (const [id, sc] of Object.entries(r.scale)) {
    const first = sc.points[0]
    const last = sc.points[sc.points.length - 1]
    if (first && last && last !== first) {
      target(
        `${id} issuance @${last.issued.toLocaleString('en')} ÷ @${first.issued.toLocaleString('en')}`,
        last.issueUs / first.issueUs,
        '≤ 1.2',
        (v) => v <= 1.2,
      )
      target(
        `${id} validation @${last.issued.toLocaleString('en')} ÷ @${first.issued.toLocaleString('en')}`,
        last.validateUs / first.validateUs,
        '≤ 1.2',
        (v) => v <= 1.2,
      )
    }
  }
  if (r.startup.medianMs !== undefined) {
    target(`serve: spawn to first token, median of ${r.startup.runs.length} (ms)`, r.startup.medianMs, '≤ 150', (v) => v <= 150)
    target(
      "  serve without a compile cache (NODE_DISABLE_COMPILE_CACHE=1: a machine's first start), first token (ms)",
      r.startup.noCompileCache.medianMs,
      '(context)',
    )
    target('  beside: node -e 0, spawn to exit (ms)', r.startup.nodeExit.medianMs, '(baseline)')
    target('  beside: bare node:http server, spawn to first answer (ms)', r.startup.bareHttp.medianMs, '(baseline)')
    target(
      '  beside: bare node:http server importing zod/mini from node_modules first, spawn to first answer (ms)',
      r.startup.bareHttpZod.medianMs,
      '(context: zod loaded file by file from node_modules)',
    )
    target(
      '  beside: Keystone fidelity floor (bench/servers/keystone-floor.mjs), spawn to first token (ms)',
      r.startup.keystoneFloor.medianMs,
      '(floor: the least a server answering that token as Keystone does takes to start)',
    )
    target(
      `  beside: serve --providers keystone (Keystone's code alone, ${kib(r.startup.keystoneOnly.bytes)} loaded), spawn to first token (ms)`,
      r.startup.keystoneOnly.medianMs,
      '(context: serve loading only what the first token needs)',
    )
    target('serve first token ÷ bare node:http first answer', r.startup.medianMs / r.startup.bareHttp.medianMs, '(context)')
    if (r.startup.withoutExtraCaCerts) {
      const w = r.startup.withoutExtraCaCerts
      target('  serve without NODE_EXTRA_CA_CERTS (which this machine sets), first token (ms)', w.serve.medianMs, '(context)')
      target('  serve without NODE_EXTRA_CA_CERTS and without a compile cache, first token (ms)', w.serveNoCache.medianMs, '(context)')
      target(`  beside it, without NODE_EXTRA_CA_CERTS: node -e 0 ${w.nodeExit.medianMs.toFixed(0)}, bare node:http (ms)`, w.bare.medianMs, '(context)')
      target('  serve --providers keystone, without NODE_EXTRA_CA_CERTS, first token (ms)', w.keystoneOnly.medianMs, '(context)')
    }
    if (r.startup.snapshot && !r.startup.snapshot.skipped) {
      target('  serve from a startup snapshot (bench/startup-snapshot.mjs, not shipped), first token (ms)', r.startup.snapshot.serve.medianMs, '(context)')
      target('  its floor: bare node:http server from a startup snapshot, first answer (ms)', r.startup.snapshot.bare.medianMs, '(context)')
    }
  }
  if (r.check.wallMs !== undefined) {
    target('check --provider all, in-process, reference client: wall (ms)', r.check.wallMs, '≤ 2000', (v) => v <= 2000)
    target('  split: startup (ms)', r.check.startupMs, '(split)')
    target('  split: scenarios (ms)', r.check.scenariosMs, '(split)')
    target('  split: reporting and exit (ms)', r.check.reportingMs, '(split)')
  }
  return { floor, targets }
}

function renderTable(r) {
  const lines = []
  const floor = r.summary.floor
  const ceiling = r.sockets['ceiling: RSA-2048 signatures, every core']?.rps
  lines.push(`oauth-dance bench — ${r.date} — ${r.machine.cpus} × ${r.machine.model} — node ${r.machine.node}`)
  if (Object.keys(r.sockets).length) {
    lines.push(
      '',
      `Standalone servers (${r.settings.connections} connections, ${r.settings.warmup} s warm-up excluded, ${r.settings.duration} s measured; median of ${r.settings.rounds} interleaved rounds)`,
    )
    lines.push('| work | req/s | rounds | p99 ms | server CPU µs/req | ÷ floor | ÷ RSA ceiling |', '|---|---:|---|---:|---:|---:|---:|')
    for (const [name, v] of Object.entries(r.sockets)) {
      const rsa = /RS256|cogo: (client|every token)/.test(name) && ceiling ? (v.rps / ceiling).toFixed(2) : ''
      const perRound = v.rounds?.length > 1 ? v.rounds.map((x) => Math.round(x).toLocaleString('en')).join(' / ') : ''
      const cpu = v.serverCpuUsPerRequest ? v.serverCpuUsPerRequest.toFixed(0) : ''
      const p99 = v.p99 === undefined || v.p99 === null ? '' : Number(v.p99).toFixed(1)
      lines.push(
        `| ${name} | ${Math.round(v.rps).toLocaleString('en')} | ${perRound} | ${p99} | ${cpu} | ${floor && !/^(ceiling|bound)/.test(name) ? (v.rps / floor).toFixed(3) : ''} | ${rsa} |`,
      )
    }
  }
  if (Object.keys(r.inProcess).length) {
    lines.push(
      '',
      'In-process through msw setupServer (sequential round trips; one process per variant, batches of 250 alternating with the trivial handler; µs a round trip, median of batches)',
    )
    lines.push('| work | CPU µs | trivial beside it, CPU µs | ÷ trivial, CPU | ÷ trivial, wall | wall µs | p99 µs |', '|---|---:|---:|---:|---:|---:|---:|')
    for (const [name, v] of Object.entries(r.inProcess))
      lines.push(
        `| ${name} | ${v.cpuUs.toFixed(0)} | ${v.trivialCpuUs.toFixed(0)} | ${v.ratio.toFixed(2)} | ${v.wallRatio.toFixed(2)} | ${v.medianUs.toFixed(0)} | ${v.p99Us.toFixed(0)} |`,
      )
  }
  for (const [id, sc] of Object.entries(r.scale)) {
    lines.push('', `Scale: ${id} (${sc.work})`)
    lines.push('| tokens issued | issue µs | validate µs | heap MB | records held |', '|---:|---:|---:|---:|---:|')
    for (const p of sc.points)
      lines.push(
        `| ${p.issued.toLocaleString('en')} | ${p.issueUs.toFixed(1)} | ${p.validateUs.toFixed(1)} | ${p.heapMB.toFixed(0)} | ${p.records.toLocaleString('en')} |`,
      )
    if (sc.rolling)
      lines.push(
        `| rolling, clock past expiry each round | | | ${sc.rolling.map((x) => x.heapMB.toFixed(0)).join(' → ')} | ${sc.rolling.map((x) => x.records.toLocaleString('en')).join(' → ')} |`,
      )
  }
  if (r.startup.medianMs !== undefined) {
    lines.push('', `Startup, spawn to first answer, ${r.startup.runs.length} starts each, interleaved (median ms; every start)`)
    lines.push('| process | median ms | every start |', '|---|---:|---|')
    lines.push(
      `| \`node dist/bundle/oauth-dance.cjs serve --port-base 0 --json --quiet\` (${kib(r.startup.bytes)} loaded), first token | ${r.startup.medianMs.toFixed(0)} | ${r.startup.runs.map((x) => x.toFixed(0)).join(', ')} |`,
    )
    lines.push(
      `| the same without a compile cache (\`NODE_DISABLE_COMPILE_CACHE=1\`: a machine's first start), first token | ${r.startup.noCompileCache.medianMs.toFixed(0)} | ${r.startup.noCompileCache.runs.map((x) => x.toFixed(0)).join(', ')} |`,
    )
    lines.push(`| \`node -e 0\`, exit | ${r.startup.nodeExit.medianMs.toFixed(0)} | ${r.startup.nodeExit.runs.map((x) => x.toFixed(0)).join(', ')} |`)
    lines.push(
      `| bare node:http server (bench/servers/bare-http.mjs), first answer | ${r.startup.bareHttp.medianMs.toFixed(0)} | ${r.startup.bareHttp.runs.map((x) => x.toFixed(0)).join(', ')} |`,
    )
    lines.push(
      `| bare node:http server importing zod/mini first (bare-http.mjs --with-zod), first answer | ${r.startup.bareHttpZod.medianMs.toFixed(0)} | ${r.startup.bareHttpZod.runs.map((x) => x.toFixed(0)).join(', ')} |`,
    )
    lines.push(
      `| Keystone fidelity floor (bench/servers/keystone-floor.mjs), first token | ${r.startup.keystoneFloor.medianMs.toFixed(0)} | ${r.startup.keystoneFloor.runs.map((x) => x.toFixed(0)).join(', ')} |`,
    )
    const only = r.startup.keystoneOnly
    lines.push(
      `| \`serve --providers keystone\` (Keystone's code alone, ${kib(only.bytes)} loaded), first token | ${only.medianMs.toFixed(0)} | ${only.runs.map((x) => x.toFixed(0)).join(', ')} |`,
    )
    const w = r.startup.withoutExtraCaCerts
    if (w)
      for (const [label, x] of [
        ['serve, first token, without NODE_EXTRA_CA_CERTS', w.serve],
        ['serve, first token, without NODE_EXTRA_CA_CERTS or a compile cache', w.serveNoCache],
        ['`node -e 0`, exit, without NODE_EXTRA_CA_CERTS', w.nodeExit],
        ['bare node:http server, first answer, without NODE_EXTRA_CA_CERTS', w.bare],
        ['`serve --providers keystone`, first token, without NODE_EXTRA_CA_CERTS', w.keystoneOnly],
      ])
        if (x) lines.push(`| ${label} | ${x.medianMs.toFixed(0)} | ${x.runs.map((v) => v.toFixed(0)).join(', ')} |`)
    const snapshot = r.startup.snapshot
    if (snapshot && !snapshot.skipped)
      for (const [label, x] of [
        ['serve from a startup snapshot (bench/startup-snapshot.mjs, not shipped), first token', snapshot.serve],
        ['bare node:http server from a startup snapshot, first answer', snapshot.bare],
        ['empty startup snapshot, exit', snapshot.empty],
      ])
        lines.push(`| ${label} | ${x.medianMs.toFixed(0)} | ${x.runs.map((v) => v.toFixed(0)).join(', ')} |`)
  }
  if (r.check.wallMs !== undefined)
    lines.push(
      '',
      `Check: \`oauth-dance check --provider all --transport in-process\` (reference client, ${r.check.scenarios} scenarios): wall ${r.check.wallMs.toFixed(0)} ms median of ${r.check.runs.length} = startup ${r.check.startupMs.toFixed(0)} + scenarios ${r.check.scenariosMs.toFixed(0)} + reporting ${r.check.reportingMs.toFixed(0)} ms (runs ${r.check.runs.map((x) => x.wallMs.toFixed(0)).join(', ')})`,
    )
  lines.push('', 'Targets', '| target | value | wanted | met |', '|---|---:|---|---|')
  for (const t of r.summary.targets)
    lines.push(`| ${t.name} | ${t.value} | ${t.target} | ${t.met === null ? '?' : t.met === 'info' ? '' : t.met ? 'met' : 'NOT met'} |`)
  return lines.join('\n')
}
