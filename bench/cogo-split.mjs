// Where Cogo's main thread spends a token request that signs, in process and
// without HTTP: `provider.answer` on a prebuilt request (as `serve` passes one),
// main-thread CPU time from /proc (schedstat) (the signature itself runs on libuv's pool).
// Variants, alternating in batches within one process:
//   cached      one client: the token already signed this second is handed back (no signature)
//   clients     50,000 clients in turn, the signature replaced by a token at hand (claims, signing not reached)
//   signed      50,000 clients in turn, every request signs (as the "every token signed" bench)
//   unmemoized  as signed, the key ring's memo left out (each request signs and nothing is remembered)
// Prints µs of main-thread CPU a request for each (median of batches), and
// `gc`: per variant, µs of garbage collection a request (wall time of the
// pauses, from perf_hooks' gc entries) and the old generation's growth in
// bytes a request (promotion, as heap statistics see it between batches).
import { readFileSync } from 'node:fs'
import { PerformanceObserver } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'
import { PROVIDERS } from '../dist/mocks/registry.js'
import { NodeRequest, RawHeaders } from '../dist/mocks/core/request.js'
import { addCogoBenchClients, basic, median } from './lib.mjs'

const CLIENTS = 50_000
const BATCH = 3200
const IN_FLIGHT = 32
const ROUNDS = Number(process.env.BENCH_SPLIT_ROUNDS ?? 8)
// BENCH_SPLIT_JOURNAL=off: the journal off (serve keeps it on).
const provider = PROVIDERS.cogo.create({ journal: process.env.BENCH_SPLIT_JOURNAL !== 'off' })
await provider.ready
addCogoBenchClients(provider, CLIENTS)
const description = provider.describe()
const url = description.baseUrl + '/oauth2/token'
const body = { text: 'grant_type=client_credentials' }
const request = (authorization) =>
  new NodeRequest(
    'POST',
    url,
    new RawHeaders(['Host', new URL(url).host, 'Content-Type', 'application/x-www-form-urlencoded', 'Content-Length', '29', 'Authorization', authorization]),
  )
const first = description.clients[0]
const cachedAuth = basic(first.id, first.secret)
const rotating = Array.from({ length: CLIENTS }, (_, i) => basic(`bench-${i}`, `secret-${i}`))
let next = 0
const ring = provider.store.keys
const realIssued = ring.issued
const fake = Promise.resolve('x.y.z')

// The main thread's time on a CPU, ns in schedstat's first field (stat's user and system times count 10 ms ticks).
const mainCpuUs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1000
let gcMs = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration
}).observe({ entryTypes: ['gc'] })
const oldBytes = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size
const gcFigures = {}
async function batch(kind) {
  ring.issued = kind === 'clients' ? () => fake : kind === 'unmemoized' ? (kid, client, iss, aud, ttl, iat, sign) => sign() : realIssued
  const gc0 = gcMs
  const old0 = oldBytes()
  const t = mainCpuUs()
  // 32 requests in flight, as the 32 connections of the bench keep the main thread busy.
  const worker = async () => {
    for (let i = 0; i < BATCH / IN_FLIGHT; i++) {
      const reply = await provider.answer(request(kind === 'cached' ? cachedAuth : rotating[next++ % CLIENTS]), 'auth', body)
      if (reply.status !== 200) throw new Error(`cogo answered ${reply.status}`)
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  const cpu = (mainCpuUs() - t) / BATCH
  // Entries arrive on a later turn: let them in before reading.
  await new Promise((resolve) => setImmediate(resolve))
  ;(gcFigures[kind] ??= { us: [], promoted: [] }).us.push(((gcMs - gc0) * 1000) / BATCH)
  gcFigures[kind].promoted.push((oldBytes() - old0) / BATCH)
  return cpu
}
// Every client once before the batches, as run.mjs does before its rounds: Cogo keeps a client's secret
// digest from its first request on, and a batch that met clients first would count those kept digests
// (promoted by the next scavenge) as its own garbage collection.
ring.issued = () => fake
const warm = async (w) => {
  for (let i = w; i < CLIENTS; i += IN_FLIGHT) await provider.answer(request(rotating[i]), 'auth', body)
}
await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => warm(w)))
const kinds = process.env.BENCH_SPLIT_ONLY ? process.env.BENCH_SPLIT_ONLY.split(',') : ['cached', 'clients', 'signed']
for (const k of kinds) await batch(k)
const figures = Object.fromEntries(kinds.map((k) => [k, []]))
for (let r = 0; r < ROUNDS; r++) for (const k of kinds) figures[k].push(await batch(k))
const gc = Object.fromEntries(kinds.map((k) => [k, { us: Number(median(gcFigures[k].us).toFixed(1)), promoted: Math.round(median(gcFigures[k].promoted)) }]))
process.stdout.write(JSON.stringify({ ...Object.fromEntries(kinds.map((k) => [k, Number(median(figures[k]).toFixed(1))])), gc }) + '\n')
