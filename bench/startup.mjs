// Startup of `serve` from its bin (not npx): from spawning
// `node dist/bundle/oauth-dance.js serve --port-base 0 --json --quiet` until the
// first client-credentials token is answered.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT, stopProcess } from './lib.mjs'
import { CLIENT_CREDENTIALS, tokenRequest } from './scenarios.mjs'

async function once() {
  const t0 = performance.now()
  const child = spawn(process.execPath, [join(ROOT, 'dist/bundle/oauth-dance.js'), 'serve', '--port-base', '0', '--json', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    const line = await new Promise((resolve, reject) => {
      let out = ''
      let err = ''
      const timer = setTimeout(() => reject(new Error(`serve printed nothing in 10 s: ${err}`)), 10_000)
      child.stderr.on('data', (d) => (err += d))
      child.stdout.on('data', (d) => {
        out += d
        if (out.includes('\n')) {
          clearTimeout(timer)
          resolve(out.slice(0, out.indexOf('\n')))
        }
      })
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)))
    })
    const listeningMs = performance.now() - t0
    const { providers } = JSON.parse(line)
    const id = Object.keys(CLIENT_CREDENTIALS).find((p) => providers[p])
    if (!id) throw new Error('no client-credentials provider in the registry yet')
    const spec = tokenRequest(id, providers[id])
    const res = await fetch(spec.url, spec)
    const body = await res.json()
    if (res.status !== 200 || !body.access_token) throw new Error(`first token request answered ${res.status}`)
    return { firstTokenMs: performance.now() - t0, listeningMs, provider: id }
  } finally {
    child.stdout.destroy()
    await stopProcess(child)
  }
}

export async function startupTime(runs = 7) {
  // Warm this process's fetch (undici loads lazily) so its start-up is not counted against serve.
  await fetch('data:,warm').catch(() => {})
  const all = []
  for (let i = 0; i < runs; i++) all.push(await once())
  const sorted = all.map((r) => r.firstTokenMs).sort((a, b) => a - b)
  return { medianMs: sorted[Math.floor(runs / 2)], runs: all.map((r) => r.firstTokenMs), listeningMs: all.map((r) => r.listeningMs), provider: all[0].provider }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await startupTime()) + '\n')
}
