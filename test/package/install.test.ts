// The package as a user gets it: packs the tarball, installs it into a fresh
// ES module application with strict TypeScript, and there runs the README's
// examples unmodified (extracted from README.md, so they cannot drift), the
// CLI through npx, and `require()`. npm needs its registry for the
// dependencies; its cache keeps that fast after the first run.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildIsCurrent } from '../support/cli.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string }
/** Packing builds (prepack) and npm installs from the registry: minutes on a busy machine. */
const SETUP_TIMEOUT_MS = 15 * 60_000
const STEP_TIMEOUT_MS = 8 * 60_000

/** The same versions this repository tests with, so the app tests what we test. */
function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to its end, with a deadline; never throws for a non-zero exit (the caller asserts). */
function run(command: string, args: string[], cwd: string, timeoutMs = STEP_TIMEOUT_MS): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CI: '',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
        npm_config_update_notifier: 'false',
      },
    })
    let stdout = ''
    let stderr = ''
    const deadline = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${command} ${args.join(' ')} took longer than ${timeoutMs / 1000} s\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    // 'close', not 'exit': the child can exit before its last output has been read from the pipes.
    child.on('close', (code) => {
      clearTimeout(deadline)
      resolve({ code, stdout: withoutColors(stdout), stderr: withoutColors(stderr) })
    })
  })
}

