// The dependency check (`npm run deps`, .dependency-cruiser.cjs) can fail: it runs, with the
// project's own configuration, over a small tree shaped like this repository, first clean
// (it passes), then with one forbidden import per rule (each is reported, and the run fails).
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')
const CONFIG = join(ROOT, '.dependency-cruiser.cjs')
const RUN_TIMEOUT_MS = 120_000

/** A tree that keeps every rule: fixtures <- mocks (store <- core <- providers <- registry <- server, msw) <- conformance <- playwright, bin. */
const CLEAN_TREE: Record<string, string> = {
  'fixtures/carina.ts': `export const CARINA_APP = { id: 'app' }\n`,
  'mocks/store/index.ts': `export const store = new Map<string, string>()\n`,
  'mocks/core/engine.ts': `import { store } from '../store/index.js'\nexport const answer = (r: Request) => new Response(String(store.size) + r.url)\n`,
  'mocks/providers/carina/index.ts': `import { answer } from '../../core/engine.js'\nimport { CARINA_APP } from '../../../fixtures/carina.js'\nexport const carina = { id: CARINA_APP.id, answer }\n`,
  'mocks/providers/gocd/index.ts': `import { answer } from '../../core/engine.js'\nexport const gocd = { id: 'gocd', answer }\n`,
  'mocks/registry.ts': `import { carina } from './providers/carina/index.js'\nimport { gocd } from './providers/gocd/index.js'\nexport const PROVIDERS = [carina, gocd]\n`,
  'mocks/server.ts': `import { createServer } from 'node:http'\nimport { PROVIDERS } from './registry.js'\nexport const serve = () => createServer().listen(PROVIDERS.length)\n`,
  'mocks/msw.ts': `import { http } from 'msw'\nimport { PROVIDERS } from './registry.js'\nexport const handlers = PROVIDERS.map((p) => http.all('*', ({ request }) => p.answer(request)))\n`,
  'conformance/runner.ts': `import { PROVIDERS } from '../mocks/registry.js'\nexport const run = () => PROVIDERS.length\n`,
  'playwright/index.ts': `import { run } from '../conformance/runner.js'\nimport { handlers } from '../mocks/msw.js'\nexport const fixture = () => run() + handlers.length\n`,
  'bin/cli.ts': `import { run } from '../conformance/runner.js'\nimport { serve } from '../mocks/server.js'\nexport const main = () => [run(), serve()]\n`,
}

