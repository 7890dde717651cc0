// Issue 17's start-up target, tried with Node's user-land startup snapshot:
// `node --snapshot-blob x.blob --build-snapshot entry.cjs` runs entry.cjs and
// saves the heap it leaves; `node --snapshot-blob x.blob args…` starts from
// that heap and calls the function the entry registered
// (v8.startupSnapshot.setDeserializeMainFunction), so the modules it loaded are
// neither compiled nor run again. An experiment, not shipped: the bin does not
// use it. bench/startup.mjs measures three processes started from blobs built
// here beside its own rows:
// - an empty entry (Node's start and exit from a user-land blob: beside `node -e 0`),
// - bench/servers/bare-http.mjs, started in the restored process (the floor of
//   the technique for a server: beside the bare server),
// - `serve`: dist/bin/main.js and every module it imports loaded, main(argv)
//   called in the restored process (beside the bin).
//
// The builder runs one CommonJS file and `require`s only Node's built-ins, so
// each entry is bundled by esbuild into dist/bench-snapshot/ (inside the
// package, where packageRoot() finds package.json). Node 20 cannot load
// node:http, https or tls while building a snapshot (node:http fails on
// `methods.toSorted`; their native bindings cannot be serialized): the bundles
// load them on first use, in the restored process; IncomingMessage, which
// serve's request class extends as it loads, from node:_http_incoming, which
// loads there.
//
// Nothing random or time-based may be captured in a blob (Node 20 keeps, for
// one, randomUUID's cached random bytes: a UUID drawn while building repeats in
// every start). While the modules load, a guard records every draw of
// randomness or of the clock (node:crypto, WebCrypto, Math.random, Date.now,
// performance.now, process.hrtime; not `new Date()`), and the build fails on any. checkFresh()
// then starts `serve` twice from the bin and twice from its blob: what differs
// between the bin's two starts (tokens, generated keys) must differ between
// the blob's two.
//
// Run: `npm run build && node bench/startup-snapshot.mjs` (20 interleaved starts
// of each process, BENCH_STARTUP_RUNS), or as part of the startup section of
// `npm run bench` (BENCH_STARTUP_SNAPSHOT=0 leaves it out).
import { build } from 'esbuild'
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { BENCH_DIR, ROOT, stopProcess } from './lib.mjs'
import { CLIENT_CREDENTIALS, tokenRequest } from './scenarios.mjs'

export const SNAPSHOT_DIR = join(ROOT, 'dist', 'bench-snapshot')

// Imported first by serve's entry: wraps every source of randomness or time until endGuard().
const GUARD = `import crypto from 'node:crypto'
const draws = []
const originals = []
let watching = true
function watch(owner, key, label) {
  const original = owner[key]
  if (typeof original !== 'function') return
  originals.push([owner, key, original])
  // A module that kept a reference to the wrapper keeps it: once restored, it only calls through.
  owner[key] = function (...args) {
    if (watching) draws.push(label + ' ' + String(new Error().stack ?? '').split('\\n').slice(2, 4).join(' '))
    return original.apply(this, args)
  }
}
for (const key of ['randomBytes', 'randomFillSync', 'randomFill', 'randomUUID', 'randomInt', 'getRandomValues', 'generateKeyPairSync', 'generateKeyPair', 'generateKeySync', 'generateKey', 'generatePrimeSync', 'generatePrime'])
  watch(crypto, key, 'crypto.' + key)
watch(crypto.webcrypto, 'getRandomValues', 'crypto.webcrypto.getRandomValues')
watch(crypto.webcrypto, 'randomUUID', 'crypto.webcrypto.randomUUID')
watch(crypto.webcrypto.subtle, 'generateKey', 'crypto.subtle.generateKey')
watch(Math, 'random', 'Math.random')
watch(Date, 'now', 'Date.now')
watch(performance, 'now', 'performance.now')
watch(process, 'hrtime', 'process.hrtime')
watch(process.hrtime, 'bigint', 'process.hrtime.bigint')
/** Restores what watch() replaced; throws, failing the build, when anything was drawn. */
export function endGuard() {
  watching = false
  for (const [owner, key, original] of originals) owner[key] = original
  if (draws.length) throw new Error('drawn while loading, so kept in the snapshot: ' + draws.join('; '))
}
`

// Node 20 restores argv as [node, ...args] (later versions [node, node, ...args]): put the script's place back, as commander expects.
const RESTORE_ARGV = `function restoredArgv() {
  const args = process.argv.slice(process.argv[1] === process.argv[0] ? 2 : 1)
  return [process.argv[0], __filename, ...args]
}
`

