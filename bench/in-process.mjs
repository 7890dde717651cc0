// In-process round trips through msw `setupServer` (what a vitest suite pays
// per request), one variant per process so interceptors never stack:
//   trivial            a single msw handler answering a fixed token (msw's floor)
//   <provider> <work>  the provider's own handlers, e.g. "keystone token", "carina refresh"
// Sequential requests through global fetch; prints mean/p50/p99 in µs.
import { setupServer } from 'msw/node'
import { http, HttpResponse } from 'msw'
import { mswHandlers } from '../dist/mocks/msw.js'
import { PROVIDERS } from '../dist/mocks/registry.js'
import { carinaFlow, carinaFlowFixture, fetchRequest } from './carina-flow.mjs'
import { CLIENT_CREDENTIALS, PROTECTED_API, baseUrlOf, obtainToken, tokenRequest } from './scenarios.mjs'

const [variant, work = 'token', journalArg] = process.argv.slice(2)
const WARMUP = 3000
const N = Number(process.env.BENCH_IN_PROCESS_N ?? 20_000)

let next // () => Promise<void>: one round trip
if (variant === 'trivial') {
  const url = 'https://trivial.example/oauth/token'
  const token = { access_token: 'a'.repeat(64), token_type: 'Bearer', expires_in: 3600 }
  setupServer(http.post(url, () => HttpResponse.json(token))).listen({ onUnhandledRequest: 'error' })
  next = async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })
    if (res.status !== 200) throw new Error(`trivial answered ${res.status}`)
    await res.text()
  }
} else {
  const provider = PROVIDERS[variant].create({ journal: journalArg !== 'no-journal' })
  setupServer(...mswHandlers(provider)).listen({ onUnhandledRequest: 'error' })
  await provider.ready
  const description = provider.describe()
  if ((work === 'token' || work === 'token-signed') && CLIENT_CREDENTIALS[variant]) {
    const spec = tokenRequest(variant, description)
    // token-signed: the mock clock moves a second before each request, so Cogo cannot hand back the token it signed for the previous one.
    const moveClock = work === 'token-signed'
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
    next = async () => {
      const res = await fetch(`${provider.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh, client_id: f.clientId, client_secret: f.clientSecret }).toString(),
      })
      if (res.status !== 200) throw new Error(`carina refresh answered ${res.status}: ${await res.text()}`)
      refresh = (await res.json()).refresh_token
    }
  } else if (work === 'api' && PROTECTED_API[variant]) {
    const api = PROTECTED_API[variant]
    const token = await obtainToken(variant, description, { carinaFlow, request: fetchRequest })
    const url = baseUrlOf(description, api.origin) + api.path
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

for (let i = 0; i < WARMUP; i++) await next()
// Batches of BATCH round trips; the median batch mean resists the noise of a
// shared machine (another process's burst inflates a mean for one batch only).
const BATCH = 500
const times = new Float64Array(N)
const batchMeans = []
for (let i = 0; i < N; i++) {
  const t0 = performance.now()
  await next()
  times[i] = performance.now() - t0
  if ((i + 1) % BATCH === 0) batchMeans.push(times.slice(i + 1 - BATCH, i + 1).reduce((a, b) => a + b, 0) / BATCH)
}
const sorted = [...times].sort((a, b) => a - b)
batchMeans.sort((a, b) => a - b)
const mean = times.reduce((a, b) => a + b, 0) / N
process.stdout.write(
  JSON.stringify({
    variant,
    work,
    n: N,
    medianUs: batchMeans[Math.floor(batchMeans.length / 2)] * 1000,
    meanUs: mean * 1000,
    p50Us: sorted[Math.floor(N / 2)] * 1000,
    p99Us: sorted[Math.floor(N * 0.99)] * 1000,
  }) + '\n',
)
process.exit(0)
