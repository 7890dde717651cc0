import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCarina } from '../../mocks/index.js'
import { exposureWarning, serve, type RunningServer } from '../../mocks/server.js'

/**
 * The control paths (`/__oauth-dance/`) against a web page on another site:
 * no CORS-simple request, cross-site `Origin` or `Sec-Fetch-Site`, nor a
 * rebound `Host` reaches them, and a refused request changes nothing.
 */

interface Answer {
  status: number
  body: any
}

/** A raw request through node:http, which sends `Host`, `Origin` and `Sec-Fetch-Site` as given (fetch forbids some). */
function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const url = new URL(path, base)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        headers: { ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode!, body: text && res.headers['content-type']?.includes('json') ? JSON.parse(text) : text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const FAULT = '{"route":"*","times":"always","action":{"type":"html-502"}}'

describe('control paths over serve', () => {
  let running: RunningServer
  let base: string
  let port: number
  beforeAll(async () => {
    running = await serve({ portBase: 0, providers: ['carina'], log: null })
    base = running.listeners[0].url
    port = running.listeners[0].port
  })
  afterAll(() => running.close())

  const faultsLeft = () => running.providers.carina!.faults.list().length

  const NOT_JSON = { status: 415, body: { error: 'the body must be JSON, sent with "Content-Type: application/json"' } }

  it('refuses a CORS-simple text/plain POST with 415, and adds no fault', async () => {
    const answer = await send(base, 'POST', '/__oauth-dance/faults', { 'content-type': 'text/plain;charset=UTF-8' }, FAULT)
    expect(answer).toEqual(NOT_JSON)
    expect(faultsLeft()).toBe(0)
  })

  it('refuses a body sent without Content-Type (a Blob a page posted)', async () => {
    const answer = await send(base, 'POST', '/__oauth-dance/faults', {}, FAULT)
    expect(answer).toEqual(NOT_JSON)
    expect(faultsLeft()).toBe(0)
  })

  it('refuses a form POST to reset', async () => {
    const before = running.providers.carina!.clock.nowMs()
    await send(base, 'POST', '/__oauth-dance/clock', { 'content-type': 'application/json' }, '{"advance":3600}')
    const answer = await send(base, 'POST', '/__oauth-dance/reset', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=b')
    expect(answer.status).toBe(415)
    expect(running.providers.carina!.clock.nowMs()).toBeGreaterThanOrEqual(before + 3600_000)
    await send(base, 'POST', '/__oauth-dance/reset')
  })

  it('refuses a cross-site Origin, a null Origin and Sec-Fetch-Site: cross-site', async () => {
    const json = { 'content-type': 'application/json' }
    expect(await send(base, 'POST', '/__oauth-dance/faults', { ...json, origin: 'https://evil.example' }, FAULT)).toEqual({
      status: 403,
      body: { error: 'control paths refuse requests from another site (Origin: https://evil.example)' },
    })
    expect((await send(base, 'POST', '/__oauth-dance/reset', { ...json, origin: 'null' }, '{}')).status).toBe(403)
    expect(await send(base, 'GET', '/__oauth-dance/provider', { 'sec-fetch-site': 'cross-site' })).toEqual({
      status: 403,
      body: { error: 'control paths refuse cross-site requests (Sec-Fetch-Site: cross-site)' },
    })
    expect(faultsLeft()).toBe(0)
  })

  it('answers a same-machine Origin and Sec-Fetch-Site: same-origin', async () => {
    expect((await send(base, 'GET', '/__oauth-dance/provider', { origin: `http://localhost:${port}`, 'sec-fetch-site': 'same-origin' })).status).toBe(200)
    expect(
      (await send(base, 'POST', '/__oauth-dance/reset', { origin: 'http://127.0.0.1:3000', 'content-type': 'application/json; charset=utf-8' }, '{}')).status,
    ).toBe(200)
  })

  it('answers only to a loopback Host or localhost (DNS rebinding reads nothing)', async () => {
    const rebound = await send(base, 'GET', '/__oauth-dance/provider', { host: `attacker.example:${port}` })
    expect(rebound).toEqual({
      status: 403,
      body: { error: `control paths answer only to a loopback Host, localhost or 127.0.0.1; this request names "attacker.example:${port}" (DNS rebinding?)` },
    })
    expect((await send(base, 'GET', '/__oauth-dance/journal', { host: 'attacker.example' })).status).toBe(403)
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'app.localhost', `[::1]:${port}`]) {
      expect([host, (await send(base, 'GET', '/__oauth-dance/provider', { host })).status]).toEqual([host, 200])
    }
  })

  it('guards every control path, those of other modules and unknown ones too (404 only once allowed)', async () => {
    for (const path of ['clients', 'users', 'options', 'authorize', '', 'index.json']) {
      expect([path, (await send(base, 'GET', `/__oauth-dance/${path}`, { origin: 'https://evil.example' })).status]).toEqual([path, 403])
    }
    expect((await send(base, 'POST', '/__oauth-dance/clients', { 'content-type': 'application/json', host: 'attacker.example' }, '{"name":"x"}')).status).toBe(
      403,
    )
    expect(running.providers.carina!.clients.list().length).toBe(1)
    expect((await send(base, 'GET', '/__oauth-dance/no-such-path')).status).toBe(404)
  })

  it('leaves provider pages and endpoints alone: a cross-site form post to the token endpoint is answered as before', async () => {
    const answer = await send(
      base,
      'POST',
      '/oauth/token',
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain', host: 'attacker.example' },
      'x',
    )
    expect(answer.status).not.toBe(403)
    expect((await send(base, 'GET', '/login', { 'sec-fetch-site': 'cross-site' })).status).toBe(200)
  })
})

