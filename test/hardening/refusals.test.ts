import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { carinaFixtures } from '../../fixtures/carina.js'
import { keystoneFixtures } from '../../fixtures/keystone.js'
import { Clock } from '../../mocks/core/clock.js'
import { percentEncodeUnsafe, safeReturnTo } from '../../mocks/core/session.js'
import { createCarina } from '../../mocks/index.js'
import { createKeystone } from '../../mocks/index.js'
import { requestTarget, serve, type RunningServer } from '../../mocks/server.js'
import { authorizeInBrowser, browser, formFields } from '../support/browser-like.js'
import { raw, readUntilClosed } from '../support/raw-socket.js'

/**
 * Bad input is refused up front, in the provider's own format (control paths:
 * a message naming the problem and the valid values), and nothing changes on
 * a refused request: clock values, fault specs, nested JSON, characters a
 * header cannot hold, absolute-form request targets, stalled TLS handshakes.
 */

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

describe('POST /__oauth-dance/clock', () => {
  const carina = createCarina()
  const clock = (init?: RequestInit) => carina.handle(new Request(`${carina.baseUrl}/__oauth-dance/clock`, init))

  it.each([
    [{ advance: 1e308 }, /^Failed to advance the clock: 1e\+308 seconds would take it outside 1970-01-01T00:00:00\.000Z \.\.\. 9999-12-31T23:59:59\.999Z/],
    [{ advance: -1e12 }, /^Failed to advance the clock: -1000000000000 seconds would take it outside/],
    [{ set: '+275760-09-13T00:00:00.000Z' }, /^Failed to set the clock: \+275760-09-13T00:00:00\.000Z is outside 1970/],
    [{ set: [2020] }, /^"set" must be an ISO 8601 date$/],
  ])('refuses %j with 400 and leaves the clock where it was', async (body, message) => {
    const before = carina.clock.nowMs()
    const res = await clock(json(body))
    expect(res.status).toBe(400)
    expect((await res.json()).error).toMatch(message)
    expect(Math.abs(carina.clock.nowMs() - before)).toBeLessThan(60_000)
    expect((await clock()).status).toBe(200)
    expect((await carina.handle(new Request(`${carina.baseUrl}/login`))).status).toBe(200)
  })

  it('refuses the same in-process, changing nothing', () => {
    const frozen = new Clock({ start: 0, frozen: true })
    expect(() => frozen.advance(1e308)).toThrow(RangeError)
    expect(() => frozen.set(-1)).toThrow('Failed to set the clock: 1969-12-31T23:59:59.999Z is outside 1970-01-01T00:00:00.000Z ... 9999-12-31T23:59:59.999Z')
    expect(frozen.nowMs()).toBe(0)
  })
})

