// Cost of issuing and of validating a token after 1k, 100k and 1M tokens were
// issued, through the provider's whole pipeline (`provider.handle`: body read,
// routing, client auth, store, journal), and the heap held. Then a rolling
// phase: the mock clock moves past expiry between rounds, and the heap must
// stop growing because expired tokens are purged.
// Run with --expose-gc. Usage: node --expose-gc bench/scale.mjs <keystone|carina>
import { PerformanceObserver } from 'node:perf_hooks'
import { PROVIDERS } from '../dist/mocks/registry.js'
// Older builds (before purging) have no grace constant; an hour is what it is.
const { PURGE_GRACE_MS = 3_600_000 } = await import('../dist/mocks/store/index.js')
import { carinaFlow, carinaFlowFixture } from './carina-flow.mjs'
import { CLIENT_CREDENTIALS, PROTECTED_API, baseUrlOf, tokenRequest } from './scenarios.mjs'

const id = process.argv[2]
const MAX = Number(process.env.BENCH_SCALE_MAX ?? 1_000_000)
const CHECKPOINTS = [1_000, 10_000, 100_000, 1_000_000].filter((n) => n <= MAX)
const CONCURRENCY = 32
const provider = PROVIDERS[id].create({})
await provider.ready
const description = provider.describe()

/** `request` for the Carina flow straight into provider.handle (no msw, no socket). */
async function handleRequest(url, { method = 'GET', headers = {}, body } = {}) {
  const res = await provider.handle(new Request(url, { method, headers, body }))
  return { status: res.status, location: res.headers.get('location'), setCookies: res.headers.getSetCookie(), text: await res.text() }
}

