import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as oauth from 'oauth4webapi'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { cliArgs } from './support/cli.js'

/**
 * Issue 14's "done when": every part driven over sockets with only HTTP, the
 * command line and a config file, as a CI suite in another language would.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'

// Each test starts the CLI; without a current build that is through tsx, which compiles it first: seconds on a busy machine.
vi.setConfig({ testTimeout: 120_000 })

const children: ChildProcess[] = []
const dirs: string[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM')
})
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-dance-config-'))
  dirs.push(dir)
  return dir
}

interface Described {
  providers: Record<
    string,
    {
      baseUrl: string
      clients: Array<{ id: string; secret: string; name?: string; redirectUris: string[] }>
      users: Array<{ username: string; password: string }>
    }
  >
}

/** `oauth-dance serve --json --quiet --port-base 0 ...args` in `cwd`; resolves with its `--json` line. */
function serve(args: string[], cwd = ROOT): Promise<Described> {
  const child = spawn(...cliArgs(['serve', '--json', '--quiet', '--port-base', '0', ...args]), { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`serve did not start within 60 s: ${err}`)), 60_000)
    child.stdout!.on('data', (chunk) => {
      out += chunk
      const newline = out.indexOf('\n')
      if (newline !== -1) {
        clearTimeout(timer)
        resolve(JSON.parse(out.slice(0, newline)))
      }
    })
    child.stderr!.on('data', (chunk) => (err += chunk))
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}: ${err}`))
    })
  })
}

/** Runs `oauth-dance serve ...args` expecting it to refuse to start; resolves with its exit code and standard error. */
function serveRefused(args: string[], cwd = ROOT): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(...cliArgs(['serve', '--port-base', '0', ...args]), { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr })
    })
    children.push(child)
  })
}

async function json(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined }
}

const CALLBACK = 'http://127.0.0.1:8080/callback'

const CONFIG = {
  sharedClock: true,
  providers: {
    cloud66: {
      options: { redirectMatching: 'exact' },
      clients: [{ id: 'python-ci', secret: 'python-ci-secret', name: 'Python CI', redirectUris: [CALLBACK] }],
      users: [{ username: 'ci-user', password: 'ci-password' }],
    },
    keystone: {
      strictness: 'lenient',
      users: [{ username: 'ci-bot', password: 'pw' }],
      clients: [{ id: 'ci-credential', secret: 'ci-secret', name: 'ci', user: 'ci-bot' }],
    },
    gocd: { options: { accessTokenTtlSeconds: 3600 } },
  },
}

describe('serve --config', () => {
  it('a Python requests-oauthlib client registered through the config file completes Cloud 66’s code flow via the authorize shortcut', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'ci.json'), JSON.stringify(CONFIG))
    const { providers } = await serve(['--config', 'ci.json', '--providers', 'cloud66,keystone,gocd'], dir)
    const cloud66 = providers.cloud66
    expect(cloud66.clients.find((c) => c.id === 'python-ci')).toEqual({
      id: 'python-ci',
      secret: 'python-ci-secret',
      name: 'Python CI',
      redirectUris: [CALLBACK],
      scopes: ['public', 'redeploy'],
    })
    expect(cloud66.users.map((u) => u.username)).toEqual(['demo', 'ci-user'])

    const script = join(ROOT, 'test/clients/python/requests_oauthlib_cloud66.py')
    const output = await new Promise<string>((resolve, reject) =>
      execFile(PYTHON, [script, cloud66.baseUrl, 'python-ci', 'python-ci-secret', CALLBACK], { timeout: 20_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    )
    // Cloud 66's token answer names no scope; ci-user (declared in the file) owns no stacks, demo's are not theirs.
    expect(JSON.parse(output)).toEqual({ state_matches: true, token_type: 'bearer', scope: null, stacks_status: 200, stacks_count: 0 })

    const { body } = await json(`${cloud66.baseUrl}/__oauth-dance/journal`)
    expect(
      body.exchanges.map((e: { route: string; response: { status: number }; notes: { shortcut?: boolean } }) => [
        e.route,
        e.response.status,
        e.notes.shortcut ?? false,
      ]),
    ).toEqual([
      ['cloud66.authorize', 302, true],
      ['cloud66.token', 200, false],
      ['cloud66.stacks', 200, false],
    ])
    // The file's options, strictness and clock are in force.
    expect((await json(`${cloud66.baseUrl}/__oauth-dance/options`)).body.options.redirectMatching).toBe('exact')
    expect((await json(`${providers.keystone.baseUrl}/__oauth-dance/strictness`)).body).toEqual({ mode: 'lenient' })
    expect((await json(`${providers.gocd.baseUrl}/__oauth-dance/options`)).body.options.accessTokenTtlSeconds).toBe(3600)
    await json(`${cloud66.baseUrl}/__oauth-dance/clock`, { body: { advance: 60 } })
    const gocdNow = (await json(`${providers.gocd.baseUrl}/__oauth-dance/clock`)).body.nowMs
    expect(gocdNow - Date.now()).toBeGreaterThan(50_000)
  })

  it('keeps what the config file declares across reset, and drops what was added at run time', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'oauth-dance.config.json'), JSON.stringify(CONFIG))
    // No --config: the file in the working directory is picked up.
    const { providers } = await serve(['--providers', 'keystone'], dir)
    const keystone = providers.keystone.baseUrl
    const added = await json(`${keystone}/__oauth-dance/clients`, { body: { name: 'runtime', user: 'demo', id: 'runtime-credential' } })
    expect(added.status).toBe(201)
    expect((await json(`${keystone}/__oauth-dance/users`, { body: { username: 'temp', password: 'pw' } })).status).toBe(201)
    expect((await json(`${keystone}/__oauth-dance/clients`)).body.clients.map((c: { id: string }) => c.id)).toEqual([
      '7881bccb869bd70f169e5527ecc38216',
      'ci-credential',
      'runtime-credential',
    ])
    await json(`${keystone}/__oauth-dance/options`, { body: { tokenExpirationSeconds: 60 } })

    expect((await json(`${keystone}/__oauth-dance/reset`, { method: 'POST' })).status).toBe(200)
    expect((await json(`${keystone}/__oauth-dance/clients`)).body.clients.map((c: { id: string }) => c.id)).toEqual([
      '7881bccb869bd70f169e5527ecc38216',
      'ci-credential',
    ])
    expect((await json(`${keystone}/__oauth-dance/users`)).body.users.map((u: { username: string }) => u.username)).toEqual(['demo', 'mtls-client', 'ci-bot'])
    expect((await json(`${keystone}/__oauth-dance/options`)).body.options.tokenExpirationSeconds).toBe(3600)
    expect((await json(`${keystone}/__oauth-dance/strictness`)).body).toEqual({ mode: 'lenient' })
  })

  it('refuses to start on a config error, naming the provider, the key and the allowed values', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        providers: {
          keystone: { options: { basicCredentials: 'laxist' } },
          cloud66: { clients: [{ name: 'x', redirectUris: ['ftp://x'] }] },
          carina: { user: [] },
        },
      }),
    )
    const refused = await serveRefused(['--config', 'bad.json'], dir)
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toBe(
      [
        '[oauth-dance] Failed to start: the configuration is invalid (bad.json):',
        '  carina.user is not a known key (allowed: strictness, options, clients, users)',
        '  keystone.basicCredentials must be one of "raw", "lenient" (got "laxist")',
        '  cloud66.clients[0].redirectUris Callback URL must start with http:// or https://. (got ["ftp://x"])',
        '',
      ].join('\n'),
    )
    const unknownUser = await serveRefused(
      ['--set', 'keystone.strictness=lenient'],
      await (async () => {
        writeFileSync(join(dir, 'oauth-dance.config.json'), JSON.stringify({ providers: { keystone: { clients: [{ name: 'x', user: 'bob' }] } } }))
        return dir
      })(),
    )
    expect([unknownUser.code, unknownUser.stderr]).toEqual([
      1,
      `[oauth-dance] config ${join(dir, 'oauth-dance.config.json')}\n[oauth-dance] Failed to start: keystone.clients[0]: no user "bob" (known: demo, mtls-client)\n`,
    ])
  })

  it('prints the config error the README shows, verbatim', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const block = /<!-- config-error-example -->\n```(?:text|console)?\n\$ (npx oauth-dance serve [^\n]+)\n([\s\S]*?)```/.exec(readme)
    expect(block, 'README: the "Configure without code" config error example').not.toBeNull()
    const [, command, shown] = block!
    const args = command.replace(/^npx oauth-dance serve /, '').split(' ')
    const refused = await serveRefused(args, tempDir())
    expect(refused.stderr).toBe(shown)
    expect(refused.code).toBe(1)
  })
})

describe('the README', () => {
  it('its config file example starts as it is', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const example = /### A config file\n[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)![1]
    const dir = tempDir()
    writeFileSync(join(dir, 'oauth-dance.config.json'), example)
    // portBase 4400 in the example: the flag wins, so the test takes free ports.
    const { providers } = await serve([], dir)
    expect(providers.keystone.clients.map((c) => c.id)).toContain('ci-credential')
    expect(providers.gocd.clients.map((c) => c.name)).toEqual(['My Client', 'Dashboard'])
    expect((await json(`${providers.keystone.baseUrl}/__oauth-dance/options`)).body.options.basicCredentials).toBe('lenient')
  })
})

describe('serve --set', () => {
  it('Keystone started with --set keystone.basicCredentials=lenient accepts oauth4webapi’s percent-encoded Basic', async () => {
    const { providers } = await serve(
      ['--providers', 'keystone', '--set', 'keystone.basicCredentials=lenient', '--set', 'keystone.tokenExpirationSeconds=600'],
      tempDir(),
    )
    const keystone = providers.keystone
    const [credential] = keystone.clients
    // The seeded secret has "-" and "_", which oauth4webapi sends as %2D and %5F (RFC 6749 §2.3.1).
    expect(credential.secret).toMatch(/[-_]/)
    const as: oauth.AuthorizationServer = { issuer: keystone.baseUrl, token_endpoint: `${keystone.baseUrl}/v3/OS-OAUTH2/token` }
    const client: oauth.Client = { client_id: credential.id }
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(credential.secret),
      {},
      { [oauth.allowInsecureRequests]: true },
    )
    const result = await oauth.processClientCredentialsResponse(as, client, response)
    expect(result).toMatchObject({ token_type: 'bearer', expires_in: 600 })
    const { body } = await json(`${keystone.baseUrl}/__oauth-dance/journal`)
    expect(body.exchanges.at(-1).request.headers.authorization).toContain('JTJE') // base64 of "%2D"'s neighbourhood: the secret was percent-encoded
  })

  it('takes a value as JSON when it parses, else as a string', async () => {
    const { providers } = await serve(
      ['--providers', 'gocd', '--set', 'gocd.enforceTokenExpiry=true', '--set', 'gocd.security=off', '--set', 'gocd.codeTtlSeconds=60'],
      tempDir(),
    )
    const { body } = await json(`${providers.gocd.baseUrl}/__oauth-dance/options`)
    expect(body.options).toMatchObject({ enforceTokenExpiry: true, security: 'off', codeTtlSeconds: 60 })
  })
})

describe('control paths over HTTP', () => {
  it('clients and users in each provider’s terms, options, the shortcut’s refusals, and JSON-only bodies', async () => {
    const { providers } = await serve(['--providers', 'carina,gocd,cogo'], tempDir())
    const carina = providers.carina.baseUrl
    const gocd = providers.gocd.baseUrl
    const cogo = providers.cogo.baseUrl

    // A form post (what another site could send without a preflight) is refused, and changes nothing.
    const form = await fetch(`${carina}/__oauth-dance/clients`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=x',
    })
    expect([form.status, await form.json()]).toEqual([415, { error: 'the body must be JSON, sent with "Content-Type: application/json"' }])
    expect((await json(`${carina}/__oauth-dance/clients`)).body.clients).toHaveLength(1)

    const user = await json(`${gocd}/__oauth-dance/users`, { body: { username: 'ops', password: 'pw', admin: true } })
    expect([user.status, user.body]).toEqual([201, { username: 'ops', password: 'pw' }])
    const client = await json(`${gocd}/__oauth-dance/clients`, { body: { name: 'Dashboard', redirectUris: [CALLBACK], registeredBy: 'ops' } })
    expect(client.status).toBe(201)
    const approved = await json(`${gocd}/__oauth-dance/authorize`, { body: { client: client.body.id, redirectUri: CALLBACK, user: 'ops', state: 's1' } })
    expect(approved.status).toBe(200)
    const token = await fetch(`${gocd}/go/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization-code',
        code: approved.body.code,
        redirect_uri: CALLBACK,
        client_id: client.body.id,
        client_secret: client.body.secret,
      }),
    })
    expect(token.status).toBe(200)
    // The document's hour (#12; GoCD's real 90 days are an option).
    expect((await token.json()).expires_in).toBe(3600)
    expect((await json(`${gocd}/__oauth-dance/authorize`, { body: { client: client.body.id, redirectUri: 'http://elsewhere.example/' } })).body).toEqual({
      redirect: null,
      error: 'redirect-uri-mismatch',
      errorDescription: 'The "redirect_uri" is not the redirect URL registered for this OAuth client.',
    })
    expect((await json(`${gocd}/__oauth-dance/clients/${client.body.id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await json(`${gocd}/__oauth-dance/users/ops`, { method: 'DELETE' })).status).toBe(204)
    expect((await json(`${gocd}/__oauth-dance/users/ops`, { method: 'DELETE' })).body).toEqual({ error: 'no user "ops"' })

    expect((await json(`${cogo}/__oauth-dance/options`, { body: { audience: 'https://api.example' } })).body.options).toEqual({
      accessTokenTtlSeconds: 3600,
      audience: 'https://api.example',
    })
    expect((await json(`${cogo}/__oauth-dance/authorize`, { body: { client: 'x' } })).status).toBe(404)

    const index = await fetch(`${carina}/__oauth-dance/`)
    expect(index.headers.get('x-frame-options')).toBe('DENY')
    expect(await index.text()).toContain('<h1>carina: what is running</h1>')
    const data = (await json(`${cogo}/__oauth-dance/index.json`)).body
    expect(data.providers.map((p: { id: string }) => p.id)).toEqual(['carina', 'gocd', 'cogo'])
  })
})
