// `npm run bench`: oauth-dance beside its peers, in one run, on this machine.
// Every server and the load generator run in their own processes; figures are
// compared as ratios against baselines measured in the same run, because the
// machines are shared and noisy. Prints a table and writes bench/results/latest.json.
//
// Environment: BENCH_DURATION (s, default 5), BENCH_WARMUP (s, default 2),
// BENCH_CONNECTIONS (default 32), BENCH_SCALE_MAX (default 1000000),
// BENCH_ONLY (comma-separated sections: sockets,in-process,scale,startup).
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { BENCH_DIR, load, runProcess, startProcess } from './lib.mjs'
import { carinaFlow, carinaFlowFixture } from './carina-flow.mjs'
import { CLIENT_CREDENTIALS, PROTECTED_API, baseUrlOf, obtainToken, tokenRequest } from './scenarios.mjs'
import { basic } from './lib.mjs'
import { startupTime } from './startup.mjs'

const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
const ONLY = process.env.BENCH_ONLY?.split(',')
const section = (name) => !ONLY || ONLY.includes(name)
const loadDefaults = { duration: DURATION, warmup: WARMUP, connections: CONNECTIONS }
const COGO_BENCH_CLIENTS = 50_000
const COGO_EVERY_TOKEN_SIGNED = 'oauth-dance cogo: client credentials, every token signed (50,000 clients in turn)'

const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
  settings: { duration: DURATION, warmup: WARMUP, connections: CONNECTIONS },
  sockets: {},
  inProcess: {},
  scale: {},
  startup: {},
}
const log = (line) => process.stderr.write(line + '\n')

/** A fetch-based request for the Carina flow run from this process (setup only, not measured). */
async function fetchRequest(url, { method = 'GET', headers = {}, body } = {}) {
  const res = await fetch(url, { method, headers, body, redirect: 'manual' })
  return { status: res.status, location: res.headers.get('location'), setCookies: res.headers.getSetCookie(), text: await res.text() }
}

async function withServer(script, args, fn) {
  const server = await startProcess(join(BENCH_DIR, 'servers', script), args)
  try {
    return await fn(server.info)
  } finally {
    await server.stop()
  }
}

async function measure(name, spec) {
  log(`  ${name} ...`)
  const r = await load({ ...loadDefaults, ...spec })
  if (r.errors || r.non2xx) log(`    ! ${r.errors} errors, ${r.non2xx ?? 0} non-2xx ${r.firstError ?? ''}`)
  log(`    ${Math.round(r.rps)}/s p99 ${r.p99} ms`)
  results.sockets[name] = r
  return r
}

async function sockets() {
  log('standalone servers (autocannon in its own process)')
  await withServer('floor.mjs', [], (info) => measure('floor: raw node:http, fixed token', { url: info.url + '/token', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }))
  const ceiling = await runProcess(join(BENCH_DIR, 'rsa-ceiling.mjs'), [String(Math.max(3, DURATION))])
  results.sockets['ceiling: RSA-2048 signatures, every core'] = { rps: ceiling.signsPerSecond, oneCore: ceiling.oneCoreSignsPerSecond }
  log(`  RSA-2048 ceiling: ${Math.round(ceiling.signsPerSecond)}/s on ${ceiling.cores} cores (${Math.round(ceiling.oneCoreSignsPerSecond)}/s on one)`)

  await withServer('oauth-dance.mjs', ['--cogo-clients', String(COGO_BENCH_CLIENTS)], async (info) => {
    const providers = info.providers
    for (const id of Object.keys(CLIENT_CREDENTIALS)) {
      if (!providers[id]) {
        log(`  (${id} is not in the registry yet: skipped)`)
        continue
      }
      await measure(`oauth-dance ${id}: client credentials (Basic)`, tokenRequest(id, providers[id]))
      if (id === 'cogo') {
        // Identical requests within a mock-clock second get the token already signed (same bytes: RS256 is
        // deterministic and the claims carry no jti). Taking 50,000 clients in turn, no client comes back
        // within a run, so every request here signs: this is the figure compared with the RSA ceiling.
        await measure(COGO_EVERY_TOKEN_SIGNED, { ...tokenRequest(id, providers[id]), basicClients: { prefix: 'bench-', secretPrefix: 'secret-', count: COGO_BENCH_CLIENTS } })
      }
    }
    for (const [id, api] of Object.entries(PROTECTED_API)) {
      if (!providers[id]) continue
      const token = await obtainToken(id, providers[id], { carinaFlow, request: fetchRequest })
      await measure(`oauth-dance ${id}: protected API call (${api.path})`, { url: baseUrlOf(providers[id], api.origin) + api.path, headers: api.headers(token) })
    }
    if (providers.carina) {
      await measure('oauth-dance carina: whole authorization-code flow (5-6 requests)', { kind: 'carina-flow', url: providers.carina.baseUrl, flow: carinaFlowFixture(providers.carina) })
    }
  })
  const peerSpec = (info) => ({
    url: info.url + info.tokenPath,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(info.client.id, info.client.secret) },
    body: 'grant_type=client_credentials',
  })
  await withServer('oauth2-mock-server.mjs', [], (info) => measure('peer oauth2-mock-server: client credentials (RS256 JWT)', peerSpec(info)))
  await withServer('oidc-provider.mjs', ['opaque'], (info) => measure('peer oidc-provider: client credentials (opaque)', peerSpec(info)))
  await withServer('oidc-provider.mjs', ['jwt'], (info) => measure('peer oidc-provider: client credentials (RS256 JWT)', peerSpec(info)))
}