let issueOne // () => Promise<void>
let validateOne // () => Promise<void>
let work
if (CLIENT_CREDENTIALS[id]) {
  work = 'client credentials; protected API call with a random issued token'
  const spec = tokenRequest(id, description)
  const api = PROTECTED_API[id]
  const sample = [] // reservoir of issued tokens to validate
  let seen = 0
  issueOne = async () => {
    const res = await provider.handle(new Request(spec.url, spec), CLIENT_CREDENTIALS[id].origin)
    if (res.status !== 200) throw new Error(`token answered ${res.status}`)
    const token = (await res.json()).access_token
    seen++
    if (sample.length < 10_000) sample.push(token)
    else if (Math.random() < 10_000 / seen) sample[Math.floor(Math.random() * 10_000)] = token
  }
  const url = baseUrlOf(description, api.origin) + api.path
  validateOne = async () => {
    const token = sample[Math.floor(Math.random() * sample.length)]
    const res = await provider.handle(new Request(url, { headers: api.headers(token) }), api.origin)
    if (res.status !== 200) throw new Error(`api answered ${res.status}`)
    await res.arrayBuffer()
  }
} else if (id === 'carina') {
  work = 'refresh grant (rotates: revokes one pair, issues one); GET /me with a live access token'
  const f = carinaFlowFixture(description)
  const chains = []
  for (let i = 0; i < CONCURRENCY; i++) chains.push(await carinaFlow(handleRequest, provider.baseUrl, f))
  let turn = 0
  issueOne = async () => {
    const chain = turn++ % chains.length
    const res = await provider.handle(
      new Request(`${provider.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: chains[chain].refresh_token,
          client_id: f.clientId,
          client_secret: f.clientSecret,
        }).toString(),
      }),
    )
    if (res.status !== 200) throw new Error(`refresh answered ${res.status}: ${await res.text()}`)
    chains[chain] = await res.json()
  }
  validateOne = async () => {
    const token = chains[Math.floor(Math.random() * chains.length)].access_token
    const res = await provider.handle(new Request(`${provider.baseUrl}/me`, { headers: { authorization: `Bearer ${token}` } }))
    if (res.status !== 200) throw new Error(`/me answered ${res.status}`)
    await res.arrayBuffer()
  }
} else throw new Error(`no scale work for ${id}`)

let issued = 0
async function issueMany(n) {
  let left = n
  const worker = async () => {
    while (left > 0) {
      left--
      await issueOne()
      issued++
      // Back to the event loop now and then, as a server between requests:
      // a loop of pure microtasks never lets V8 drop the WeakRefs undici
      // keeps per Response, and the heap would measure that instead.
      if (issued % 256 === 0) await new Promise(setImmediate)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

// GC pauses on the main thread, to tell what grows with the heap: the
// per-operation figures below include them, as a client would see them.
const gcPauses = []
new PerformanceObserver((list) => gcPauses.push(...list.getEntries())).observe({ entryTypes: ['gc'] })
// perf_hooks constants: NODE_PERFORMANCE_GC_MAJOR (mark-compact) and _INCREMENTAL (its marking steps).
const OLD_GENERATION_GC = [4, 8]

/**
 * Median over batches of the mean time of one sequential operation, µs; the
 * process's CPU time per operation over all batches (every thread, GC helpers
 * included: steadier than wall time on a shared machine); and the GC pause
 * time per operation (`majorGcUs` the old generation's part: mark-compact
 * and incremental marking).
 */
async function cost(op, batches = 7, size = 1000) {
  const means = []
  await new Promise(setImmediate) // gc entries of earlier work are delivered by now
  gcPauses.length = 0
  const start = performance.now()
  const cpu0 = process.cpuUsage()
  for (let b = 0; b < batches; b++) {
    await new Promise(setImmediate)
    const t0 = performance.now()
    for (let i = 0; i < size; i++) await op()
    means.push(((performance.now() - t0) * 1000) / size)
  }
  const cpu = process.cpuUsage(cpu0)
  const end = performance.now()
  await new Promise(setImmediate)
  const pauses = gcPauses.filter((e) => e.startTime >= start && e.startTime < end)
  const gcUs = (kinds) =>
    (pauses.filter((e) => kinds === undefined || kinds.includes(e.detail?.kind)).reduce((sum, e) => sum + e.duration, 0) * 1000) / (batches * size)
  means.sort((a, b) => a - b)
  return { us: means[Math.floor(batches / 2)], cpuUs: (cpu.user + cpu.system) / (batches * size), gcUs: gcUs(), majorGcUs: gcUs(OLD_GENERATION_GC) }
}

const round1 = (x) => Math.round(x * 10) / 10

function heapMB() {
  globalThis.gc?.()
  globalThis.gc?.()
  return process.memoryUsage().heapUsed / 1048576
}

const records = () => provider.store.tokens.collection.count()
const points = []
// Warm the JIT on both paths before the first checkpoint: measured cold, the first point is the slowest and flatters every ratio after it.
await issueMany(200)
for (let i = 0; i < 3000; i++) await validateOne()
for (const checkpoint of CHECKPOINTS) {
  await issueMany(checkpoint - issued)
  const issue = await cost(async () => {
    await issueOne()
    issued++
  })
  const validate = await cost(validateOne)
  points.push({
    issued: checkpoint,
    issueUs: issue.us,
    validateUs: validate.us,
    heapMB: heapMB(),
    records: records(),
    cpuUsPerOp: { issue: round1(issue.cpuUs), validate: round1(validate.cpuUs) },
    gcUsPerOp: { issue: round1(issue.gcUs), issueMajor: round1(issue.majorGcUs), validate: round1(validate.gcUs), validateMajor: round1(validate.majorGcUs) },
  })
  process.stderr.write(`${id} @${checkpoint}: ${JSON.stringify(points.at(-1))}\n`)
}

// Rolling: each round moves the clock past every token's expiry and grace,
// then issues as many tokens again; sweeps triggered by issuance must keep
// the store (and the heap) from growing round after round.
const ttlSeconds = provider.config.token?.accessTokenTtlSeconds ?? provider.config.tokenExpirationSeconds ?? 7200
const perRound = Math.min(200_000, Math.max(10_000, Math.floor(MAX / 5)))
const rolling = []
for (let round = 0; round < 5; round++) {
  provider.clock.advance(ttlSeconds + PURGE_GRACE_MS / 1000 + 1)
  await issueMany(perRound)
  rolling.push({ issued, heapMB: heapMB(), records: records() })
  process.stderr.write(`${id} rolling ${round}: ${JSON.stringify(rolling.at(-1))}\n`)
}

process.stdout.write(JSON.stringify({ provider: id, work, points, rolling, perRound }) + '\n')
process.exit(0)
