// `oauth-dance check --provider all --transport in-process` with the reference
// client, from spawning the bin until it exits, split by what it prints:
// startup (spawn to its first line, "[oauth-dance] check ..." once the client
// is resolved and the plan made), scenarios (to the blank line that ends the
// scenario lines) and reporting (summaries, reports, exit). Median of
// BENCH_CHECK_RUNS (default 3) runs, beside `node -e 0` spawned the same way.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT, median } from './lib.mjs'

const TIMEOUT_MS = 120_000

function once() {
  const t0 = performance.now()
  const child = spawn(process.execPath, [join(ROOT, 'dist/bundle/oauth-dance.cjs'), 'check', '--provider', 'all', '--transport', 'in-process'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let firstLineAt
    let scenariosEndAt
    let out = ''
    let err = ''
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`check ran past ${TIMEOUT_MS} ms`))), TIMEOUT_MS)
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)))
    child.stdout.on('data', (d) => {
      const now = performance.now()
      const before = out
      out += d
      if (firstLineAt === undefined && out.includes('\n')) firstLineAt = now
      if (scenariosEndAt === undefined && /\n\n/.test(out.slice(Math.max(0, before.length - 1)))) scenariosEndAt = now
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      const exitAt = performance.now()
      if (code !== 0) return reject(new Error(`check exited with ${code}: ${out.slice(-600)} ${err.slice(-600)}`))
      const scenarios = (out.match(/^(PASS|FAIL|WARN)\s/gm) ?? []).length
      resolve({
        wallMs: exitAt - t0,
        startupMs: firstLineAt - t0,
        scenariosMs: scenariosEndAt - firstLineAt,
        reportingMs: exitAt - scenariosEndAt,
        scenarios,
        result: out.trim().split('\n').pop(),
      })
    })
  })
}

export async function checkAllTime(runs = Number(process.env.BENCH_CHECK_RUNS ?? 3)) {
  const all = []
  for (let i = 0; i < runs; i++) all.push(await once())
  const of = (field) => median(all.map((r) => r[field]))
  return {
    wallMs: of('wallMs'),
    startupMs: of('startupMs'),
    scenariosMs: of('scenariosMs'),
    reportingMs: of('reportingMs'),
    scenarios: all[0].scenarios,
    result: all[0].result,
    runs: all,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await checkAllTime()) + '\n')
}
