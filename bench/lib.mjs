// Process helpers for the benchmark: every server and the load generator run
// in child processes, started and stopped here, bounded in time.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
export const ROOT = join(BENCH_DIR, '..')

/** Starts a node script, resolves with its first stdout line parsed as JSON and a stop(). */
export function startProcess(script, args = [], { nodeArgs = [], timeoutMs = 20_000, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env })
    let out = ''
    let err = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${script} did not start within ${timeoutMs} ms: ${err.slice(-500)}`))
    }, timeoutMs)
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)))
    child.stdout.on('data', (d) => {
      out += d
      const nl = out.indexOf('\n')
      if (nl === -1) return
      clearTimeout(timer)
      child.stdout.removeAllListeners('data')
      child.stdout.resume()
      try {
        resolve({ info: JSON.parse(out.slice(0, nl)), child, stop: () => stopProcess(child), stderr: () => err })
      } catch {
        child.kill('SIGKILL')
        reject(new Error(`${script} printed no JSON: ${out.slice(0, 200)}`))
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${script} exited with ${code}: ${err.slice(-800)}`))
    })
  })
}

export function stopProcess(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** Runs a script to completion and parses the last stdout line as JSON. */
export function runProcess(script, args = [], { nodeArgs = [], timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${script} ran past ${timeoutMs} ms`))
    }, timeoutMs)
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)))
    child.on('exit', (code) => {
      clearTimeout(timer)
      const line = out.trim().split('\n').pop()
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${err.slice(-800)}`))
      try {
        resolve(JSON.parse(line))
      } catch {
        reject(new Error(`${script} printed no JSON: ${out.slice(-300)} ${err.slice(-300)}`))
      }
    })
  })
}

/**
 * Where the next load of rotating Basic clients to a URL starts: where the last
 * one to it ended. Each load starting at the first client would take the same
 * first clients again and again while the rest were never asked for a token.
 */
const basicStart = new Map()

/** One load run in the load generator's own process. */
export async function load(spec) {
  // A run of `amount` requests is given 1 ms each (1,000 requests/s at the least) beyond the 30 s margin.
  const timeoutMs = spec.amount ? spec.amount + 30_000 : ((spec.warmup ?? 2) + (spec.duration ?? 5)) * 1000 * 3 + 30_000
  const clients = spec.basicClients
  const key = clients && `${spec.url} ${clients.prefix} ${clients.count}`
  if (clients && clients.start === undefined) spec = { ...spec, basicClients: { ...clients, start: basicStart.get(key) ?? 0 } }
  const r = await runProcess(join(BENCH_DIR, 'load.mjs'), [JSON.stringify(spec)], { timeoutMs })
  if (clients && r.basicNext !== undefined) basicStart.set(key, r.basicNext)
  return r
}

/** The median of the finite numbers among `values` (the lower middle one of an even count); undefined when there are none. */
export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b)
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined
}

export const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

/**
 * Adds `count` Cogo clients (`bench-<i>` / `secret-<i>`) to a running Cogo, so
 * a load taking them in turn makes every token request sign: Cogo hands back
 * the token already signed for the same client and second.
 */
export function addCogoBenchClients(cogo, count) {
  const { store, clock } = cogo
  for (let i = 0; i < count; i++) {
    // Every field of the client schema's output, as `insert` stores records as given.
    store.clients.insert({
      clientId: `bench-${i}`,
      clientSecret: `secret-${i}`,
      name: `bench ${i}`,
      redirectUris: [],
      scopes: [],
      grantTypes: ['client_credentials'],
      ownerId: null,
      createdAtMs: clock.nowMs(),
      meta: {},
    })
  }
}

/** The bench's client-credentials token request (form body, Basic): status, raw headers and body, for the fidelity floors' checks. */
export function postTokenRequest(url, authorization) {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization, 'content-length': '29' },
    })
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.rawHeaders, body }))
    })
    req.on('error', reject)
    req.end('grant_type=client_credentials')
  })
}

/**
 * The same token request to two servers at once, answered within one second
 * (a token carries its second), retried across a second's boundary:
 * `compare(a, b, second)` gets both answers and its result is returned. The
 * fidelity floors' checks (keystone-floor-check.mjs, cogo-floor-check.mjs).
 */
export async function postToBothInOneSecond(urlA, urlB, authorization, compare, what) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const second = Math.floor(Date.now() / 1000)
    const [a, b] = await Promise.all([postTokenRequest(urlA, authorization), postTokenRequest(urlB, authorization)])
    if (Math.floor(Date.now() / 1000) === second) return compare(a, b, second)
  }
  throw new Error(`the ${what} check kept crossing a second boundary`)
}

/** CPU time (user + system, every thread) a process has used, µs, from /proc; null where /proc is missing. */
export function processCpuUs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS
  } catch {
    return null
  }
}
const CLOCK_TICKS = 100