describe('fault validation', () => {
  const carina = createCarina()
  const add = async (spec: unknown) => {
    const res = await carina.handle(new Request(`${carina.baseUrl}/__oauth-dance/faults`, json(spec)))
    return [res.status, (await res.json()).error]
  }

  it.each([
    [{ route: 'carina.tokn', action: { type: 'drop' } }, /^"route" is "carina\.tokn", which is no route of this provider; valid: \*, carina\..*carina\.token/],
    [
      { route: '*', action: { type: 'explode' } },
      /^"action\.type" must be one of oauth-error, response, retry-after, html-502, delay, drop, truncated-json, wrong-content-type, success-with-error, broken-token$/,
    ],
    [{ route: '*', action: { type: 'response', status: 'abc' } }, /^"action\.status" must be an integer from 200 to 599/],
    [{ route: '*', action: { type: 'response', status: 101 } }, /^"action\.status" must be an integer from 200 to 599 \(1xx/],
    [{ route: '*', action: { type: 'response', status: 204, body: 'x' } }, /^"action\.body" cannot be sent with status 204/],
    [
      { route: '*', action: { type: 'response', status: 200, headers: { 'X-A': 'a\r\nSet-Cookie: x=1' } } },
      /^"action\.headers" has an invalid value for "X-A"/,
    ],
    [{ route: '*', action: { type: 'response', status: 200, headers: { 'Bad Name': 'a' } } }, /^"action\.headers" has an invalid header name "Bad Name"/],
    [{ route: '*', action: { type: 'oauth-error', error: 'server_error', status: 'abc' } }, /^"action\.status" must be an integer from 400 to 599$/],
    [{ route: '*', action: { type: 'oauth-error', error: 'a"b' } }, /^"action\.error" must be an OAuth error code/],
    [{ route: '*', action: { type: 'retry-after', status: 500 } }, /^"action\.status" must be 429 or 503$/],
    [{ route: '*', action: { type: 'drop', ms: 5 } }, /^a "drop" action has no field "ms" \(valid: none besides type\)$/],
    [{ route: '*', times: { nth: 0 }, action: { type: 'drop' } }, /^"times" must be "once", "always" or \{"nth": <positive integer>\}$/],
    [{ route: '*', action: { type: 'drop' }, when: 'now' }, /^a fault has no field "when" \(valid: route, times, action\)$/],
  ])('refuses %j with 400 naming the problem, and registers nothing', async (spec, message) => {
    const [status, error] = await add(spec)
    expect(status).toBe(400)
    expect(error).toMatch(message)
    expect(carina.faults.list()).toEqual([])
  })

  it('refuses the same through faults.add in-process', () => {
    expect(() => carina.faults.add({ route: 'carina.tokn', action: { type: 'drop' } })).toThrow(
      /^"route" is "carina\.tokn", which is no route of this provider/,
    )
    expect(() => carina.faults.add({ route: 'carina.token', action: { type: 'response', status: 200, headers: { a: '\n' } } })).toThrow(TypeError)
    expect(carina.faults.list()).toEqual([])
    expect(carina.faults.add({ route: 'carina.token', action: { type: 'response', status: 503, headers: { 'Retry-After': '5' } } }).route).toBe('carina.token')
    carina.faults.clear()
  })
})

describe('deeply nested JSON bodies', () => {
  const nested = '['.repeat(5000) + ']'.repeat(5000)

  it('Keystone answers 400 in its own format on /v3/auth/tokens and the credential routes, never 500', async () => {
    const keystone = createKeystone()
    await keystone.ready
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      keystone.handle(new Request(keystone.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }))
    const tokens = await post('/v3/auth/tokens', nested)
    expect([tokens.status, await tokens.json()]).toEqual([
      400,
      {
        error: {
          code: 400,
          title: 'Bad Request',
          message:
            'Expecting to find valid JSON in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
        },
      },
    ])
    const inside = await post('/v3/auth/tokens', `{"auth":${nested}}`)
    expect(inside.status).toBe(400)
    const { user } = keystoneFixtures
    const login = await post(
      '/v3/auth/tokens',
      JSON.stringify({
        auth: { identity: { methods: ['password'], password: { user: { name: user.name, domain: { id: 'default' }, password: user.password } } } },
      }),
    )
    expect(login.status).toBe(201)
    const credential = await post(`/v3/users/${user.id}/application_credentials`, nested, { 'x-auth-token': login.headers.get('x-subject-token')! })
    expect([credential.status, (await credential.json()).error.code]).toEqual([400, 400])
    expect(keystone.journal.entries().filter((e) => e.response.status >= 500)).toEqual([])
  })

  it("Carina's JSON token body and the control paths answer 400 too", async () => {
    const carina = createCarina()
    const token = await carina.handle(new Request(`${carina.baseUrl}/oauth/token`, json(nested)))
    expect(token.status).toBeLessThan(500)
    expect((await token.json()).error).toBe('invalid_request')
    const fault = await carina.handle(new Request(`${carina.baseUrl}/__oauth-dance/faults`, json(`{"route":${nested}}`)))
    expect([fault.status, await fault.json()]).toEqual([400, { error: 'the body is not valid JSON' }])
  })
})

