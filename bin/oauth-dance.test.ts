import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BUNDLED_CLI, buildIsCurrent, cliArgs, keystoneTokenStatus, type ServedKeystone } from '../test/support/cli.js'
import { loadedCode } from '../bench/loaded-code.mjs'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
// Generous: without a current build the CLI starts through tsx, which compiles the project first, on a busy machine.
const SLOW = { timeout: 120_000 }

/** Runs the CLI (the built bundle, or the sources when it is stale) in `cwd` until it exits (or `until` sees its standard error), with a deadline. */
function cli(args: string[], options: { cwd?: string; until?: RegExp } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(...cliArgs(args), { cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const deadline = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`oauth-dance ${args.join(' ')} did not finish: ${stderr}`))
    }, SLOW.timeout - 5000)
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      if (options.until?.test(stderr)) child.kill('SIGTERM')
    })
    // 'close', not 'exit': the child can exit before its last output has been read from the pipes.
    child.on('close', (code) => {
      clearTimeout(deadline)
      resolve({ code, stdout, stderr })
    })
  })
}

describe.concurrent('oauth-dance (the CLI)', () => {
  it('--version prints the package version', SLOW, async () => {
    const { code, stdout } = await cli(['--version'])
    expect([code, stdout]).toEqual([0, `${VERSION}\n`])
  })

  it('--help lists the built-in clients by name and says where the docs are', SLOW, async () => {
    const { code, stdout } = await cli(['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain(`Documentation: ${join(ROOT, 'README.md')}`)
    expect(stdout).toMatch(/^ {2}reference {2,}follows every rule/m)
    expect(stdout).toMatch(/^ {2}example:python {2,}/m)
    expect(stdout).toMatch(/^ {2}retry-storm {2,}deliberately broken: fails avoid-retry-storm/m)
  })

  it('serve --help lists every provider option, from the config schema it loads for help', SLOW, async () => {
    const { code, stdout } = await cli(['serve', '--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('Provider options (--set <provider>.<option>=<value>, or "options" in the config file):')
    expect(stdout).toMatch(/^ {4}keystone\.basicCredentials: "raw" \| "lenient" \(default "raw"\) {2}\S/m)
  })

  it('serve refuses a bad --port-base with the valid values, then the whole help, provider options included', SLOW, async () => {
    const { code, stdout, stderr } = await cli(['serve', '--port-base', 'abc'])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(
      /^error: option '--port-base <n>' argument 'abc' is invalid\. must be 0 \(free ports\) or a port between 1 and 65528\n\nUsage: oauth-dance serve \[options\]\n/,
    )
    expect(stderr).toContain('Provider options (--set <provider>.<option>=<value>, or "options" in the config file):')
  })

  it('serve refuses an unknown provider, naming the known ones', SLOW, async () => {
    const { code, stderr } = await cli(['serve', '--port-base', '0', '--providers', 'keystone,okta'])
    expect(code).toBe(1)
    expect(stderr).toMatch(
      /^error: option '--providers <list>' argument 'keystone,okta' is invalid\. unknown provider "okta" \(known: carina, keystone, cloud66, cogo, gocd, standard\)\n/,
    )
  })

  // The bundle's layout (scripts/bundle-bin.mjs): each provider a chunk of its own, loaded when serve builds it, on its first request.
  it.skipIf(!buildIsCurrent())("serve loads no provider's code before its JSON line, and Keystone's alone for a Keystone token", SLOW, async () => {
    const serve = ['serve', '--port-base', '0', '--json', '--quiet']
    const providerChunks = (files: Array<{ path: string }>) =>
      files.map((file) => /[\\/]dist[\\/]bundle[\\/]provider-([a-z0-9]+)-[\w-]+\.cjs$/.exec(file.path)?.[1]).filter((id) => id !== undefined)
    const listening = await loadedCode(BUNDLED_CLI, serve)
    expect(Object.keys(listening.info.providers)).toEqual(['carina', 'keystone', 'cloud66', 'cogo', 'gocd', 'standard'])
    expect(providerChunks(listening.files)).toEqual([])
    const keystoneToken = async (info: ServedKeystone) => expect(await keystoneTokenStatus(info)).toBe(200)
    const tokenServed = await loadedCode(BUNDLED_CLI, serve, { then: keystoneToken })
    expect(providerChunks(tokenServed.files)).toEqual(['keystone'])
    // A provider the command line sets up is built, and its code loaded, at start; the configuration is validated
    // with its section alone, so no other provider's code loads.
    const configured = await loadedCode(BUNDLED_CLI, [...serve, '--set', 'cogo.audience=https://api.example'])
    expect(configured.info.providers.cogo.audience).toBe('https://api.example')
    expect(providerChunks(configured.files)).toEqual(['cogo'])
  })

  it("serve prints, for a person, each provider's URL with its client ids, secrets and users", SLOW, async () => {
    const { stderr } = await cli(['serve', '--port-base', '0', '--quiet', '--providers', 'carina,cogo'], { until: /ready;/ })
    const lines = stderr
      .split('\n')
      .filter((line) => line.startsWith('[oauth-dance]'))
      .map((line) => line.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:PORT'))
    expect(lines.slice(0, 6)).toEqual([
      '[oauth-dance] carina     http://127.0.0.1:PORT',
      '[oauth-dance]   client "My Cool App": id b5929c22bc43254890031a724c78f389830d32d2fa83103ee81ead527082da89  secret 9cf02294dff9df87b48e3e995ba4045eba6d68f601fd2faae87cb3c3580fcf0d',
      '[oauth-dance]   user: carolynvs / demo',
      '[oauth-dance] cogo-auth  http://127.0.0.1:PORT',
      '[oauth-dance] cogo-api   http://127.0.0.1:PORT',
      expect.stringMatching(/^\[oauth-dance\] {3}client "[^"]+": id \S+ {2}secret \S+$/),
    ])
  })

  it('check runs the bundled Python example client by name from any folder', SLOW, async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'oauth-dance-cli-'))
    try {
      const { code, stdout } = await cli(['check', '--provider', 'cogo', '--client', 'example:python'], { cwd: elsewhere })
      expect(stdout).toContain('RESULT: PASS')
      expect(code).toBe(0)
    } finally {
      rmSync(elsewhere, { recursive: true, force: true })
    }
  })

  it('refuses an unknown example client, naming the ones there are', SLOW, async () => {
    const { code, stderr } = await cli(['check', '--provider', 'cogo', '--client', 'example:cobol'])
    expect(code).toBe(1)
    expect(stderr).toContain('Failed to resolve client "example:cobol": the example clients are example:python')
  })
})