/** Output as text: vitest colours it even when told not to by some environments. */
function withoutColors(text: string): string {
  // eslint-disable-next-line no-control-regex -- the ESC of a terminal colour code is the character to match
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

/** `expect(code).toBe(0)`, with the output in the failure message. */
function expectSuccess(result: Run, what: string): void {
  expect(result.code, `${what} failed:\n${result.stdout}\n${result.stderr}`).toBe(0)
}

/** The README's snippets marked `<!-- install-test: <file> -->`, by the file they become in the app. */
export function readmeSnippets(readme: string): Map<string, string> {
  const snippets = new Map<string, string>()
  for (const match of readme.matchAll(/<!-- install-test: (\S+) -->\n```ts\n([\s\S]*?)```/g)) snippets.set(match[1]!, match[2]!)
  return snippets
}

describe('the peer range of msw', () => {
  // npm installs a missing peer at the newest version its range admits; msw 3 drops the
  // msw/core/http path oauth-dance loads and needs Node 22 (oauth-dance supports 20).
  it(
    'admits no msw 3',
    async () => {
      const range = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies.msw!
      const result = await run('npm', ['view', `msw@${range}`, 'version', '--json'], ROOT)
      expectSuccess(result, 'npm view')
      const versions = [JSON.parse(result.stdout) as string | string[]].flat()
      expect(versions.length).toBeGreaterThan(0)
      expect(versions.filter((version) => !version.startsWith('2.'))).toEqual([])
    },
    STEP_TIMEOUT_MS,
  )
})

describe('the packed package, installed into a fresh application', () => {
  let app: string
  let tarball: string
  const snippets = readmeSnippets(readFileSync(join(ROOT, 'README.md'), 'utf8'))

  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'oauth-dance-install-'))
    app = join(work, 'app')
    mkdirSync(app)
    // prepack rebuilds dist/; when `npm test` has just built it, packing it as it is saves a build, and
    // spares the other test files that run the CLI from dist/ meanwhile from seeing it deleted.
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work, ...(buildIsCurrent() ? ['--ignore-scripts'] : [])], ROOT, SETUP_TIMEOUT_MS)
    expectSuccess(packed, 'npm pack')
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>
    tarball = join(work, info!.filename)
    writeFileSync(join(work, 'files.json'), JSON.stringify(info!.files.map((f) => f.path)))

    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }, null, 2))
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          types: ['node'],
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: true,
          noEmit: true,
        },
      }),
    )
    for (const [file, text] of snippets) {
      mkdirSync(join(app, dirname(file)), { recursive: true })
      writeFileSync(join(app, file), text)
    }
    // Beyond the README: what the types must refuse, and what require() must say.
    writeFileSync(
      join(app, 'types-refuse.ts'),
      [
        "import { createCarina } from 'oauth-dance'",
        'const carina = createCarina()',
        '// @ts-expect-error a misspelt route id does not compile',
        "carina.faults.add({ route: 'carina.tokn', action: { type: 'drop' } })",
        "carina.faults.add({ route: 'carina.token', action: { type: 'drop' } })",
        "export const issuer: string = (await import('oauth-dance')).createCogo().describe().issuer",
        '',
      ].join('\n'),
    )
    writeFileSync(join(app, 'require.cjs'), "try { require('oauth-dance') } catch (error) { console.log(error.code + ': ' + error.message) }\n")

    // msw is not named: npm installs the peer itself, at the newest version the peer range admits,
    // as it does for a user who forgets it; the range must not admit a major version that breaks us.
    const deps = ['vitest', '@playwright/test', '@msw/playwright', 'typescript', '@types/node'].map((name) => `${name}@${installedVersion(name)}`)
    const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...deps], app, SETUP_TIMEOUT_MS)
    expectSuccess(installed, 'npm install')
  }, SETUP_TIMEOUT_MS)

  afterAll(async () => {
    if (app) await rm(dirname(app), { recursive: true, force: true })
  }, STEP_TIMEOUT_MS)

  it('ships what a user needs and no tests, source maps or sources', () => {
    const files = JSON.parse(readFileSync(join(dirname(app), 'files.json'), 'utf8')) as string[]
    expect(files.filter((f) => /\.(test|spec)\.|\.map$|^(test|bench|scripts)\/|\.ts$(?<!\.d\.ts)/.test(f))).toEqual([])
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'cjs/esm-only.cjs',
        'docs/playwright.md',
        'conformance/clients/python/example_client.py',
        'fixtures/keystone-test-only/README.md',
      ]),
    )
    // Every relative link of the README resolves to a shipped file.
    const links = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/\]\(((?!https?:|#)[^)#]+)/g)].map((m) => m[1]!)
    expect(links.filter((link) => !files.includes(link))).toEqual([])
  })

  it('installs msw 2 for the peer range (msw 3 breaks oauth-dance and needs Node 22)', () => {
    expect(JSON.parse(readFileSync(join(app, 'node_modules/msw/package.json'), 'utf8')).version).toMatch(/^2\./)
  })

  it('finds every README snippet the test runs', () => {
    expect([...snippets.keys()].sort()).toEqual([
      'conformance.test.ts',
      'e2e/login.spec.ts',
      'e2e/route-mode.spec.ts',
      'in-process.test.ts',
      'playwright.config.ts',
    ])
  })

  it(
    'type-checks the README snippets under strict, noUncheckedIndexedAccess and exactOptionalPropertyTypes',
    async () => {
      expectSuccess(await run('npx', ['--no', '--', 'tsc', '-p', '.'], app), 'tsc')
    },
    STEP_TIMEOUT_MS,
  )

  it(
    "runs the README's in-process and conformance examples with vitest",
    async () => {
      const result = await run('npx', ['--no', '--', 'vitest', 'run', 'in-process.test.ts', 'conformance.test.ts'], app)
      expectSuccess(result, 'vitest')
      expect(result.stdout).toMatch(/Tests +2 passed/)
    },
    STEP_TIMEOUT_MS,
  )

  it(
    "runs the README's Playwright examples on Chromium, with the README's configuration",
    async () => {
      const result = await run('npx', ['--no', '--', 'playwright', 'test'], app)
      expectSuccess(result, 'playwright test')
      expect(result.stdout).toMatch(/2 passed/)
    },
    STEP_TIMEOUT_MS,
  )

  it(
    'npx oauth-dance --version prints the version',
    async () => {
      const result = await run('npx', ['--no', '--', 'oauth-dance', '--version'], app)
      expect([result.code, result.stdout]).toEqual([0, `${PKG.version}\n`])
    },
    STEP_TIMEOUT_MS,
  )

  it(
    'npx oauth-dance check --provider all passes with the reference client',
    async () => {
      const result = await run('npx', ['--no', '--', 'oauth-dance', 'check', '--provider', 'all'], app)
      expectSuccess(result, 'check')
      expect(result.stdout).toContain('RESULT: PASS')
    },
    STEP_TIMEOUT_MS,
  )

  it(
    'npx oauth-dance check runs the bundled Python example client by name',
    async () => {
      // All six providers: the example client speaks standard too (PKCE, iss, nonce, ID token validation).
      const result = await run('npx', ['--no', '--', 'oauth-dance', 'check', '--provider', 'all', '--client', 'example:python'], app)
      expectSuccess(result, 'check --client example:python')
      expect(result.stdout).toContain('RESULT: PASS')
    },
    STEP_TIMEOUT_MS,
  )

  it(
    'require() fails with a message that says to import it',
    async () => {
      const result = await run(process.execPath, ['require.cjs'], app)
      expect(result.stdout).toMatch(/^ERR_OAUTH_DANCE_ESM_ONLY: oauth-dance is ESM-only and cannot be loaded with require\(\)/)
    },
    STEP_TIMEOUT_MS,
  )
})