async function inProcess() {
  log('in-process (msw setupServer, sequential fetch round trips, one process per variant)')
  const variants = [['trivial']]
  const { PROVIDERS } = await import('../dist/mocks/registry.js')
  for (const id of Object.keys(CLIENT_CREDENTIALS)) if (PROVIDERS[id]) variants.push([id, 'token'])
  if (PROVIDERS.carina) variants.push(['carina', 'refresh'], ['carina', 'api'])
  if (PROVIDERS.cogo) variants.push(['cogo', 'token-signed'], ['cogo', 'api'])
  for (const args of variants) {
    const r = await runProcess(join(BENCH_DIR, 'in-process.mjs'), args, { timeoutMs: 300_000 })
    results.inProcess[args.join(' ')] = r
    log(`  ${args.join(' ').padEnd(16)} median ${r.medianUs.toFixed(0)} µs, mean ${r.meanUs.toFixed(0)} µs, p99 ${r.p99Us.toFixed(0)} µs`)
  }
}

async function scale() {
  log('scale (provider pipeline in one process, --expose-gc)')
  const { PROVIDERS } = await import('../dist/mocks/registry.js')
  for (const id of ['keystone', 'carina']) {
    if (!PROVIDERS[id]) continue
    const r = await runProcess(join(BENCH_DIR, 'scale.mjs'), [id], { nodeArgs: ['--expose-gc', '--max-old-space-size=6144'], timeoutMs: 1_800_000 })
    results.scale[id] = r
    for (const p of r.points) log(`  ${id} @ ${p.issued.toLocaleString('en')}: issue ${p.issueUs.toFixed(1)} µs, validate ${p.validateUs.toFixed(1)} µs, heap ${p.heapMB.toFixed(0)} MB, records ${p.records}`)
    if (r.rolling) log(`  ${id} rolling (clock advancing): heap ${r.rolling.map((s) => s.heapMB.toFixed(0)).join(', ')} MB; records ${r.rolling.map((s) => s.records).join(', ')}`)
  }
}

async function startup() {
  log('startup (node dist/bundle/oauth-dance.js serve, until the first token is answered)')
  const r = await startupTime()
  results.startup = r
  log(`  median ${r.medianMs.toFixed(0)} ms over ${r.runs.length} runs (${r.runs.map((x) => x.toFixed(0)).join(', ')})`)
}

if (section('sockets')) await sockets()
if (section('in-process')) await inProcess()
if (section('scale')) await scale()
if (section('startup')) await startup()

