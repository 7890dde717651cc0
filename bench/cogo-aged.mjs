// Cogo's every-token-signed load on a fresh `serve`, then on the same `serve`
// after Keystone loads have left their tokens in its heap (as in `npm run
// bench`, where one serve answers every provider and Keystone's hour-long
// tokens pile up round after round). Beside each Cogo run, the Node bound
// (bench/servers/rs256-bound.mjs) and the Cogo fidelity floor
// (bench/servers/cogo-floor.mjs), in A B C / C B A order.
// Per run: requests/s; server CPU µs a request by thread (main, libuv pool =
// the 4 newest threads, other = V8's GC and compiler helpers) from
// /proc/<pid>/task/*/stat; for serve (run with --trace-gc): GC pauses µs a
// request (scavenges and mark-compacts apart), old-generation growth across
// scavenges in bytes a request (what scavenges promote plus what V8 allocates
// there directly) and the heap size.
// Not part of `npm run bench`. Settings (environment):
// - COGO_AGED_KEYSTONE: Keystone loads done before each phase, cumulative (default `0,1,3,5`);
// - COGO_AGED_KEYSTONE_S: seconds of each Keystone load (default 8);
// - COGO_AGED_DURATION: seconds of each measured load (default 4, after 1 of warm-up;
//   serve first takes each of the 50,000 clients once);
// - COGO_AGED_REPEAT: A B C / C B A runs a phase (default 2);
// - COGO_AGED_SERVE: another build's bench/servers/oauth-dance.mjs.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { BENCH_DIR, ROOT, load, median, runProcess, startProcess, stopProcess } from './lib.mjs'
import { tokenRequest } from './scenarios.mjs'
import { threadCpuUs as threads } from './cogo-cpu.mjs'

const PHASES = (process.env.COGO_AGED_KEYSTONE ?? '0,1,3,5').split(',').map(Number)
const KEYSTONE_S = Number(process.env.COGO_AGED_KEYSTONE_S ?? 8)
const DURATION = Number(process.env.COGO_AGED_DURATION ?? 4)
const REPEAT = Number(process.env.COGO_AGED_REPEAT ?? 2)
const SERVE = process.env.COGO_AGED_SERVE ?? join(BENCH_DIR, 'servers', 'oauth-dance.mjs')
const CLIENTS = 50_000
const log = (line) => process.stderr.write(line + '\n')

