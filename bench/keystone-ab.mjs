// Two builds of `serve` under the same Keystone client-credentials load, taking
// turns (A B, then B A, ...): the server's CPU a token (every thread, from
// /proc) and its rate, and B ÷ A within each round. For trying a change to
// Keystone's path: `npm run build` in a second worktree, then
// `node bench/keystone-ab.mjs <root A> <root B> [rounds, default 10]`, each
// root holding its own dist/ and bench/servers/oauth-dance.mjs (a full
// `serve` as a user starts it, journal on). 32 connections, 1 s warm-up and
// 4 s measured a load. Not part of `npm run bench`.
import { join, resolve } from 'node:path'
import { load, median, processCpuUs, startProcess, stopProcess } from './lib.mjs'
import { tokenRequest } from './scenarios.mjs'

const [a, b] = process.argv.slice(2, 4).map((root) => root && resolve(root))
if (!a || !b) throw new Error('usage: node bench/keystone-ab.mjs <root A> <root B> [rounds]')
const ROUNDS = Number(process.argv[4] ?? 10)

const servers = { A: await startProcess(join(a, 'bench/servers/oauth-dance.mjs')), B: await startProcess(join(b, 'bench/servers/oauth-dance.mjs')) }
const rows = { A: [], B: [] }
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const key of round % 2 ? ['B', 'A'] : ['A', 'B']) {
      const server = servers[key]
      const before = processCpuUs(server.child.pid)
      const r = await load({ kind: 'http', ...tokenRequest('keystone', server.info.providers.keystone), connections: 32, duration: 4, warmup: 1 })
      rows[key].push({ rps: r.rps, cpuUs: (processCpuUs(server.child.pid) - before) / (r.total + r.warmupTotal) })
    }
    const [ra, rb] = [rows.A[round], rows.B[round]]
    process.stderr.write(`round ${round + 1}: A ${Math.round(ra.rps)}/s ${ra.cpuUs.toFixed(1)} µs, B ${Math.round(rb.rps)}/s ${rb.cpuUs.toFixed(1)} µs\n`)
  }
  const cpu = rows.A.map((r, i) => rows.B[i].cpuUs / r.cpuUs)
  const rate = rows.A.map((r, i) => rows.B[i].rps / r.rps)
  console.log(`B ÷ A, CPU a token: ${cpu.map((x) => x.toFixed(3)).join(' ')}; median ${median(cpu).toFixed(3)}`)
  console.log(`B ÷ A, rate: ${rate.map((x) => x.toFixed(3)).join(' ')}; median ${median(rate).toFixed(3)}`)
} finally {
  for (const server of Object.values(servers)) await stopProcess(server.child)
}