describe('characters a header cannot hold', () => {
  it('percent-encodes them in return_to up front and in every redirect', () => {
    expect(safeReturnTo('/é?x=\x7f y')).toBe('/%C3%A9?x=%7F%20y')
    expect(percentEncodeUnsafe('https://example.com/cb?x=\ud800')).toBe('https://example.com/cb?x=%EF%BF%BD')
    expect(safeReturnTo('/ok?a=b%20c')).toBe('/ok?a=b%20c')
  })

  let running: RunningServer
  beforeAll(async () => {
    running = await serve({ portBase: 0, providers: ['carina'], log: null })
  })
  afterAll(() => running.close())

  it.each(['/\x7f', '/é', '/\u2028'])('a login with return_to %j redirects (no 400 after logging in)', async (returnTo) => {
    const agent = browser(running.providers.carina!.baseUrl)
    const page = await agent.get('/login').query({ return_to: returnTo })
    const res = await agent
      .post('/login')
      .type('form')
      .send({ ...formFields(page.text), username: carinaFixtures.user.username, password: carinaFixtures.user.password })
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe(running.providers.carina!.baseUrl + percentEncodeUnsafe(returnTo))
  })

  it('an authorization code reaches a redirect URI holding é or DEL, encoded', async () => {
    const location = await authorizeInBrowser(browser(running.providers.carina!.baseUrl), {
      clientId: carinaFixtures.application.clientId,
      redirectUri: 'https://example.com/carina-oauth-callback?x=é\x7f',
      scope: 'identity',
      username: carinaFixtures.user.username,
      password: carinaFixtures.user.password,
    })
    expect(location.search).toMatch(/^\?x=%C3%A9%7F&code=[0-9a-f]{64}$/)
  })
})

describe('serve: request targets, the request log and TLS handshakes', () => {
  let running: RunningServer
  const lines: string[] = []
  let port: number
  beforeAll(async () => {
    running = await serve({
      portBase: 0,
      providers: ['carina', 'keystone'],
      log: (line) => lines.push(line),
      tls: { keystone: true },
      timeouts: { headersMs: 300, requestMs: 600 },
    })
    port = running.listeners.find((l) => l.provider === 'carina')!.port
  })
  afterAll(() => running.close())

  it('parses absolute-form targets into a path and an authority', () => {
    expect(requestTarget('http://evil/__oauth-dance/clock')).toEqual({ path: '/__oauth-dance/clock', authority: 'evil' })
    expect(requestTarget('https://u:p@host:1/a?b')).toEqual({ path: '/a?b', authority: 'host:1' })
    expect(requestTarget('http://host?x')).toEqual({ path: '/?x', authority: 'host' })
    expect(requestTarget('*')).toEqual({ path: '/' })
  })

  it('routes an absolute-form target by its path, its authority standing for the Host (RFC 9112 §3.2.2)', async () => {
    const ask = async (target: string) => {
      const socket = await raw(port)
      socket.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)
      return (await readUntilClosed(socket))!
    }
    expect(await ask('http://evil.example/__oauth-dance/clock')).toMatch(/^HTTP\/1\.1 403 [\s\S]*control paths answer only to a loopback Host/)
    expect(await ask(`http://127.0.0.1:${port}/__oauth-dance/clock`)).toMatch(/^HTTP\/1\.1 200 [\s\S]*"nowMs"/)
    expect(await ask('http://anything.example/login')).toMatch(/^HTTP\/1\.1 200 [\s\S]*data-testid="login-form"/)
  })

  it('logs an out-of-band code page without the code', async () => {
    const base = running.providers.carina!.baseUrl
    const location = await authorizeInBrowser(browser(base), {
      clientId: carinaFixtures.application.clientId,
      redirectUri: 'urn:ietf:wg:oauth:2.0:oob',
      scope: 'identity',
      username: carinaFixtures.user.username,
      password: carinaFixtures.user.password,
    })
    const code = location.pathname.split('/').pop()!
    expect(code).toMatch(/^[0-9a-f]{64}$/)
    await browser(base).get(location.pathname)
    expect(lines.join('\n')).not.toContain(code)
    expect(lines).toContainEqual(expect.stringMatching(/^carina GET \/oauth\/authorize\/… \d{3} /))
  })

  it('closes a connection that stalls in the TLS handshake', async () => {
    const keystone = running.listeners.find((l) => l.provider === 'keystone')!
    const silent = await raw(keystone.port)
    const partial = await raw(keystone.port)
    partial.write(Buffer.from([0x16, 0x03, 0x01]))
    // Closed by the server (null would mean still open after 10 s; Node's own default waits 120 s).
    expect(await Promise.all([readUntilClosed(silent), readUntilClosed(partial)])).toEqual(['', ''])
  })
})
