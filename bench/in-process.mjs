// In-process round trips through msw `setupServer` (what a vitest suite pays
// per request), beside msw's floor measured in the same process:
//   trivial            a single msw handler answering a fixed token (msw's floor)
//   <provider> <work>  the provider's own handlers, e.g. "keystone token", "carina refresh"
// One process per provider variant, so providers never share a process. Its
// batches alternate with batches of the trivial handler (T V T V ... T), one
// set of handlers active at a time (`resetHandlers` between batches), and each
// variant batch is divided by the mean of its two neighbouring trivial
// batches: the baseline is measured seconds from the variant, through the
// same fetch, msw and interceptor, and drifts of a shared machine weigh on both.
// Sequential requests through global fetch; prints batch medians and the
// median of the per-batch ratios.
import { setupServer } from 'msw/node'
import { http, HttpResponse } from 'msw'
import { mswHandlers } from '../dist/mocks/msw.js'
import { PROVIDERS } from '../dist/mocks/registry.js'
import { carinaFlow, carinaFlowFixture, fetchRequest } from './carina-flow.mjs'
import { CLIENT_CREDENTIALS, PROTECTED_API, baseUrlOf, obtainToken, tokenRequest } from './scenarios.mjs'
import { median } from './lib.mjs'

const [variant, work = 'token', journalArg] = process.argv.slice(2)
const WARMUP = 3000
// Round trips of the variant (and as many of the trivial handler).
const N = Number(process.env.BENCH_IN_PROCESS_N ?? 20_000)
const BATCH = 250

const trivialUrl = 'https://trivial.example/oauth/token'
const trivialToken = { access_token: 'a'.repeat(64), token_type: 'Bearer', expires_in: 3600 }
const trivialHandlers = [http.all(trivialUrl, () => HttpResponse.json(trivialToken))]
/**
 * The trivial handler's request: by default a bare form POST; beside a
 * variant, its twin (`twin.init()`: the variant's method, headers and body,
 * read back as the variant reads its answer), so that what the client builds
 * and reads weighs alike on both sides and the ratio is the handler's.
 */
let twin = {
  init: () => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' }),
  json: false,
}
const trivial = async () => {
  const res = await fetch(trivialUrl, twin.init())
  if (res.status !== 200) throw new Error(`trivial answered ${res.status}`)
  await (twin.json ? res.json() : res.text())
}

const server = setupServer()
server.listen({ onUnhandledRequest: 'error' })
let next // () => Promise<void>: one round trip
let handlers // the msw handlers `next` needs
if (variant === 'trivial') {
  // The trivial handler against itself: the method's own spread (ratios around 1).
  handlers = trivialHandlers
  next = trivial
} else {
  const provider = PROVIDERS[variant].create({ journal: journalArg !== 'no-journal' })
  handlers = mswHandlers(provider)
  server.resetHandlers(...handlers)
  await provider.ready
  const description = provider.describe()
  if ((work === 'token' || work === 'token-signed') && CLIENT_CREDENTIALS[variant]) {
    const spec = tokenRequest(variant, description)
    // token-signed: the mock clock moves a second before each request, so Cogo cannot hand back the token it signed for the previous one.
    const moveClock = work === 'token-signed'
    twin = { init: () => ({ method: spec.method, headers: spec.headers, body: spec.body }), json: false }
    next = async () => {
      if (moveClock) provider.clock.advance(1)
      const res = await fetch(spec.url, spec)
      if (res.status !== 200) throw new Error(`${variant} token answered ${res.status}: ${await res.text()}`)
      await res.text()
    }
  } else if (variant === 'carina' && work === 'refresh') {
    // Carina has no client credentials: its token endpoint issues tokens by
    // refresh, each request rotating the pair (revoke the old, issue a new one).
    const f = carinaFlowFixture(description)
    let refresh = (await carinaFlow(fetchRequest, provider.baseUrl, f)).refresh_token
    const init = () => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, client_id: f.clientId, client_secret: f.clientSecret }).toString(),
    })
    twin = { init, json: true }
    next = async () => {
      const res = await fetch(`${provider.baseUrl}/oauth/token`, init())
      if (res.status !== 200) throw new Error(`carina refresh answered ${res.status}: ${await res.text()}`)
      refresh = (await res.json()).refresh_token
    }
  } else if (work === 'api' && PROTECTED_API[variant]) {
    const api = PROTECTED_API[variant]
    const token = await obtainToken(variant, description, { carinaFlow, request: fetchRequest })
    const url = baseUrlOf(description, api.origin) + api.path
    twin = { init: () => ({ headers: api.headers(token) }), json: false }
    next = async () => {
      const res = await fetch(url, { headers: api.headers(token) })
      if (res.status !== 200) throw new Error(`${variant} api answered ${res.status}`)
      await res.text()
    }
  } else if (variant === 'carina' && work === 'flow') {
    const f = carinaFlowFixture(description)
    next = () => carinaFlow(fetchRequest, provider.baseUrl, f)
  } else throw new Error(`no in-process work "${work}" for ${variant}`)
}

