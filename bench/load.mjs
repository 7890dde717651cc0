// The load generator, always run in its own process so its CPU is not the
// server's. Reads one JSON spec from argv, prints one JSON result on stdout.
//
//   kind "http": autocannon on one request (warm-up run discarded)
//   kind "carina-flow": virtual users playing the whole Carina authorization
//   code flow (authorize, login page, login, authorize again, consent when shown, token)
import http from 'node:http'
import autocannon from 'autocannon'
import { carinaFlow } from './carina-flow.mjs'

const spec = JSON.parse(process.argv[2])

function cannon(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)))
  })
}

/**
 * `spec.basicClients: { prefix, secretPrefix, count, start }`: every request
 * authenticates as the next of `count` clients (`<prefix><i>:<secretPrefix><i>`),
 * round robin across all connections, from client `start` (default 0).
 * `basic.next` is then the client the next load should start with.
 */
const basic = { next: 0 }
function rotatingBasic({ prefix, secretPrefix, count, start = 0 }, baseHeaders) {
  // Built before the run: the load generator shares the machine's two cores with the server, so its own work per request is kept small.
  const headers = Array.from({ length: count }, (_, i) => ({
    ...baseHeaders,
    authorization: `Basic ${Buffer.from(`${prefix}${i}:${secretPrefix}${i}`).toString('base64')}`,
  }))
  basic.next = start % count
  return [
    {
      setupRequest(request) {
        request.headers = headers[basic.next]
        basic.next = basic.next === count - 1 ? 0 : basic.next + 1
        return request
      },
    },
  ]
}

async function runHttp() {
  const base = { url: spec.url, method: spec.method ?? 'GET', headers: spec.headers ?? {}, body: spec.body, connections: spec.connections ?? 32, pipelining: 1 }
  if (spec.basicClients) base.requests = rotatingBasic(spec.basicClients, base.headers)
  // `spec.amount`: exactly that many requests, no warm-up (the memory section compares bursts of equal size).
  const warm = spec.amount ? { requests: { total: 0 } } : await cannon({ ...base, duration: spec.warmup ?? 2 })
  const cpu0 = process.cpuUsage()
  const r = await cannon(spec.amount ? { ...base, amount: spec.amount } : { ...base, duration: spec.duration ?? 5 })
  const cpu = process.cpuUsage(cpu0)
  return {
    warmupTotal: warm.requests.total,
    // This process's CPU per measured request: what the load generator takes from the machine's two cores.
    loadCpuUsPerRequest: r.requests.total ? (cpu.user + cpu.system) / r.requests.total : null,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    ...(spec.basicClients && { basicNext: basic.next }),
  }
}

// ---- the Carina flow ----

const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections ?? 32 })

function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers, agent }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          location: res.headers.location,
          setCookies: res.headers['set-cookie'] ?? [],
          text: Buffer.concat(chunks).toString(),
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function runFlows() {
  const users = spec.connections ?? 32
  let counting = false
  let done = 0
  let errors = 0
  let firstError
  const latencies = []
  let stop = false
  const vu = async () => {
    while (!stop) {
      const t0 = performance.now()
      try {
        await carinaFlow(request, spec.url, spec.flow)
        if (counting) {
          done++
          latencies.push(performance.now() - t0)
        }
      } catch (error) {
        errors++
        firstError ??= error.message
      }
    }
  }
  const running = Array.from({ length: users }, vu)
  await new Promise((r) => setTimeout(r, (spec.warmup ?? 2) * 1000))
  counting = true
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, (spec.duration ?? 5) * 1000))
  const seconds = (performance.now() - t0) / 1000
  counting = false
  stop = true
  await Promise.all(running)
  latencies.sort((a, b) => a - b)
  return {
    rps: done / seconds,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
    total: done,
    errors,
    firstError,
  }
}

const result = spec.kind === 'carina-flow' ? await runFlows() : await runHttp()
process.stdout.write(JSON.stringify(result) + '\n')
agent.destroy()
