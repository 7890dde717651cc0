// Startup of `serve` from its bin (not npx): from spawning
// `node dist/bundle/oauth-dance.cjs serve --port-base 0 --json --quiet` until the
// first client-credentials token is answered; beside two baselines spawned the
// same way in the same run: `node -e 0` (Node's own start and exit) and a bare
// node:http server (bench/servers/bare-http.mjs) until its first answer, and
// the same server importing zod/mini from node_modules first (what zod costs a
// server that imports it; the bin's bundle carries the parts it uses), and
// the Keystone fidelity floor (bench/servers/keystone-floor.mjs) until it
// answers the same client-credentials request as Keystone does: the least a
// server answering that first token so takes to start here; and between the
// two, `serve --providers keystone`, which loads Keystone's code alone: what
// `serve` would take if it loaded only what that first token needs.
// `serve` compiles its chunks from the V8 code cache an earlier start left
// (bin/compile-cache.ts): two starts before the rows make it, as any earlier
// use of the bin on a machine has; the row "without a compile cache"
// (NODE_DISABLE_COMPILE_CACHE=1) is a machine's first start, a fresh CI
// runner's say.
// Beside them, unless BENCH_STARTUP_SNAPSHOT=0, the same processes started
// from Node's user-land startup snapshots (bench/startup-snapshot.mjs, an
// experiment the bin does not use): `serve`, the bare server, and an empty
// entry beside `node -e 0`. And when NODE_EXTRA_CA_CERTS is set (this
// sandbox sets it: Node then reads and parses that bundle of certificates
// before it runs any JavaScript, in every process), `node -e 0`, the bare
// server, `serve` and `serve --providers keystone` again without it: what a
// start costs where it is unset.
// All are interleaved, start by start, so the machine's load weighs on
// each alike. Runs: BENCH_STARTUP_RUNS (default 20).
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { BENCH_DIR, ROOT, median, processCpuUs, stopProcess } from './lib.mjs'
import { CLIENT_CREDENTIALS, tokenRequest } from './scenarios.mjs'
import { buildSnapshots, checkFresh, removeSnapshots } from './startup-snapshot.mjs'
import { loadedCode } from './loaded-code.mjs'

/** Resolves with the child's first stdout line; rejects when it exits first or prints nothing in 10 s. */
function firstLine(child) {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`printed nothing in 10 s: ${err}`)), 10_000)
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)))
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('\n')) {
        clearTimeout(timer)
        resolve(out.slice(0, out.indexOf('\n')))
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code}: ${err}`))
    })
  })
}

/** CPU time (every thread) a process has used so far, ms; undefined where /proc is missing. */
function processCpuMs(pid) {
  const us = processCpuUs(pid)
  return us === null ? undefined : us / 1000
}

/**
 * Spawns `node <args>` and waits for its first line (JSON), then for `ask(info)`,
 * the request it must answer: ms from spawn to that answer, to the first line,
 * and the process's CPU by then, with what `ask` returns.
 */
async function untilAnswered(args, env, ask) {
  const t0 = performance.now()
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env })
  try {
    const info = JSON.parse(await firstLine(child))
    const listeningMs = performance.now() - t0
    const answered = await ask(info)
    return { ms: performance.now() - t0, listeningMs, cpuMs: processCpuMs(child.pid), ...answered }
  } finally {
    child.stdout.destroy()
    await stopProcess(child)
  }
}

/** A client-credentials token request that must be answered 200 with an access token. */
async function askToken(spec, who) {
  const res = await fetch(spec.url, spec)
  const body = await res.json()
  if (res.status !== 200 || !body.access_token) throw new Error(`${who} answered the first token request ${res.status}`)
}

const BIN = join(ROOT, 'dist/bundle/oauth-dance.cjs')
const SERVE = ['serve', '--port-base', '0', '--json', '--quiet']
const KEYSTONE_ONLY = ['--providers', 'keystone']

/** `start` is what node runs: the bin, or `--snapshot-blob <blob>`; `extra`, more arguments to `serve`. */
async function serveOnce(start = [BIN], env = process.env, extra = []) {
  const r = await untilAnswered([...start, ...SERVE, ...extra], env, async ({ providers }) => {
    const id = Object.keys(CLIENT_CREDENTIALS).find((p) => providers[p])
    if (!id) throw new Error('no client-credentials provider in the registry')
    await askToken(tokenRequest(id, providers[id]), 'serve')
    return { provider: id }
  })
  return { firstTokenMs: r.ms, listeningMs: r.listeningMs, provider: r.provider, cpuMs: r.cpuMs }
}

/** The first token `serve` answers in these rows: Keystone's client credentials. */
const firstToken = ({ providers }) => askToken(tokenRequest('keystone', providers.keystone), 'serve')

function bareHttpOnce(args = [], start = [join(BENCH_DIR, 'servers', 'bare-http.mjs')], env = process.env) {
  return untilAnswered([...start, ...args], env, async ({ url }) => {
    const res = await fetch(url, { method: 'POST', body: 'grant_type=client_credentials' })
    await res.text()
    if (res.status !== 200) throw new Error(`bare server answered ${res.status}`)
  })
}

function nodeExitOnce(args = ['-e', '0'], env = process.env) {
  const t0 = performance.now()
  const child = spawn(process.execPath, args, { stdio: 'ignore', env })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`node ${args.join(' ')} ran past 10 s`))), 10_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited with ${code}`))
      else resolve({ ms: performance.now() - t0 })
    })
  })
}

