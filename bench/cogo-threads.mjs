// Where each server's CPU goes, thread by thread, under the "every token
// signed" load (32 connections, the 50,000 bench clients in turn): Cogo
// (`serve`), the Node bound (bench/servers/rs256-bound.mjs), the Cogo
// fidelity floor (bench/servers/cogo-floor.mjs) and the same floor keeping a
// journal as objects (`--journal`) and as bytes off V8's heap (`--journal
// arena`), loads alternated A B C D E, E D C B A...
// CPU from /proc/<pid>/task/*/stat around each load, µs a request (warm-up
// requests included, as they are timed too): the main thread, libuv's pool
// (the signatures; its 4 threads start at the first one, so they are the
// process's newest) and the rest (V8's GC and compiler helpers). CPU time,
// not rates: a neighbour's load moves rates far more than it moves these.
// Not part of `npm run bench`. BENCH_THREADS_ROUNDS (default 4), BENCH_THREADS_DURATION (s, default 4),
// BENCH_THREADS_EXTRA: more servers, `name=script arg...` separated by `;` (another build's bench/servers/oauth-dance.mjs, say).
// BENCH_THREADS_ONLY: the servers to run, by name, comma-separated (`cogo,base` for an A/B of two builds alone).
import { join } from 'node:path'
import { BENCH_DIR, load, median, startProcess } from './lib.mjs'
import { threadCpuUs } from './cogo-cpu.mjs'

const ROUNDS = Number(process.env.BENCH_THREADS_ROUNDS ?? 4)
const DURATION = Number(process.env.BENCH_THREADS_DURATION ?? 4)
const CLIENTS = 50_000
const defs = [
  ['cogo', join(BENCH_DIR, 'servers', 'oauth-dance.mjs'), ['--cogo-clients', String(CLIENTS)]],
  ['bound', join(BENCH_DIR, 'servers', 'rs256-bound.mjs'), []],
  ['floor', join(BENCH_DIR, 'servers', 'cogo-floor.mjs'), ['--clients', String(CLIENTS)]],
  ['floor-journal', join(BENCH_DIR, 'servers', 'cogo-floor.mjs'), ['--clients', String(CLIENTS), '--journal']],
  ['floor-arena', join(BENCH_DIR, 'servers', 'cogo-floor.mjs'), ['--clients', String(CLIENTS), '--journal', 'arena']],
]
for (const extra of (process.env.BENCH_THREADS_EXTRA ?? '').split(';').filter(Boolean)) {
  const [name, command] = extra.split('=')
  const [script, ...args] = command.trim().split(/\s+/)
  defs.push([name, script, args])
}

const only = process.env.BENCH_THREADS_ONLY?.split(',')
const unknown = only?.filter((name) => !defs.some(([known]) => known === name)) ?? []
if (unknown.length) throw new Error(`BENCH_THREADS_ONLY names no server ${unknown.join(', ')}: the servers are ${defs.map(([name]) => name).join(', ')}`)
const servers = []
try {
  for (const [name, script, args] of only ? defs.filter(([name]) => only.includes(name)) : defs) {
    const started = await startProcess(script, args, { timeoutMs: 60_000 })
    const { info } = started
    servers.push({ name, started, url: info.providers ? info.providers.cogo.tokenEndpoint : `${info.url}/oauth2/token`, rows: [] })
  }
  const spec = {
    duration: DURATION,
    warmup: 1,
    connections: 32,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    basicClients: { prefix: 'bench-', secretPrefix: 'secret-', count: CLIENTS },
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const server of round % 2 ? [...servers].reverse() : servers) {
      const before = threadCpuUs(server.started.child.pid)
      const r = await load({ ...spec, url: server.url })
      const after = threadCpuUs(server.started.child.pid)
      const n = r.total + (r.warmupTotal ?? 0)
      const row = { rps: Math.round(r.rps), non2xx: r.non2xx ?? 0, errors: r.errors ?? 0 }
      for (const k of ['main', 'pool', 'other']) row[k] = Math.round((after[k] - before[k]) / n)
      row.load = Math.round(r.loadCpuUsPerRequest)
      server.rows.push(row)
      process.stderr.write(`round ${round + 1} ${server.name} ${JSON.stringify(row)}\n`)
    }
  }
  // The first round warms the JIT up: medians over the others when there are.
  const summary = {}
  for (const server of servers) {
    const rows = server.rows.length > 1 ? server.rows.slice(1) : server.rows
    summary[server.name] = Object.fromEntries(['rps', 'main', 'pool', 'other', 'load'].map((k) => [k, median(rows.map((row) => row[k]))]))
  }
  process.stdout.write(JSON.stringify(summary) + '\n')
} finally {
  await Promise.all(servers.map((s) => s.started.stop()))
}
