import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { secretsEqual } from '../../mocks/core/secrets.js'
import { serve } from '../../mocks/server.js'
import type { ProviderId } from '../../mocks/registry.js'
import { browser, formFields, pathOf, type Browser } from '../support/browser-like.js'
import { bothModes, type Running } from '../support/modes.js'

/**
 * The HTML pages of every provider that has them (login, consent, admin):
 * per-session anti-CSRF tokens that a cross-site POST cannot supply, HttpOnly
 * SameSite session cookies, no framing and a restrictive CSP, escaped names,
 * scopes and state (the real-browser check is the Playwright suite's), and
 * secrets that never reach serve's request log.
 */

interface PagesProvider {
  id: ProviderId
  loginPath: string
  authorizePath: string
  scope: string
  adminPages: string[]
  cookieName: string
}

const PAGES: PagesProvider[] = [
  {
    id: 'carina',
    loginPath: '/login',
    authorizePath: '/oauth/authorize',
    scope: 'identity',
    adminPages: ['/oauth/applications', '/oauth/applications/new', '/oauth/authorized_applications'],
    cookieName: '_carina_oauth_session',
  },
  {
    id: 'cloud66',
    loginPath: '/users/sign_in',
    authorizePath: '/oauth/authorize',
    scope: 'public',
    adminPages: ['/oauth/authorized_applications'],
    cookieName: '_cloud66_session',
  },
  {
    id: 'gocd',
    loginPath: '/go/auth/login',
    authorizePath: '/go/oauth/authorize',
    scope: '',
    adminPages: ['/go/admin', '/go/oauth/admin/clients', '/go/oauth/admin/clients/new'],
    cookieName: 'JSESSIONID',
  },
]

const HOSTILE = `<img src=x onerror=alert(1)>"'&<script>alert(2)</script>`

function expectPageHeaders(res: request.Response, what: string) {
  expect(res.headers['content-type'], what).toMatch(/^text\/html/)
  expect(res.headers['x-frame-options'], what).toBe('DENY')
  const csp: string = res.headers['content-security-policy'] ?? ''
  expect(csp, what).toMatch(/default-src 'none'/)
  expect(csp, what).toMatch(/frame-ancestors 'none'/)
  expect(csp, what).not.toMatch(/unsafe-inline|unsafe-eval|script-src(?![^;]*'none')/)
}

function sessionCookies(res: request.Response, name: string): string[] {
  return ([res.headers['set-cookie'] ?? []].flat() as string[]).filter((c) => c.startsWith(`${name}=`))
}

describe.each(bothModes)('pages over $name', (mode) => {
  describe.each(PAGES)('$id', (p) => {
    let running: Running
    let base: string
    let client: { id: string; secret: string; redirectUris: string[] }
    let user: { username: string; password: string }
    beforeAll(async () => {
      running = await mode.start(p.id)
      base = running.baseUrl
    })
    afterAll(() => running.close())
    beforeEach(async () => {
      await running.provider.reset()
      const d = running.provider.describe()
      client = d.clients[0]
      user = d.users.find((u) => u.username === 'admin') ?? d.users[0]
    })

    const authorizeQuery = (extra: Record<string, string> = {}) => ({
      client_id: client.id,
      redirect_uri: client.redirectUris.find((u) => !u.startsWith('urn:')) ?? client.redirectUris[0],
      response_type: 'code',
      ...(p.scope ? { scope: p.scope } : {}),
      state: 'xyz',
      ...extra,
    })

    async function loginPage(agent: Browser) {
      const res = await agent.get(p.loginPath)
      expect(res.status).toBe(200)
      return res
    }

    async function logIn(agent: Browser) {
      const page = await loginPage(agent)
      const res = await agent
        .post(p.loginPath)
        .type('form')
        .send({ ...formFields(page.text), username: user.username, password: user.password })
      expect(res.status).toBe(302)
      return res
    }

    it('login page: no framing, restrictive CSP, HttpOnly SameSite cookie, a CSRF token per session', async () => {
      const a = await loginPage(browser(base))
      const b = await loginPage(browser(base))
      expectPageHeaders(a, 'login page')
      const cookie = sessionCookies(a, p.cookieName)[0]
      expect(cookie).toMatch(/; HttpOnly/i)
      expect(cookie).toMatch(/; SameSite=(Lax|Strict)/i)
      if (base.startsWith('https:')) expect(cookie).toMatch(/; Secure/i)
      const tokenA = formFields(a.text).authenticity_token
      const tokenB = formFields(b.text).authenticity_token
      expect(tokenA).toMatch(/^[\w-]{20,}$/)
      expect(tokenB).toMatch(/^[\w-]{20,}$/)
      expect(tokenA).not.toBe(tokenB)
    })

    it('login refuses a cross-site POST: no token, or another session’s token', async () => {
      const victim = browser(base)
      await loginPage(victim)
      const attacker = await loginPage(browser(base))
      const stolen = formFields(attacker.text).authenticity_token
      for (const token of [undefined, '', stolen]) {
        const res = await victim
          .post(p.loginPath)
          .type('form')
          .send({ username: user.username, password: user.password, ...(token === undefined ? {} : { authenticity_token: token }) })
        expect(res.status, `token ${token}`).toBe(403)
        expectPageHeaders(res, 'refusal')
        expect(sessionCookies(res, p.cookieName)).toEqual([])
      }
      // Still logged out: authorize sends the victim to the login page.
      const authorize = await victim.get(p.authorizePath).query(authorizeQuery())
      expect(authorize.status).toBe(302)
      expect(pathOf(authorize.headers.location).startsWith(p.loginPath)).toBe(true)
    })

    it('consent page: protected the same way, and a forged approval issues no code', async () => {
      const agent = browser(base)
      const login = await logIn(agent)
      expect(sessionCookies(login, p.cookieName)[0]).toMatch(/; HttpOnly/i)
      const consent = await agent.get(p.authorizePath).query(authorizeQuery())
      expect(consent.status).toBe(200)
      expectPageHeaders(consent, 'consent page')
      const fields = formFields(consent.text)
      expect(fields.authenticity_token).toBeTruthy()
      const { authenticity_token: _, ...withoutToken } = fields
      const codesBefore = running.provider.store.codes.collection.count()
      const forged = await agent
        .post(p.authorizePath)
        .type('form')
        .send({ ...withoutToken, decision: 'authorize', consent: 'true' })
      expect(forged.status).toBe(403)
      expect(forged.headers.location).toBeUndefined()
      expect(running.provider.store.codes.collection.count()).toBe(codesBefore)
    })

    it('escapes the application name and the state on the pages', async () => {
      const { store } = running.provider
      const c = store.clients.by('clientId', client.id)!
      store.clients.patch(c, { name: HOSTILE })
      const agent = browser(base)
      const login = await agent.get(p.authorizePath).query(authorizeQuery())
      const loginPage = login.status === 302 ? await agent.get(pathOf(login.headers.location)) : login
      await agent
        .post(p.loginPath)
        .type('form')
        .send({ ...formFields(loginPage.text), username: user.username, password: user.password })
      const consent = await agent.get(p.authorizePath).query(authorizeQuery({ state: HOSTILE }))
      expect(consent.status).toBe(200)
      for (const page of [loginPage.text, consent.text]) {
        expect(page).not.toContain('<script>alert(2)</script>')
        expect(page).not.toContain('<img src=x')
      }
      expect(consent.text).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;&lt;script&gt;')
      // The state round-trips intact through the escaped hidden field.
      expect(formFields(consent.text).state).toBe(HOSTILE)
    })

    it('admin and account pages send the same headers', async () => {
      const agent = browser(base)
      await logIn(agent)
      for (const path of p.adminPages) {
        let res = await agent.get(path)
        // An index page may forward to its first section (GoCD's /go/admin).
        if (res.status === 302) res = await agent.get(pathOf(res.headers.location))
        expect(res.status, path).toBe(200)
        expectPageHeaders(res, path)
      }
    })
  })
})