/** The Keystone fidelity floor, spawned as `serve` is, until it answers the bench's Keystone token request. */
function keystoneFloorOnce() {
  const [id, secret, path] = ['floor-client', 'floor-secret', '/v3/OS-OAUTH2/token']
  const script = join(BENCH_DIR, 'servers', 'keystone-floor.mjs')
  return untilAnswered([script, '--client', `${id}:${secret}`, '--path', path], process.env, ({ url }) =>
    askToken(tokenRequest('keystone', { baseUrl: url, clients: [{ id, secret }] }), 'the Keystone floor'),
  )
}

/** The blobs of bench/startup-snapshot.mjs, built and checked; or why not. */
async function snapshots() {
  if (process.env.BENCH_STARTUP_SNAPSHOT === '0') return { skipped: 'BENCH_STARTUP_SNAPSHOT=0' }
  try {
    const built = await buildSnapshots()
    return { built, fresh: await checkFresh(built) }
  } catch (error) {
    return { skipped: error.message }
  }
}

/** Starts of one process: wall ms to the first answer (or exit), and CPU ms at that point where /proc tells. */
function series() {
  const runs = []
  const cpuMs = []
  return {
    add({ ms, cpuMs: cpu }) {
      runs.push(ms)
      if (cpu !== undefined) cpuMs.push(cpu)
    },
    summary: () => ({ medianMs: median(runs), runs, ...(cpuMs.length ? { medianCpuMs: median(cpuMs), cpuMs } : {}) }),
  }
}

export async function startupTime(runs = Number(process.env.BENCH_STARTUP_RUNS ?? 20)) {
  // Warm this process's fetch (undici loads lazily) so its start-up is not counted against the servers.
  await fetch('data:,warm').catch(() => {})
  let snapshot = await snapshots()
  const serveRuns = []
  const [bare, bareZod, nodeExit, keystoneFloor, keystoneOnly, serveNoCache] = [series(), series(), series(), series(), series(), series()]
  const fromSnapshot = { serve: series(), empty: series(), bare: series() }
  const { NODE_EXTRA_CA_CERTS, ...withoutCaEnv } = process.env
  const withoutCa = NODE_EXTRA_CA_CERTS ? { nodeExit: series(), bare: series(), serve: series(), serveNoCache: series(), keystoneOnly: series() } : null
  const served = (r) => ({ ms: r.firstTokenMs, cpuMs: r.cpuMs })
  const noCompileCache = (env) => ({ ...env, NODE_DISABLE_COMPILE_CACHE: '1' })
  try {
    // Writes the compile cache for the chunks these starts load (a start that finds one writes nothing).
    await serveOnce()
    await serveOnce(undefined, undefined, KEYSTONE_ONLY)
    for (let i = 0; i < runs; i++) {
      nodeExit.add(await nodeExitOnce())
      bare.add(await bareHttpOnce())
      bareZod.add(await bareHttpOnce(['--with-zod']))
      keystoneFloor.add(await keystoneFloorOnce())
      serveRuns.push(await serveOnce())
      serveNoCache.add(served(await serveOnce(undefined, noCompileCache(process.env))))
      keystoneOnly.add(served(await serveOnce(undefined, undefined, KEYSTONE_ONLY)))
      if (withoutCa) {
        withoutCa.nodeExit.add(await nodeExitOnce(undefined, withoutCaEnv))
        withoutCa.bare.add(await bareHttpOnce([], undefined, withoutCaEnv))
        withoutCa.serve.add(served(await serveOnce(undefined, withoutCaEnv)))
        withoutCa.serveNoCache.add(served(await serveOnce(undefined, noCompileCache(withoutCaEnv))))
        withoutCa.keystoneOnly.add(served(await serveOnce(undefined, withoutCaEnv, KEYSTONE_ONLY)))
      }
      if (snapshot.skipped) continue
      try {
        fromSnapshot.serve.add(served(await serveOnce(snapshot.built.serve.args)))
        fromSnapshot.empty.add(await nodeExitOnce(snapshot.built.empty.args))
        fromSnapshot.bare.add(await bareHttpOnce([], snapshot.built.bare.args))
      } catch (error) {
        snapshot = { skipped: `a start from a snapshot failed: ${error.message}` }
      }
    }
  } finally {
    removeSnapshots()
  }
  const serve = series()
  for (const r of serveRuns) serve.add(served(r))
  const summaries = (group) => Object.fromEntries(Object.entries(group).map(([name, s]) => [name, s.summary()]))
  return {
    ...serve.summary(),
    listeningMs: serveRuns.map((r) => r.listeningMs),
    medianListeningMs: median(serveRuns.map((r) => r.listeningMs)),
    provider: serveRuns[0].provider,
    noCompileCache: serveNoCache.summary(),
    bytes: (await loadedCode(BIN, SERVE, { then: firstToken })).bytes,
    nodeExit: nodeExit.summary(),
    bareHttp: bare.summary(),
    bareHttpZod: bareZod.summary(),
    keystoneFloor: keystoneFloor.summary(),
    keystoneOnly: { bytes: (await loadedCode(BIN, [...SERVE, ...KEYSTONE_ONLY], { then: firstToken })).bytes, ...keystoneOnly.summary() },
    withoutExtraCaCerts: withoutCa && summaries(withoutCa),
    snapshot: snapshot.skipped ? snapshot : { ...snapshot, ...summaries(fromSnapshot) },
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await startupTime()) + '\n')
}
