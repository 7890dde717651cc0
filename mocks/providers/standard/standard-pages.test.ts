import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browser, formFields } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { pkcePair, PUBLIC, signIn } from '../../../test/support/standard.js'
import type { StandardRuntime } from './config.js'

const HOSTILE = `<img src=x onerror=alert(1)>"'&<script>alert(2)</script>`

function expectPageHeaders(res: request.Response, what: string) {
  expect(res.headers['content-type'], what).toBe('text/html; charset=utf-8')
  expect(res.headers['x-frame-options'], what).toBe('DENY')
  expect(res.headers['cache-control'], what).toBe('no-store')
  const csp: string = res.headers['content-security-policy']
  expect(csp, what).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:; base-uri 'none'; frame-ancestors 'none'$/)
}

/** The login, consent and device pages of `standard`: strict CSP, no framing, anti-CSRF, escaping, labelled fields. */
describe.each(bothModes)('standard pages over $name', (mode) => {
  let running: Running<StandardRuntime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<StandardRuntime>('standard')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  const authorizeQuery = (extra: Record<string, string> = {}) => ({
    client_id: PUBLIC.clientId,
    redirect_uri: 'http://127.0.0.1:8000/callback',
    response_type: 'code',
    scope: 'openid',
    state: 'xyz',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    ...extra,
  })

  it('login page: headers, an HttpOnly SameSite cookie, labelled inputs, and the client named', async () => {
    const agent = browser(base)
    const redirect = await agent.get('/authorize').query(authorizeQuery())
    expect(redirect.status).toBe(302)
    const page = await agent.get(new URL(redirect.headers.location).pathname + new URL(redirect.headers.location).search)
    expectPageHeaders(page, 'login')
    const cookie = ([page.headers['set-cookie']].flat() as string[]).find((c) => c.startsWith('standard_session='))!
    expect(cookie).toMatch(/; HttpOnly/)
    expect(cookie).toMatch(/; SameSite=Lax/)
    if (base.startsWith('https:')) expect(cookie).toMatch(/; Secure/)
    expect(page.text).toContain('<label for="username">')
    expect(page.text).toContain('<label for="password">')
    expect(page.text).toContain('Sign in to continue to Example Native App')
  })

  it("consent page: headers; a POST without the session's token issues no code", async () => {
    const agent = browser(base)
    await signIn(agent)
    const consent = await agent.get('/authorize').query(authorizeQuery())
    expect(consent.status).toBe(200)
    expectPageHeaders(consent, 'consent')
    const { authenticity_token: token, ...fields } = formFields(consent.text)
    expect(token).toMatch(/^[\w-]{20,}$/)
    const before = running.provider.store.codes.collection.count()
    for (const forged of [undefined, 'x'.repeat(32)]) {
      const res = await agent
        .post('/authorize')
        .type('form')
        .send({ ...fields, ...(forged ? { authenticity_token: forged } : {}), decision: 'authorize' })
      expect(res.status).toBe(403)
      expect(res.headers.location).toBeUndefined()
      expectPageHeaders(res, 'refusal')
    }
    expect(running.provider.store.codes.collection.count()).toBe(before)
  })

  it('escapes the client name and state on the consent page, and the state round-trips intact', async () => {
    const { store } = running.provider
    store.clients.patch(store.clients.by('clientId', PUBLIC.clientId)!, { name: HOSTILE })
    const agent = browser(base)
    await signIn(agent)
    const consent = await agent.get('/authorize').query(authorizeQuery({ state: HOSTILE }))
    expect(consent.text).not.toContain('<script>alert(2)</script>')
    expect(consent.text).not.toContain('<img src=x')
    expect(consent.text).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;&lt;script&gt;')
    const decided = await agent
      .post('/authorize')
      .type('form')
      .send({ ...formFields(consent.text), decision: 'authorize' })
    expect(new URL(decided.headers.location).searchParams.get('state')).toBe(HOSTILE)
  })

  it("device pages: headers, and a decision without the session's token changes nothing", async () => {
    const started = (await request(base).post('/device_authorization').type('form').send({ client_id: PUBLIC.clientId })).body
    const agent = browser(base)
    await signIn(agent)
    const entry = await agent.get('/device')
    expectPageHeaders(entry, 'device entry')
    expect(entry.text).toContain('<label for="user_code">')
    const confirm = await agent.get(`/device?user_code=${started.user_code}`)
    expectPageHeaders(confirm, 'device confirm')
    const forged = await agent.post('/device').type('form').send({ user_code: started.user_code, decision: 'authorize' })
    expect(forged.status).toBe(403)
    expect(running.provider.store.deviceCodes.by('deviceCode', started.device_code)!.status).toBe('pending')
  })
})