describe('secrets', () => {
  it('secretsEqual matches exactly, whatever the lengths', () => {
    expect(secretsEqual('s3cret', 's3cret')).toBe(true)
    expect(secretsEqual('s3cret', 's3creT')).toBe(false)
    expect(secretsEqual('s3cret', 's3cret ')).toBe(false)
    expect(secretsEqual('', '')).toBe(true)
    expect(secretsEqual(undefined, '')).toBe(false)
    expect(secretsEqual('a'.repeat(10_000), 'a')).toBe(false)
  })

  it('no provider compares a secret, password or CSRF token with === (only in constant time)', () => {
    const files: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) files.push(path)
      }
    }
    walk('mocks')
    const SECRET = String.raw`(?:clientSecret|client_secret|\.secret|[pP]assword|csrfToken|authenticity_token)\b`
    const comparison = new RegExp(String.raw`${SECRET}[^\n;&|?]{0,3}[!=]==|[!=]==\s*[\w.]*${SECRET}`)
    const offenders = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ file, line: i + 1, text: line.trim() }))
        .filter(({ text }) => comparison.test(text) && !/===\s*(undefined|null|''|"")|typeof/.test(text)),
    )
    expect(offenders).toEqual([])
  })

  it("serve's request log never carries a secret, code, token or password, from the query or the body", async () => {
    const lines: string[] = []
    const running = await serve({ portBase: 0, providers: ['carina', 'keystone'], log: (line) => lines.push(line) })
    try {
      const carina = running.providers.carina!.describe()
      const keystone = running.providers.keystone!.describe()
      const c = carina.clients[0]
      const k = keystone.clients[0]
      const SECRETS = [c.secret, k.secret, 'code-SECRET-1', 'refresh-SECRET-2', 'token-SECRET-3', carina.users[0].password, 'state-SECRET-4']
      const basic = Buffer.from(`${k.id}:${k.secret}`).toString('base64')
      await request(carina.baseUrl)
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'authorization_code', code: 'code-SECRET-1', client_id: c.id, client_secret: c.secret, redirect_uri: c.redirectUris[0] })
      await request(carina.baseUrl)
        .post('/oauth/token')
        .send({ grant_type: 'refresh_token', refresh_token: 'refresh-SECRET-2', client_id: c.id, client_secret: c.secret })
      await request(carina.baseUrl).get(`/me?access_token=token-SECRET-3&client_secret=${c.secret}`)
      await request(carina.baseUrl).get('/oauth/authorize').query({ client_id: c.id, state: 'state-SECRET-4', code: 'code-SECRET-1' })
      await request(carina.baseUrl).post('/login').type('form').send({ username: carina.users[0].username, password: carina.users[0].password })
      await request(keystone.baseUrl).post('/v3/OS-OAUTH2/token').set('Authorization', `Basic ${basic}`).type('form').send({ grant_type: 'client_credentials' })
      await request(keystone.baseUrl)
        .post(`/v3/OS-OAUTH2/token?client_secret=${k.secret}`)
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: k.id, client_secret: k.secret })
      expect(lines.length).toBeGreaterThanOrEqual(7)
      const log = lines.join('\n')
      for (const secret of [...SECRETS, basic]) expect(log).not.toContain(secret)
      // What is logged: the origin, method, path without its query, status and time.
      expect(lines).toContainEqual(expect.stringMatching(/^carina GET \/me\?… 401 \d+\.\dms$/))
    } finally {
      await running.close()
    }
  })
})
