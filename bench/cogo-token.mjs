// Cogo's token endpoint in-process (issue 6), interleaved rounds so each ratio
// compares figures measured moments apart on a shared machine:
//   trivial   a single msw handler answering a fixed token (msw's floor)
//   cogo      client credentials, sequential, the mock clock as it runs
//             (requests within one second get the token already signed)
//   cogo-sign the same with the mock clock advanced 1 s before each request,
//             so every token is signed at request time (the signing path's cost)
// `node bench/cogo-token.mjs [rounds]` after `npm run build`; one process per
// variant and round, so msw interceptors never stack. Prints, per round, the
// median batch's wall µs and all threads' CPU µs per round trip, and their ratios.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const [, , mode, arg] = process.argv
const N = Number(process.env.BENCH_IN_PROCESS_N ?? 6000)
const WARMUP = 1000

if (mode === 'child') {
  const { setupServer } = await import('msw/node')
  const { http, HttpResponse } = await import('msw')
  let next
  if (arg === 'trivial') {
    const url = 'https://trivial.example/oauth/token'
    const token = { access_token: 'a'.repeat(64), token_type: 'Bearer', expires_in: 3600 }
    setupServer(http.post(url, () => HttpResponse.json(token))).listen({ onUnhandledRequest: 'error' })
    next = async () => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })
      if (res.status !== 200) throw new Error(`trivial answered ${res.status}`)
      await res.text()
    }
  } else {
    const { mswHandlers } = await import('../dist/mocks/msw.js')
    const { PROVIDERS } = await import('../dist/mocks/registry.js')
    const { tokenRequest } = await import('./scenarios.mjs')
    const provider = PROVIDERS.cogo.create({})
    setupServer(...mswHandlers(provider)).listen({ onUnhandledRequest: 'error' })
    await provider.ready
    const spec = tokenRequest('cogo', provider.describe())
    const advance = arg === 'cogo-sign'
    next = async () => {
      if (advance) provider.clock.advance(1)
      const res = await fetch(spec.url, spec)
      if (res.status !== 200) throw new Error(`cogo answered ${res.status}: ${await res.text()}`)
      await res.text()
    }
  }
  for (let i = 0; i < WARMUP; i++) await next()
  const BATCH = 250
  const means = []
  const cpu0 = process.cpuUsage()
  for (let b = 0; b < N / BATCH; b++) {
    const t0 = performance.now()
    for (let i = 0; i < BATCH; i++) await next()
    means.push(((performance.now() - t0) / BATCH) * 1000)
  }
  const cpu = process.cpuUsage(cpu0)
  means.sort((a, b) => a - b)
  // CPU time of every thread (the thread pool's signatures included) per round trip: steadier than wall time when other processes compete for the cores.
  process.stdout.write(JSON.stringify({ medianUs: means[Math.floor(means.length / 2)], cpuUs: (cpu.user + cpu.system) / N }) + '\n')
  process.exit(0)
}

const rounds = Number(mode ?? 3)
const variants = ['trivial', 'cogo', 'cogo-sign']
const self = fileURLToPath(import.meta.url)
const all = Object.fromEntries(variants.map((v) => [v, []]))
for (let r = 0; r < rounds; r++) {
  const row = {}
  for (const v of variants) {
    const out = spawnSync(process.execPath, [self, 'child', v], { encoding: 'utf8' })
    if (out.status !== 0) throw new Error(out.stderr)
    row[v] = JSON.parse(out.stdout)
    all[v].push(row[v])
  }
  const show = (m) =>
    `${variants.map((v) => `${v} ${row[v][m].toFixed(0)}`).join(', ')} µs; cogo ÷ trivial ${(row.cogo[m] / row.trivial[m]).toFixed(2)}, cogo-sign ÷ trivial ${(row['cogo-sign'][m] / row.trivial[m]).toFixed(2)}`
  console.log(`round ${r + 1}: wall ${show('medianUs')}`)
  console.log(`         cpu  ${show('cpuUs')}`)
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ratio = (v, m) => med(all[v].map((x, i) => x[m] / all.trivial[i][m])).toFixed(2)
console.log(
  `median of rounds: wall cogo ÷ trivial ${ratio('cogo', 'medianUs')}, cogo-sign ÷ trivial ${ratio('cogo-sign', 'medianUs')}; cpu cogo ÷ trivial ${ratio('cogo', 'cpuUs')}, cogo-sign ÷ trivial ${ratio('cogo-sign', 'cpuUs')}`,
)