/** serve with --trace-gc: its description is the first stdout line that is JSON; the GC lines are kept. */
function startTraced(script, args) {
  return new Promise((resolve, reject) => {
    // Line-buffered, so V8's GC lines (C stdio) never cut into the description.
    const child = spawn('stdbuf', ['-oL', process.execPath, '--trace-gc', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    const out = { text: '' }
    let started = false
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (d) => {
      out.text += d
      if (started) return
      // Node writes the long description in pieces, and V8's GC lines can fall between them.
      const text = out.text.replace(/\[\d+:0x[0-9a-f]+\][^\n]*\n/g, '')
      const line = text.split('\n').find((l) => l.startsWith('{'))
      if (line && text.includes(line + '\n')) {
        out.text = ''
        started = true
        resolve({ info: JSON.parse(line), child, out })
      }
    })
    child.on('exit', (code) => started || reject(new Error(`${script} exited with ${code}`)))
  })
}

/** Scavenge and mark-compact pauses (ms), old-generation growth across scavenges (MB) and the last heap size, from --trace-gc lines. */
function gcOf(text) {
  const gc = { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0, grownMb: 0, heapMb: undefined }
  let prev
  for (const line of text.split('\n')) {
    const m = line.match(
      /(Scavenge|Mark-Compact|Mark-sweep)[^:]*?\s([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ ([\d.]+) ms/,
    )
    if (!m) continue
    const after = Number(m[4])
    if (m[1] === 'Scavenge') {
      gc.scavenges++
      gc.scavengeMs += Number(m[6])
      if (prev !== undefined) gc.grownMb += Math.max(0, after - prev)
    } else {
      gc.markCompacts++
      gc.markCompactMs += Number(m[6])
    }
    prev = m[1] === 'Scavenge' ? after : undefined
    gc.heapMb = after
  }
  return gc
}

let serve, bound, floor
process.on('SIGTERM', () => {
  for (const started of [serve, bound, floor]) started?.child.kill()
  process.exit(1)
})
try {
  serve = await startTraced(SERVE, ['--cogo-clients', String(CLIENTS)])
  const { cogo, keystone } = serve.info.providers
  bound = await startProcess(join(BENCH_DIR, 'servers', 'rs256-bound.mjs'))
  floor = await startProcess(join(BENCH_DIR, 'servers', 'cogo-floor.mjs'), ['--clients', String(CLIENTS), '--issuer', cogo.issuer])
  const everyTokenSigned = {
    ...tokenRequest('cogo', cogo),
    basicClients: { prefix: 'bench-', secretPrefix: 'secret-', count: CLIENTS },
    duration: DURATION,
    warmup: 1,
    connections: 32,
  }
  const targets = [
    ['cogo', serve.child.pid, everyTokenSigned.url],
    ['bound', bound.child.pid, bound.info.url + '/oauth2/token'],
    ['floor', floor.child.pid, floor.info.url + '/oauth2/token'],
  ]
  // Every client once on serve first: a client's first request stores the digest of its secret for good, and that
  // first pass is not what a phase measures (the floor and the bound keep nothing per client). One load of
  // exactly that many, from the first client, given five minutes on a busy machine.
  await runProcess(join(BENCH_DIR, 'load.mjs'), [JSON.stringify({ ...everyTokenSigned, amount: CLIENTS })], { timeoutMs: 300_000 })
  for (const [, , url] of targets) await load({ ...everyTokenSigned, url, duration: 3 })
  log('warmed up')
  let keystoneLoads = 0
  const table = []
  for (const wanted of PHASES) {
    while (keystoneLoads < wanted) {
      const r = await load({ ...tokenRequest('keystone', keystone), duration: KEYSTONE_S, warmup: 0, connections: 32 })
      keystoneLoads++
      log(`keystone load ${keystoneLoads}: ${Math.round(r.rps)}/s, ${r.total} tokens`)
    }
    const rows = { cogo: [], bound: [], floor: [] }
    for (let i = 0; i < REPEAT; i++) {
      for (const [name, pid, url] of i % 2 ? [...targets].reverse() : targets) {
        const mark = serve.out.text.length
        const before = threads(pid)
        const r = await load({ ...everyTokenSigned, url })
        const after = threads(pid)
        const n = r.total + (r.warmupTotal ?? 0)
        const row = { rps: r.rps, non2xx: (r.non2xx ?? 0) + (r.errors ?? 0) }
        for (const k of ['main', 'pool', 'other']) row[k] = (after[k] - before[k]) / n
        row.cpu = row.main + row.pool + row.other
        row.load = r.loadCpuUsPerRequest
        if (name === 'cogo') {
          const gc = gcOf(serve.out.text.slice(mark))
          Object.assign(row, {
            scavengeUs: (gc.scavengeMs * 1000) / n,
            markCompactUs: (gc.markCompactMs * 1000) / n,
            markCompacts: gc.markCompacts,
            grownB: (gc.grownMb * 1048576) / n,
            heapMb: gc.heapMb,
          })
        }
        rows[name].push(row)
        log(
          `  [${wanted} keystone] ${name} ${JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10) / 10 : v])))}`,
        )
      }
    }
    const of = (name, field) => median(rows[name].map((r) => r[field]))
    const pairs = (a, b, field, inverse) => median(rows[a].map((r, i) => (inverse ? rows[b][i][field] / r[field] : r[field] / rows[b][i][field])))
    table.push({
      keystoneLoads: wanted,
      'cogo rps': Math.round(of('cogo', 'rps')),
      'cogo÷bound': pairs('cogo', 'bound', 'rps').toFixed(3),
      'cogo÷floor': pairs('cogo', 'floor', 'rps').toFixed(3),
      'cogo÷bound cpu': pairs('cogo', 'bound', 'cpu', true).toFixed(3),
      'cogo÷floor cpu': pairs('cogo', 'floor', 'cpu', true).toFixed(3),
      'cogo main/pool/other µs': ['main', 'pool', 'other'].map((k) => Math.round(of('cogo', k))).join('/'),
      'floor main/pool/other µs': ['main', 'pool', 'other'].map((k) => Math.round(of('floor', k))).join('/'),
      'bound main/pool/other µs': ['main', 'pool', 'other'].map((k) => Math.round(of('bound', k))).join('/'),
      'scavenge µs': of('cogo', 'scavengeUs').toFixed(1),
      'mark-compact µs': of('cogo', 'markCompactUs').toFixed(1),
      'old-gen growth B': Math.round(of('cogo', 'grownB')),
      'heap MB': Math.round(of('cogo', 'heapMb')),
    })
  }
  console.table(table)
  console.log(JSON.stringify(table))
} finally {
  if (serve) await stopProcess(serve.child)
  if (bound) await bound.stop()
  if (floor) await floor.stop()
}
