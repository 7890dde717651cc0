import request from 'supertest'
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import { gocdFixtures } from '../../fixtures/gocd.js'
import { browser, formFields, pathOf, type Browser } from './browser-like.js'
import type { Mode, Running } from './modes.js'
import type { GocdRuntime } from '../../mocks/providers/gocd/config.js'

export const { client, admin, examples } = gocdFixtures
export const REDIRECT = client.redirectUri
export const HEX64 = /^[0-9a-f]{64}$/
export const NINETY_DAYS = 90 * 24 * 3600
/** The document's token lifetime (its example: `expires_in => 3529`), the default since #12. */
export const ONE_HOUR = 3600

/** The document's examples, exactly as printed (only the host is the mock's). */
export const DOC = {
  authorizeQuery: `redirect_uri=http://www.my_redirect_uri.com&client_id=${client.clientId}&response_type=code`,
  tokenBody: `code=${examples.code}&grant_type=authorization-code&client_id=${client.clientId}&client_secret=${client.clientSecret}&redirect_uri=www.my_redirect_uri.com`,
  tokenHeader: `Token token="${examples.accessToken}"`,
}

export const JSON_TYPE = 'application/json; charset=utf-8'

export function expectTokenError(res: request.Response, error: string, description: string) {
  expect(res.status).toBe(400)
  expect(res.headers['content-type']).toBe(JSON_TYPE)
  expect(res.headers['www-authenticate']).toBeUndefined()
  expect(res.text).toBe(JSON.stringify({ error, error_description: description }))
}

export function expectRefused(res: request.Response, status: 401 | 403, path = '/go/cctray.xml') {
  expect(res.status).toBe(status)
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="GoCD"')
  else expect(res.headers['www-authenticate']).toBeUndefined()
  expect(res.headers['content-type']).toBe('text/html;charset=iso-8859-1')
  const reason = status === 401 ? 'Unauthorized' : 'Forbidden'
  expect(res.text).toContain(`<title>Error ${status} ${reason}</title>`)
  expect(res.text).toContain(`<p>Problem accessing ${path}. Reason:\n<pre>    ${reason}</pre></p>`)
}

export function expectErrorPage(res: request.Response, code: string, description: string, status = 400) {
  expect(res.status).toBe(status)
  expect(res.headers.location).toBeUndefined()
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
  expect(res.text).toContain(`<code data-testid="authorize-error-code">${code}</code>`)
  expect(res.text).toContain(`<p data-testid="authorize-error-description">${description}</p>`)
}

/** The shared setup of the GoCD suites: one provider per mode for the file, reset before each test, and the helpers the tests use. */
export function gocdSuite(mode: Mode) {
  let running: Running<GocdRuntime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<GocdRuntime>('gocd')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(async () => {
    await running.provider.reset()
    Object.assign(running.provider.config, { faithfulOpenRedirect: false, security: 'on', oauthAccess: 'document', enforceTokenExpiry: false })
  })

  const lastNotes = () => running.provider.journal.entries().at(-1)!.notes
  const lastError = () => running.provider.journal.entries().at(-1)!.error

  /** A browser signed in to Go as `username`. */
  async function signedIn(username: string = admin.username, password: string = admin.password): Promise<Browser> {
    const agent = browser(base)
    const page = await agent.get('/go/auth/login')
    const res = await agent
      .post('/go/auth/login')
      .type('form')
      .send({ ...formFields(page.text), username, password })
    expect(res.status).toBe(302)
    return agent
  }

  /**
   * The user's part of "Request for authorization code": open the authorize
   * URL, sign in when bounced to the login page, then tick the checkbox (or
   * not) and submit. Returns the consent response's Location.
   */
  async function authorizeAs(
    agent: Browser,
    query: string,
    decision: { authorize?: string } = { authorize: 'Yes' },
    path = '/oauth/authorize',
  ): Promise<string> {
    let res = await agent.get(`${path}?${query}`)
    if (res.status === 302 && pathOf(res.headers.location).startsWith('/go/auth/login')) {
      const login = await agent.get(pathOf(res.headers.location))
      const back = await agent
        .post('/go/auth/login')
        .type('form')
        .send({ ...formFields(login.text), username: admin.username, password: admin.password })
      expect(back.status).toBe(302)
      res = await agent.get(pathOf(back.headers.location))
    }
    expect(res.status).toBe(200)
    expect(res.text).toContain('<form method="post" action="' + path + '" id="oauth_authorize_form" data-testid="consent-form">')
    const decided = await agent
      .post(path)
      .type('form')
      .send({ ...formFields(res.text), ...decision })
    expect(decided.status).toBe(302)
    return decided.headers.location
  }

  async function freshCode(state?: string): Promise<string> {
    const location = await authorizeAs(browser(base), DOC.authorizeQuery + (state === undefined ? '' : `&state=${encodeURIComponent(state)}`))
    return new URL(location).searchParams.get('code')!
  }

  function exchange(fields: Record<string, string>, path = '/go/oauth/token') {
    return request(base).post(path).type('form').send(new URLSearchParams(fields).toString())
  }

  async function freshTokens() {
    const res = await exchange({
      code: await freshCode(),
      grant_type: 'authorization-code',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uri: REDIRECT,
    })
    expect(res.status).toBe(200)
    return res.body as { access_token: string; expires_in: number; refresh_token: string }
  }

  const cctray = (authorization?: string) => {
    const req = request(base).get('/go/cctray.xml')
    return authorization === undefined ? req : req.set('Authorization', authorization)
  }

  return {
    get running() {
      return running
    },
    get base() {
      return base
    },
    lastNotes,
    lastError,
    signedIn,
    authorizeAs,
    freshCode,
    exchange,
    freshTokens,
    cctray,
  }
}