/**
 * Lets the event loop turn once. msw answers through promises alone, so
 * without this the whole run is one job, and V8 keeps every object a WeakRef
 * was made to during a job (undici makes one for each request's
 * AbortController, which holds the request's signal and tee'd body streams)
 * until the job ends: the heap would grow by every round trip of the run, and
 * scavenges copy it all, a cost that grows with the run's length and weighs
 * on the side that allocates more. A test suite's event loop turns between
 * tests; here it turns between batches, outside the measured time.
 */
const endJob = () => new Promise((resolve) => setImmediate(resolve))

/**
 * `count` sequential round trips of `run` with `active` as msw's only handlers:
 * the wall time and this process's CPU time (every thread: GC helpers
 * included) of one, µs; each one's wall ms into `times`. CPU time leaves out
 * what wall time counts when a neighbour's process takes the core.
 */
async function batch(active, run, count, times = []) {
  server.resetHandlers(...active)
  await endJob()
  const cpu = process.cpuUsage()
  const t = performance.now()
  for (let i = 0; i < count; i++) {
    const t0 = performance.now()
    await run()
    times.push(performance.now() - t0)
  }
  const wallUs = ((performance.now() - t) * 1000) / count
  const { user, system } = process.cpuUsage(cpu)
  return { wallUs, cpuUs: (user + system) / count }
}

for (let i = 0; i < WARMUP / BATCH; i++) {
  await batch(trivialHandlers, trivial, BATCH)
  await batch(handlers, next, BATCH)
}
const times = []
const trivialBatches = [await batch(trivialHandlers, trivial, BATCH)]
const variantBatches = []
const ratios = { wallUs: [], cpuUs: [] }
for (let b = 0; b < N / BATCH; b++) {
  variantBatches.push(await batch(handlers, next, BATCH, times))
  trivialBatches.push(await batch(trivialHandlers, trivial, BATCH))
  for (const field of ['wallUs', 'cpuUs']) ratios[field].push(variantBatches[b][field] / ((trivialBatches[b][field] + trivialBatches[b + 1][field]) / 2))
}
times.sort((a, b) => a - b)
process.stdout.write(
  JSON.stringify({
    variant,
    work,
    n: times.length,
    batch: BATCH,
    // Median batch means of the variant and of the trivial handler around it, µs a round trip.
    medianUs: median(variantBatches.map((x) => x.wallUs)),
    trivialMedianUs: median(trivialBatches.map((x) => x.wallUs)),
    cpuUs: median(variantBatches.map((x) => x.cpuUs)),
    trivialCpuUs: median(trivialBatches.map((x) => x.cpuUs)),
    // The figures the target reads: the median of the per-batch ratios, by CPU time and by wall time.
    ratio: median(ratios.cpuUs),
    wallRatio: median(ratios.wallUs),
    meanUs: (times.reduce((a, b) => a + b, 0) / times.length) * 1000,
    p50Us: times[Math.floor(times.length / 2)] * 1000,
    p99Us: times[Math.floor(times.length * 0.99)] * 1000,
  }) + '\n',
)
process.exit(0)