describe('serve --control-token', () => {
  let running: RunningServer
  let base: string
  const token = 'correct-horse-battery'
  beforeAll(async () => {
    running = await serve({ portBase: 0, providers: ['carina'], log: null, controlToken: token })
    base = running.listeners[0].url
  })
  afterAll(() => running.close())

  it('refuses control requests without the token or with a wrong one', async () => {
    const error = 'control paths need the control token (Authorization: Bearer <token> or x-oauth-dance-control-token: <token>)'
    expect(await send(base, 'GET', '/__oauth-dance/provider')).toEqual({ status: 403, body: { error } })
    expect(await send(base, 'GET', '/__oauth-dance/provider', { authorization: 'Bearer wrong' })).toEqual({ status: 403, body: { error } })
    expect(
      (await send(base, 'POST', '/__oauth-dance/faults', { 'content-type': 'application/json', 'x-oauth-dance-control-token': token + 'x' }, FAULT)).status,
    ).toBe(403)
    expect(running.providers.carina!.faults.list()).toEqual([])
  })

  it('answers with the token as a Bearer credential or in x-oauth-dance-control-token', async () => {
    expect((await send(base, 'GET', '/__oauth-dance/provider', { authorization: `Bearer ${token}` })).status).toBe(200)
    expect((await send(base, 'GET', '/__oauth-dance/clock', { 'x-oauth-dance-control-token': token })).status).toBe(200)
  })

  it('leaves provider endpoints without the token', async () => {
    expect((await send(base, 'GET', '/login')).status).toBe(200)
  })

  it('refuses a token shorter than 8 characters at start-up', async () => {
    await expect(serve({ portBase: 0, providers: ['carina'], log: null, controlToken: 'short' })).rejects.toThrow(
      'Failed to start the providers: the control token must be at least 8 characters',
    )
  })
})

describe('serve --host beyond loopback', () => {
  it("warns on standard error, naming what becomes reachable, and answers the control paths on the machine's addresses", async () => {
    const warnings: string[] = []
    const running = await serve({ portBase: 0, providers: ['carina'], log: null, host: '0.0.0.0', warn: (line) => warnings.push(line) })
    try {
      expect(warnings).toEqual([exposureWarning('0.0.0.0', false)])
      expect(warnings[0]).toMatch(
        /^\[oauth-dance\] warning: listening on 0\.0\.0\.0, not a loopback address: .*client secrets, passwords and recorded Authorization headers.*--control-token/,
      )
      const port = running.listeners[0].port
      expect((await send(`http://127.0.0.1:${port}`, 'GET', '/__oauth-dance/provider')).status).toBe(200)
      expect((await send(`http://127.0.0.1:${port}`, 'GET', '/__oauth-dance/provider', { host: 'attacker.example' })).status).toBe(403)
    } finally {
      await running.close()
    }
  })

  it('says nothing for loopback', async () => {
    const warnings: string[] = []
    const running = await serve({ portBase: 0, providers: ['carina'], log: null, host: 'localhost', warn: (line) => warnings.push(line) })
    await running.close()
    expect(warnings).toEqual([])
  })
})

describe('control paths in-process', () => {
  const carina = createCarina()
  const control = (path: string, init: RequestInit = {}) => carina.handle(new Request(`${carina.baseUrl}/__oauth-dance/${path}`, init))

  it("answer the production host without a Host check, from Node (no Origin) and from the provider's own origin", async () => {
    expect((await control('provider')).status).toBe(200)
    expect((await control('faults', { method: 'POST', headers: { 'content-type': 'application/json', origin: carina.baseUrl }, body: FAULT })).status).toBe(201)
    expect((await control('faults', { method: 'DELETE' })).status).toBe(204)
  })

  it('refuse a cross-site Origin and a text/plain body there too', async () => {
    const crossSite = await control('faults', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: FAULT })
    expect([crossSite.status, await crossSite.json()]).toEqual([
      403,
      { error: 'control paths refuse requests from another site (Origin: https://evil.example)' },
    ])
    expect((await control('faults', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: FAULT })).status).toBe(415)
    expect(carina.faults.list()).toEqual([])
  })
})