// The floors load no guard (it loads node:crypto, which would weigh on them); they draw nothing.
const ENTRIES = {
  empty: `import { startupSnapshot } from 'node:v8'
startupSnapshot.setDeserializeMainFunction(() => {})
`,
  bare: `import { start } from ${JSON.stringify(join(BENCH_DIR, 'servers', 'bare-http.mjs'))}
import { startupSnapshot } from 'node:v8'
startupSnapshot.setDeserializeMainFunction(start)
`,
  // As the bin's entry does for serve: jitless set before the schemas' modules load.
  serve: `import { endGuard } from './guard.mjs'
import './jitless.mjs'
import { main } from ${JSON.stringify(join(ROOT, 'dist', 'bin', 'main.js'))}
import { startupSnapshot } from 'node:v8'
endGuard()
${RESTORE_ARGV}
startupSnapshot.setDeserializeMainFunction(() => {
  process.argv = restoredArgv()
  main(process.argv)
})
`,
}

/** node:http, https and tls as objects whose members load the module on first use (see the top of the file). */
function lazyBuiltins() {
  const require = createRequire(import.meta.url)
  const names = ['http', 'https', 'tls']
  const source = (name) => {
    const members = Object.keys(require(`node:${name}`)).map((key) =>
      name === 'http' && key === 'IncomingMessage'
        ? `  get IncomingMessage() { return require('node:_http_incoming').IncomingMessage },`
        : `  get ${key}() { return require('node:${name}').${key} },`,
    )
    return `module.exports = {\n${members.join('\n')}\n}\n`
  }
  return {
    name: 'lazy-builtins',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(node:)?(${names.join('|')})$`) }, (args) =>
        args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
      )
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({ contents: source(args.path), loader: 'js' }))
      // The harness: `serve` never imports it.
      b.onResolve({ filter: /\/conformance\// }, (args) => ({ path: args.path, external: true }))
    },
  }
}

function run(args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    execFile(process.execPath, args, { cwd: ROOT, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error)
        reject(
          new Error(
            `node ${args.join(' ')}: ${stderr
              .split('\n')
              .filter((l) => !/Warning|^It may|^To request|--trace-warnings/.test(l))
              .join('\n')
              .slice(-2000)}`,
          ),
        )
      else resolve(performance.now() - t0)
    })
  })
}

/**
 * Bundles each entry and builds its blob in dist/bench-snapshot/ (after `npm
 * run build`, which writes dist/bin/). Rejects when a build fails, e.g. when
 * a module draws randomness or reads the clock as it loads.
 */
export async function buildSnapshots(dir = SNAPSHOT_DIR) {
  statSync(join(ROOT, 'dist', 'bin', 'main.js'))
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'guard.mjs'), GUARD)
  writeFileSync(join(dir, 'jitless.mjs'), `import { config } from 'zod/mini'\nconfig({ jitless: true })\n`)
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const built = { node: process.version }
  for (const [name, entry] of Object.entries(ENTRIES)) {
    writeFileSync(join(dir, `${name}-entry.mjs`), entry)
    const bundle = join(dir, `${name}.cjs`)
    const blob = join(dir, `${name}.blob`)
    await build({
      entryPoints: [join(dir, `${name}-entry.mjs`)],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      outfile: bundle,
      // zod stays out of the bare server's bundle: only its --with-zod run imports it.
      external: [...Object.keys(pkg.peerDependencies), 'tsx', 'playwright-core', 'playwright', 'fsevents', ...(name === 'bare' ? ['zod'] : [])],
      // The bundle's own URL, for packageRoot() and createRequire(), read when it loads (while building).
      define: { 'import.meta.url': '__bundleUrl' },
      banner: { js: "var __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
      plugins: [lazyBuiltins()],
      logLevel: 'error',
    })
    const buildMs = await run(['--snapshot-blob', blob, '--build-snapshot', bundle])
    built[name] = { args: ['--snapshot-blob', blob], bundleBytes: statSync(bundle).size, blobBytes: statSync(blob).size, buildMs }
  }
  return built
}

/** Removes what buildSnapshots() wrote: dist/ is packed (`npm pack --ignore-scripts` after a build would take the blobs). */
export function removeSnapshots(dir = SNAPSHOT_DIR) {
  rmSync(dir, { recursive: true, force: true })
}

/**
 * Starts `serve` (`start`: the bin, or `--snapshot-blob <blob>`) until it
 * prints its description; returns what it describes, the first token of each
 * client-credentials provider and the JWKS, as named values (ports left out).
 */
async function serveValues(start) {
  const child = spawn(process.execPath, [...start, 'serve', '--port-base', '0', '--json', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    const line = await new Promise((resolve, reject) => {
      let out = ''
      let err = ''
      const timer = setTimeout(() => reject(new Error(`serve printed nothing in 10 s: ${err}`)), 10_000)
      child.stderr.on('data', (d) => (err += d))
      child.stdout.on('data', (d) => {
        out += d
        if (!out.includes('\n')) return
        clearTimeout(timer)
        resolve(out.slice(0, out.indexOf('\n')))
      })
      child.on('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`serve exited with ${code}: ${err}`))
      })
    })
    const { providers } = JSON.parse(line)
    const values = {}
    const flatten = (value, name) => {
      if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) flatten(v, `${name}.${k}`)
      else values[name] = String(value).replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    }
    flatten(providers, 'describe')
    for (const id of Object.keys(CLIENT_CREDENTIALS).filter((p) => providers[p])) {
      const spec = tokenRequest(id, providers[id])
      const res = await fetch(spec.url, spec)
      values[`${id} token`] = (await res.json()).access_token
      if (res.status !== 200 || !values[`${id} token`]) throw new Error(`${id} answered ${res.status}`)
    }
    const discovery = await (await fetch(providers.standard.discoveryUrl)).json()
    values['standard JWKS'] = await (await fetch(discovery.jwks_uri)).text()
    values['cogo JWKS'] = await (await fetch(providers.cogo.jwksUri)).text()
    return values
  } finally {
    child.stdout.destroy()
    await stopProcess(child)
  }
}

/**
 * Two starts of the bin and two of `serve` from its blob: every value that
 * differs between the bin's two starts (tokens, generated keys and secrets)
 * must differ between the snapshot's two as well, so nothing random was kept
 * in the blob. Fixtures (Cogo's key, the seeded clients) are the same in both.
 */
export async function checkFresh(built) {
  const varying = (a, b) => Object.keys(a).filter((k) => a[k] !== b[k])
  const bin = [join(ROOT, 'dist/bundle/oauth-dance.cjs')]
  const fresh = varying(await serveValues(bin), await serveValues(bin))
  const snapshotA = await serveValues(built.serve.args)
  const snapshotB = await serveValues(built.serve.args)
  const kept = fresh.filter((k) => snapshotA[k] === snapshotB[k])
  if (kept.length) throw new Error(`two starts from the snapshot gave the same ${kept.join(', ')}`)
  return { fresh }
}

// Run directly: bench/startup.mjs (which imports this module) in a child process, its JSON as a table.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = JSON.parse(
    await new Promise((resolve, reject) =>
      execFile(process.execPath, [join(BENCH_DIR, 'startup.mjs')], { cwd: ROOT, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
        error ? reject(new Error(stderr)) : resolve(stdout),
      ),
    ),
  )
  const row = (label, x) => `| ${label} | ${x.medianMs.toFixed(0)} | ${x.medianCpuMs ?? ''} | ${x.runs.map((v) => v.toFixed(0)).join(', ')} |`
  const lines = [
    `Startup, spawn to first answer, ${r.runs.length} starts each, interleaved (median ms; the process's CPU ms at its first answer, from /proc; every start); node ${process.version}`,
    '| process | median ms | CPU ms | every start |',
    '|---|---:|---:|---|',
  ]
  lines.push(row('`node dist/bundle/oauth-dance.cjs serve`, first token', r))
  lines.push(row('`node -e 0`, exit', r.nodeExit), row('bare node:http server, first answer', r.bareHttp))
  if (r.withoutExtraCaCerts) {
    lines.push(row('`node dist/bundle/oauth-dance.cjs serve`, first token, without NODE_EXTRA_CA_CERTS', r.withoutExtraCaCerts.serve))
    lines.push(row('`node -e 0`, exit, without NODE_EXTRA_CA_CERTS', r.withoutExtraCaCerts.nodeExit))
    lines.push(row('bare node:http server, first answer, without NODE_EXTRA_CA_CERTS', r.withoutExtraCaCerts.bare))
  }
  if (r.snapshot.skipped) lines.push(`(startup snapshot rows skipped: ${r.snapshot.skipped})`)
  else {
    lines.push(row('serve from a startup snapshot, first token', r.snapshot.serve))
    lines.push(row('empty startup snapshot, exit', r.snapshot.empty))
    lines.push(row('bare node:http server from a startup snapshot, first answer', r.snapshot.bare))
    const b = r.snapshot.built
    lines.push(
      '',
      `Blobs: serve ${(b.serve.blobBytes / 1e6).toFixed(1)} MB (bundle ${(b.serve.bundleBytes / 1e6).toFixed(2)} MB), bare ${(b.bare.blobBytes / 1e6).toFixed(1)} MB, empty ${(b.empty.blobBytes / 1e6).toFixed(1)} MB; built in ${b.serve.buildMs.toFixed(0)} / ${b.bare.buildMs.toFixed(0)} / ${b.empty.buildMs.toFixed(0)} ms; different in two starts, as from the bin: ${r.snapshot.fresh.fresh.join(', ')}`,
    )
  }
  process.stdout.write(lines.join('\n') + '\n')
}