/** One forbidden import per rule, and the exact line the check must print for it. */
const FORBIDDEN: { file: string; source: string; reported: string[] }[] = [
  {
    file: 'mocks/core/reach-provider.ts',
    source: `import { carina } from '../providers/carina/index.js'\nexport const id = carina.id\n`,
    reported: [
      'error core-imports-no-provider: mocks/core/reach-provider.ts → mocks/providers/carina/index.ts',
      'error core-imports-only-store: mocks/core/reach-provider.ts → mocks/providers/carina/index.ts',
    ],
  },
  {
    // A type-only import counts: the core would still be written against msw.
    file: 'mocks/core/msw-types.ts',
    source: `import type { HttpHandler } from 'msw'\nexport type Handlers = HttpHandler[]\n`,
    reported: ['error core-imports-no-transport: mocks/core/msw-types.ts → '], // then msw's path, wherever npm put it
  },
  {
    file: 'mocks/core/sockets.ts',
    source: `import { createServer } from 'node:http'\nexport const listen = () => createServer()\n`,
    reported: ['error core-imports-no-transport: mocks/core/sockets.ts → http'],
  },
  {
    file: 'mocks/core/uses-server.ts',
    source: `import { serve } from '../server.js'\nexport const start = serve\n`,
    reported: [
      'error core-imports-no-transport: mocks/core/uses-server.ts → mocks/server.ts',
      'error core-imports-only-store: mocks/core/uses-server.ts → mocks/server.ts',
    ],
  },
  {
    file: 'mocks/providers/gocd/borrows.ts',
    source: `import { carina } from '../carina/index.js'\nexport const borrowed = carina.answer\n`,
    reported: ['error provider-imports-no-other-provider: mocks/providers/gocd/borrows.ts → mocks/providers/carina/index.ts'],
  },
  {
    file: 'mocks/providers/carina/judge.ts',
    source: `import { run } from '../../../conformance/runner.js'\nexport const judged = run\n`,
    reported: ['error mocks-import-no-harness: mocks/providers/carina/judge.ts → conformance/runner.ts'],
  },
  {
    file: 'mocks/providers/carina/judge.test.ts',
    source: `import { run } from '../../../conformance/runner.js'\nexport const judgedInATest = run\n`,
    reported: ['error mocks-import-no-harness: mocks/providers/carina/judge.test.ts → conformance/runner.ts'],
  },
  {
    file: 'fixtures/derived.ts',
    source: `import { PROVIDERS } from '../mocks/registry.js'\nexport const count = PROVIDERS.length\n`,
    reported: ['error fixtures-import-nothing: fixtures/derived.ts → mocks/registry.ts'],
  },
  {
    file: 'conformance/start.ts',
    source: `import { main } from '../bin/cli.js'\nexport const start = main\n`,
    reported: ['error conformance-imports-no-entry-point: conformance/start.ts → bin/cli.ts'],
  },
  {
    // Two modules that import each other at run time (a cycle through `import type` only is a warning).
    file: 'mocks/core/ping.ts',
    source: `import { pong } from './pong.js'\nexport const ping = () => pong\n`,
    reported: ['error no-circular: mocks/core/ping.ts →'],
  },
  {
    file: 'mocks/core/pong.ts',
    source: `import { ping } from './ping.js'\nexport const pong = () => ping\n`,
    reported: [], // the cycle is reported once, from the module the check reached first
  },
  {
    file: 'mocks/registry-served.ts',
    source: `export { serve } from './server.js'\n`,
    reported: [],
  },
]

interface Run {
  code: number | null
  output: string
}

/** Runs the check as `npm run deps` does, in `cwd`, with the project's configuration. */
function depcruise(cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEPCRUISE, 'mocks', 'conformance', 'fixtures', 'playwright', 'bin', '--config', CONFIG, '--output-type', 'err'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk))
    const deadline = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`dependency-cruiser took longer than ${RUN_TIMEOUT_MS / 1000} s\n${output}`))
    }, RUN_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(deadline)
      resolve({ code, output })
    })
  })
}

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), source)
  }
}

describe('the dependency check (npm run deps)', () => {
  let cleanDir: string
  let brokenDir: string
  let clean: Run
  let broken: Run

  beforeAll(async () => {
    const makeTree = (files: Record<string, string>) => {
      const dir = mkdtempSync(join(tmpdir(), 'oauth-dance-deps-'))
      copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'))
      copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'))
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
      writeTree(dir, files)
      return dir
    }
    cleanDir = makeTree(CLEAN_TREE)
    brokenDir = makeTree({ ...CLEAN_TREE, ...Object.fromEntries(FORBIDDEN.map((f) => [f.file, f.source])) })
    ;[clean, broken] = await Promise.all([depcruise(cleanDir), depcruise(brokenDir)])
  }, 2 * RUN_TIMEOUT_MS)

  afterAll(() => {
    for (const dir of [cleanDir, brokenDir]) if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('passes a tree whose imports follow the layers', () => {
    expect(clean.output).toMatch(/no dependency violations found/)
    expect(clean.code).toBe(0)
  })

  it('fails, naming each rule and import, given a forbidden import of each kind', () => {
    const reported = broken.output
      .split('\n')
      .filter((line) => line.trimStart().startsWith('error '))
      .map((line) => line.trim())
    for (const { reported: expected } of FORBIDDEN) {
      for (const line of expected)
        expect(
          reported.some((r) => r.startsWith(line)),
          `expected "${line}" in:\n${broken.output}`,
        ).toBe(true)
    }
    // Nothing else: a re-export of the server from a sibling at the top of mocks/ is allowed.
    expect(reported).toHaveLength(FORBIDDEN.flatMap((f) => f.reported).length)
    expect(broken.code).not.toBe(0)
  })
})