results.summary = summarize(results)
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true })
writeFileSync(join(BENCH_DIR, 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n')
process.stdout.write(renderTable(results) + '\n')

function summarize(r) {
  const s = r.sockets
  const get = (name) => s[name]?.rps
  const floor = get('floor: raw node:http, fixed token')
  const oidcOpaque = get('peer oidc-provider: client credentials (opaque)')
  const oidcJwt = get('peer oidc-provider: client credentials (RS256 JWT)')
  const ceiling = get('ceiling: RSA-2048 signatures, every core')
  const keystone = get('oauth-dance keystone: client credentials (Basic)')
  const cogo = get('oauth-dance cogo: client credentials (Basic)')
  const cogoSigned = get(COGO_EVERY_TOKEN_SIGNED)
  const trivial = r.inProcess.trivial?.medianUs
  const targets = []
  const target = (name, value, limit, ok) => targets.push({ name, value: value === undefined ? null : Number(value.toFixed(3)), target: limit, met: value === undefined ? null : ok(value) })
  if (keystone && oidcOpaque) target('Keystone cc ÷ oidc-provider opaque', keystone / oidcOpaque, '≥ 2', (v) => v >= 2)
  if (cogoSigned && ceiling) target('Cogo cc, every token signed ÷ RSA-2048 ceiling (every core)', cogoSigned / ceiling, '≥ 0.85', (v) => v >= 0.85)
  if (cogoSigned && oidcJwt) target('Cogo cc, every token signed ÷ oidc-provider RS256', cogoSigned / oidcJwt, 'well ahead (> 1)', (v) => v > 1)
  if (cogo && oidcJwt) target('Cogo cc as requested ÷ oidc-provider RS256', cogo / oidcJwt, 'well ahead (> 1)', (v) => v > 1)
  for (const [name, v] of Object.entries(r.inProcess)) {
    if (name !== 'trivial' && name.endsWith(' token') && trivial) target(`in-process ${name} ÷ trivial msw handler`, v.medianUs / trivial, '≤ 1.3', (x) => x <= 1.3)
  }
  for (const [id, sc] of Object.entries(r.scale)) {
    const first = sc.points[0]
    const last = sc.points[sc.points.length - 1]
    if (first && last && last !== first) {
      target(`${id} issuance @${last.issued.toLocaleString('en')} ÷ @${first.issued.toLocaleString('en')}`, last.issueUs / first.issueUs, '≤ 1.2', (v) => v <= 1.2)
      target(`${id} validation @${last.issued.toLocaleString('en')} ÷ @${first.issued.toLocaleString('en')}`, last.validateUs / first.validateUs, '≤ 1.2', (v) => v <= 1.2)
    }
  }
  if (r.startup.medianMs !== undefined) target('serve: first token answered (ms)', r.startup.medianMs, '≤ 300', (v) => v <= 300)
  return { floor, targets }
}

function renderTable(r) {
  const lines = []
  const floor = r.summary.floor
  const ceiling = r.sockets['ceiling: RSA-2048 signatures, every core']?.rps
  lines.push(`oauth-dance bench — ${r.date} — ${r.machine.cpus} × ${r.machine.model} — node ${r.machine.node}`)
  if (Object.keys(r.sockets).length) {
    lines.push('', `Standalone servers (${r.settings.connections} connections, ${r.settings.warmup} s warm-up excluded, ${r.settings.duration} s measured)`)
    lines.push('| work | req/s | p99 ms | ÷ floor | ÷ RSA ceiling |', '|---|---:|---:|---:|---:|')
    for (const [name, v] of Object.entries(r.sockets)) {
      const rsa = /RS256|cogo: client/.test(name) && ceiling ? (v.rps / ceiling).toFixed(2) : ''
      lines.push(`| ${name} | ${Math.round(v.rps).toLocaleString('en')} | ${v.p99 === undefined ? '' : Number(v.p99).toFixed(1)} | ${floor && !name.startsWith('ceiling') ? (v.rps / floor).toFixed(3) : ''} | ${rsa} |`)
    }
  }
  if (Object.keys(r.inProcess).length) {
    const trivial = r.inProcess.trivial?.medianUs
    lines.push('', 'In-process through msw setupServer (sequential round trips; median of batch means)')
    lines.push('| work | median µs | p99 µs | ÷ trivial msw handler |', '|---|---:|---:|---:|')
    for (const [name, v] of Object.entries(r.inProcess)) lines.push(`| ${name} | ${v.medianUs.toFixed(0)} | ${v.p99Us.toFixed(0)} | ${trivial ? (v.medianUs / trivial).toFixed(2) : ''} |`)
  }
  for (const [id, sc] of Object.entries(r.scale)) {
    lines.push('', `Scale: ${id} (${sc.work})`)
    lines.push('| tokens issued | issue µs | validate µs | heap MB | records held |', '|---:|---:|---:|---:|---:|')
    for (const p of sc.points) lines.push(`| ${p.issued.toLocaleString('en')} | ${p.issueUs.toFixed(1)} | ${p.validateUs.toFixed(1)} | ${p.heapMB.toFixed(0)} | ${p.records.toLocaleString('en')} |`)
    if (sc.rolling) lines.push(`| rolling, clock past expiry each round | | | ${sc.rolling.map((x) => x.heapMB.toFixed(0)).join(' → ')} | ${sc.rolling.map((x) => x.records.toLocaleString('en')).join(' → ')} |`)
  }
  if (r.startup.medianMs !== undefined) lines.push('', `Startup: \`node dist/bundle/oauth-dance.js serve\` to first token answered: median ${r.startup.medianMs.toFixed(0)} ms (${r.startup.runs.map((x) => x.toFixed(0)).join(', ')})`)
  lines.push('', 'Targets', '| target | value | wanted | met |', '|---|---:|---|---|')
  for (const t of r.summary.targets) lines.push(`| ${t.name} | ${t.value} | ${t.target} | ${t.met === null ? '?' : t.met ? 'yes' : 'NO'} |`)
  return lines.join('\n')
}
