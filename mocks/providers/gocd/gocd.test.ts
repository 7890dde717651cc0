import request from 'supertest'
import { XMLParser } from 'fast-xml-parser'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { gocdFixtures } from '../../../fixtures/gocd.js'
import { browser, formFields, pathOf, type Browser } from '../../../test/support/browser-like.js'
import { bothModes, inProcess, type Running } from '../../../test/support/modes.js'
import type { GocdRuntime } from './config.js'
import { createGocd } from './index.js'

const { client, admin, examples } = gocdFixtures
const REDIRECT = client.redirectUri
const HEX64 = /^[0-9a-f]{64}$/
const NINETY_DAYS = 90 * 24 * 3600
/** The document's token lifetime (its example: `expires_in => 3529`), the default since #12. */
const ONE_HOUR = 3600

/** The document's examples, exactly as printed (only the host is the mock's). */
const DOC = {
  authorizeQuery: `redirect_uri=http://www.my_redirect_uri.com&client_id=${client.clientId}&response_type=code`,
  tokenBody: `code=${examples.code}&grant_type=authorization-code&client_id=${client.clientId}&client_secret=${client.clientSecret}&redirect_uri=www.my_redirect_uri.com`,
  tokenHeader: `Token token="${examples.accessToken}"`,
}

const JSON_TYPE = 'application/json; charset=utf-8'

function expectTokenError(res: request.Response, error: string, description: string) {
  expect(res.status).toBe(400)
  expect(res.headers['content-type']).toBe(JSON_TYPE)
  expect(res.headers['www-authenticate']).toBeUndefined()
  expect(res.text).toBe(JSON.stringify({ error, error_description: description }))
}

function expectRefused(res: request.Response, status: 401 | 403, path = '/go/cctray.xml') {
  expect(res.status).toBe(status)
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="GoCD"')
  else expect(res.headers['www-authenticate']).toBeUndefined()
  expect(res.headers['content-type']).toBe('text/html;charset=iso-8859-1')
  const reason = status === 401 ? 'Unauthorized' : 'Forbidden'
  expect(res.text).toContain(`<title>Error ${status} ${reason}</title>`)
  expect(res.text).toContain(`<p>Problem accessing ${path}. Reason:\n<pre>    ${reason}</pre></p>`)
}

function expectErrorPage(res: request.Response, code: string, description: string, status = 400) {
  expect(res.status).toBe(status)
  expect(res.headers.location).toBeUndefined()
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
  expect(res.text).toContain(`<code data-testid="authorize-error-code">${code}</code>`)
  expect(res.text).toContain(`<p data-testid="authorize-error-description">${description}</p>`)
}

describe.each(bothModes)('GoCD over $name', (mode) => {
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
    const res = await agent.post('/go/auth/login').type('form').send({ ...formFields(page.text), username, password })
    expect(res.status).toBe(302)
    return agent
  }

  /**
   * The user's part of "Request for authorization code": open the authorize
   * URL, sign in when bounced to the login page, then tick the checkbox (or
   * not) and submit. Returns the consent response's Location.
   */
  async function authorizeAs(agent: Browser, query: string, decision: { authorize?: string } = { authorize: 'Yes' }, path = '/oauth/authorize'): Promise<string> {
    let res = await agent.get(`${path}?${query}`)
    if (res.status === 302 && pathOf(res.headers.location).startsWith('/go/auth/login')) {
      const login = await agent.get(pathOf(res.headers.location))
      const back = await agent.post('/go/auth/login').type('form').send({ ...formFields(login.text), username: admin.username, password: admin.password })
      expect(back.status).toBe(302)
      res = await agent.get(pathOf(back.headers.location))
    }
    expect(res.status).toBe(200)
    expect(res.text).toContain('<form method="post" action="' + path + '" id="oauth_authorize_form" data-testid="consent-form">')
    const decided = await agent.post(path).type('form').send({ ...formFields(res.text), ...decision })
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
    const res = await exchange({ code: await freshCode(), grant_type: 'authorization-code', client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: REDIRECT })
    expect(res.status).toBe(200)
    return res.body as { access_token: string; expires_in: number; refresh_token: string }
  }

  const cctray = (authorization?: string) => {
    const req = request(base).get('/go/cctray.xml')
    return authorization === undefined ? req : req.set('Authorization', authorization)
  }

  describe("the document's examples, replayed", () => {
    it('"Request for authorization code": login, the checkbox form, then a redirect with code and expires_in', async () => {
      const agent = browser(base)
      const first = await agent.get(`/oauth/authorize?${DOC.authorizeQuery}`)
      expect(first.status).toBe(302)
      expect(pathOf(first.headers.location)).toBe(`/go/auth/login?return_to=${encodeURIComponent(`/oauth/authorize?${DOC.authorizeQuery}`)}`)
      const login = await agent.get(pathOf(first.headers.location))
      expect(login.text).toContain("Sign in to Go to authorize &#39;My Client&#39;")
      const back = await agent.post('/go/auth/login').type('form').send({ ...formFields(login.text), username: admin.username, password: admin.password })
      const consent = await agent.get(pathOf(back.headers.location))
      expect(consent.status).toBe(200)
      expect(consent.text).toContain(`The service named '<strong data-testid="consent-client-name">My Client</strong>' wants to access Go on your behalf.`)
      expect(consent.text).toContain('<input type="checkbox" id="authorize" name="authorize" value="Yes" data-testid="consent-checkbox">')
      expect(formFields(consent.text)).toEqual({ authenticity_token: expect.any(String), client_id: client.clientId, redirect_uri: REDIRECT, response_type: 'code' })

      const done = await agent.post('/oauth/authorize').type('form').send({ ...formFields(consent.text), authorize: 'Yes' })
      expect(done.status).toBe(302)
      // The document's example response: http://www.my_redirect_uri.com?code=<64 hex>, plus GoCD's expires_in.
      expect(done.headers.location).toMatch(/^http:\/\/www\.my_redirect_uri\.com\?code=[0-9a-f]{64}&expires_in=3600$/)
      expect(lastNotes()).toMatchObject({ pathForm: '/oauth/authorize', decision: 'Yes', codeIssued: true })
    })

    it('"Get access token": the curl as printed (redirect_uri without its scheme) fails as GoCD failed it, and burns the code (PROVIDERS §7 #2), each refusal with its hint', async () => {
      const verbatim = await request(base).post('/go/oauth/token').type('form').send(DOC.tokenBody)
      expectTokenError(verbatim, 'invalid-grant', 'Redirect uri mismatch!')
      expect(lastNotes()).toMatchObject({
        pathForm: '/go/oauth/token',
        codeBurned: true,
        grantType: 'authorization-code',
        hint: "The redirect_uri is the registered http://www.my_redirect_uri.com without its scheme, as in the document's token curl; the real GoCD compared the strings exactly and refused it, after destroying the code: get a new code and send redirect_uri=http://www.my_redirect_uri.com.",
        violations: [{ requirement: 'RFC6749-4.1.3', message: 'the token request\'s redirect_uri "www.my_redirect_uri.com" is the registered "http://www.my_redirect_uri.com" without its scheme', error: 'invalid-grant', served: false }],
      })
      running.provider.clock.advance(90)
      const withScheme = await request(base).post('/go/oauth/token').type('form').send(DOC.tokenBody.replace('redirect_uri=www.', 'redirect_uri=http://www.'))
      expectTokenError(withScheme, 'invalid-grant', 'Authorization expired or invalid!')
      expect(lastNotes().hint).toBe(
        'This code was destroyed 1 minute 30 seconds ago by a token request that failed: GoCD destroys the code before it checks anything else, so a corrected retry needs a new code (or, on serve, POST /__oauth-dance/reset to get the document\'s example code back).',
      )
    })

    it('"Get access token": lenient mode serves the curl as printed, with the hint saying the real GoCD refused it (#12)', async () => {
      running.provider.strictness = 'lenient'
      const verbatim = await request(base).post('/go/oauth/token').type('form').send(DOC.tokenBody)
      expect(verbatim.status).toBe(200)
      expect(verbatim.body).toEqual({ access_token: examples.accessToken, expires_in: ONE_HOUR, refresh_token: examples.refreshToken })
      expect(lastNotes()).toMatchObject({
        hint: "The redirect_uri is the registered http://www.my_redirect_uri.com without its scheme, as in the document's token curl; the real GoCD compared the strings exactly and refused it (lenient mode served it): send redirect_uri=http://www.my_redirect_uri.com.",
        violations: [{ requirement: 'RFC6749-4.1.3', served: true }],
      })
    })

    it('"Get access token": the curl with the scheme restored, on a fresh code, answers JSON with a token of one hour, the document\'s lifetime (#12)', async () => {
      const code = await freshCode()
      const res = await request(base).post('/go/oauth/token').type('form').send(DOC.tokenBody.replace(examples.code, code).replace('redirect_uri=www.', 'redirect_uri=http://www.'))
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe(JSON_TYPE)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(Object.keys(res.body)).toEqual(['access_token', 'expires_in', 'refresh_token'])
      expect(res.body).toEqual({ access_token: expect.stringMatching(HEX64), expires_in: ONE_HOUR, refresh_token: expect.stringMatching(HEX64) })
    })

    it('"Get access token": GoCD\'s real 90 days are an option (accessTokenTtlSeconds)', async () => {
      const gocd = createGocd({ accessTokenTtlSeconds: NINETY_DAYS })
      await gocd.ready
      const res = await gocd.handle(
        new Request(`${gocd.baseUrl}/go/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: DOC.tokenBody.replace('redirect_uri=www.', 'redirect_uri=http://www.') }),
      )
      expect((await res.json()).expires_in).toBe(NINETY_DAYS)
    })

    it("\"Get access token\": the document's own code, seeded, answers the document's own tokens when the scheme is restored, so its three lines run as a chain (#12)", async () => {
      const res = await request(base).post('/go/oauth/token').type('form').send(DOC.tokenBody.replace('redirect_uri=www.', 'redirect_uri=http://www.'))
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ access_token: examples.accessToken, expires_in: ONE_HOUR, refresh_token: examples.refreshToken })
      expect(lastNotes()).toMatchObject({ documentExampleTokens: true, earlierTokenDeleted: true })
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
      // Exchanged once: a second try is refused, and the tokens stay the document's.
      expectTokenError(await request(base).post('/go/oauth/token').type('form').send(DOC.tokenBody.replace('redirect_uri=www.', 'redirect_uri=http://www.')), 'invalid-grant', 'Authorization expired or invalid!')
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
    })

    it('"Use the access token": cctray.xml with the printed token, and with a fresh one', async () => {
      const printed = await cctray(DOC.tokenHeader)
      expect(printed.status).toBe(200)
      expect(printed.headers['content-type']).toBe('application/xml; charset=utf-8')
      expect(printed.text.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<Projects>\n  <Project name="up42 :: up42_stage" activity="Sleeping" lastBuildStatus="Success" lastBuildLabel="1" lastBuildTime="')).toBe(true)
      expect(lastNotes()).toMatchObject({ authScheme: 'token', principal: 'oauth', clientId: client.clientId })
      const { access_token } = await freshTokens()
      const fresh = await cctray(`Token token="${access_token}"`)
      expect(fresh.status).toBe(200)
      expect(fresh.text).toBe(printed.text)
    })

    it.runIf(mode === inProcess)("answers the document's exact URLs in-process, on each of its host spellings", async () => {
      const agent = browser('https://www.your-go-server.com:8154')
      const location = await authorizeAs(agent, DOC.authorizeQuery)
      const code = new URL(location).searchParams.get('code')!
      const token = await request('https://www.your-go-server:8154').post('/go/oauth/token').type('form').send(DOC.tokenBody.replace(examples.code, code).replace('redirect_uri=www.', 'redirect_uri=http://www.'))
      expect(token.status).toBe(200)
      expect(lastNotes().host).toBe('https://www.your-go-server:8154')
      const feed = await request('https://www.your-go-server.com:8154').get('/go/cctray.xml').set('Authorization', `Token token="${token.body.access_token}"`)
      expect(feed.status).toBe(200)
      // webUrl follows the host the request came to.
      expect(feed.text).toContain('webUrl="https://www.your-go-server.com:8154/go/pipelines/up42/1/up42_stage/1"')
    })
  })

  describe('both path spellings of the document', () => {
    it.each([
      ['/oauth/authorize', '/oauth/token'],
      ['/go/oauth/authorize', '/go/oauth/token'],
      ['/go/oauth/authorize', '/oauth/token'],
    ])('authorizes at %s and exchanges at %s, recording the form used', async (authorizePath, tokenPath) => {
      const location = await authorizeAs(browser(base), DOC.authorizeQuery, { authorize: 'Yes' }, authorizePath)
      expect(lastNotes().pathForm).toBe(authorizePath)
      const res = await exchange({ code: new URL(location).searchParams.get('code')!, grant_type: 'authorization-code', client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: REDIRECT }, tokenPath)
      expect(res.status).toBe(200)
      expect(lastNotes().pathForm).toBe(tokenPath)
      expect(running.provider.journal.entries().at(-1)!.route).toBe('gocd.token')
    })
  })

  describe('authorization endpoint', () => {
    const query = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
    const good = { client_id: client.clientId, redirect_uri: REDIRECT, response_type: 'code' }

    it('sends an anonymous user to the login page before looking at the parameters (Spring Security ran first)', async () => {
      const res = await request(base).get('/go/oauth/authorize?client_id=nope')
      expect(res.status).toBe(302)
      expect(pathOf(res.headers.location)).toBe('/go/auth/login?return_to=%2Fgo%2Foauth%2Fauthorize%3Fclient_id%3Dnope')
    })

    it('refuses a wrong password on the login page', async () => {
      const agent = browser(base)
      const page = await agent.get('/go/auth/login')
      const res = await agent.post('/go/auth/login').type('form').send({ ...formFields(page.text), username: 'admin', password: 'wrong' })
      expect(res.status).toBe(401)
      expect(res.text).toContain('Invalid username or password.')
    })

    it('round-trips state, form-encoded as GoCD did, and appends to a redirect URI that has a query', async () => {
      const code = await freshCode('a b&c=d/é')
      expect(code).toMatch(HEX64)
      const agent = browser(base)
      const location = await authorizeAs(agent, query({ ...good, state: 'a b&c=d/é' }))
      expect(location).toMatch(/^http:\/\/www\.my_redirect_uri\.com\?code=[0-9a-f]{64}&expires_in=3600&state=a\+b%26c%3Dd%2F%C3%A9$/)
      await running.provider.store.clients.collection.update(running.provider.store.clients.by('clientId', client.clientId)!, {
        data(c) {
          c.redirectUris = ['https://app.example/cb?tenant=7']
        },
      })
      const withQuery = await authorizeAs(agent, query({ ...good, redirect_uri: 'https://app.example/cb?tenant=7' }))
      expect(withQuery).toMatch(/^https:\/\/app\.example\/cb\?tenant=7&code=[0-9a-f]{64}&expires_in=3600$/)
    })

    it.each([
      ['no checkbox ticked', {}],
      ['authorize=No (the real "No" link)', { authorize: 'No' }],
      ['authorize=yes (GoCD compared with "Yes" exactly)', { authorize: 'yes' }],
    ])('redirects %s with error=access-denied and no state', async (_name, decision) => {
      const location = await authorizeAs(browser(base), query({ ...good, state: 's1' }), decision)
      expect(location).toBe('http://www.my_redirect_uri.com?error=access-denied')
    })

    it('accepts authorize=Yes as the real Yes link posted it', async () => {
      const location = await authorizeAs(browser(base), query(good), { authorize: 'Yes' }, '/go/oauth/authorize')
      expect(new URL(location).searchParams.get('code')).toMatch(HEX64)
    })

    it('refuses a consent post without the anti-CSRF token', async () => {
      const agent = await signedIn()
      const res = await agent.post('/go/oauth/authorize').type('form').send({ ...good, authorize: 'Yes' })
      expect(res.status).toBe(403)
      expect(res.text).toContain('data-testid="csrf-error"')
    })

    it('validates the posted fields again: a tampered redirect_uri gets the error page', async () => {
      const agent = await signedIn()
      const consent = await agent.get(`/go/oauth/authorize?${query(good)}`)
      const res = await agent.post('/go/oauth/authorize').type('form').send({ ...formFields(consent.text), redirect_uri: 'https://evil.example/cb', authorize: 'Yes' })
      expectErrorPage(res, 'redirect-uri-mismatch', 'The &quot;redirect_uri&quot; is not the redirect URL registered for this OAuth client.')
    })

    it('answers a missing redirect_uri with GoCD\'s 400 text', async () => {
      const agent = await signedIn()
      const res = await agent.get(`/go/oauth/authorize?${query({ client_id: client.clientId, response_type: 'code' })}`)
      expect(res.status).toBe(400)
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
      expect(res.text).toBe("You did not specify the 'redirect_uri' parameter!")
    })

    describe('redirects errors only to the registered URI', () => {
      it.each([
        ['a missing response_type', { client_id: client.clientId, redirect_uri: REDIRECT }, 'invalid-request'],
        ['a blank response_type', { client_id: client.clientId, redirect_uri: REDIRECT, response_type: ' ' }, 'invalid-request'],
        ['response_type=token', { ...good, response_type: 'token' }, 'unsupported-response-type'],
      ])('redirects %s to the client as GoCD did', async (_name, fields, error) => {
        const agent = await signedIn()
        const res = await agent.get(`/oauth/authorize?${query({ ...fields, state: 'st' })}`)
        expect(res.status).toBe(302)
        expect(res.headers.location).toBe(`http://www.my_redirect_uri.com?error=${error}`)
      })

      it.each([
        ['a missing client_id', { redirect_uri: REDIRECT, response_type: 'code' }, 'invalid-request', 'The &quot;client_id&quot; and &quot;response_type&quot; parameters are required.'],
        ['response_type=token with an unregistered URI', { ...good, redirect_uri: 'https://evil.example/cb', response_type: 'token' }, 'unsupported-response-type', 'The &quot;response_type&quot; must be &quot;code&quot;.'],
        ['an unknown client_id', { ...good, client_id: 'nope', redirect_uri: 'https://evil.example/cb' }, 'invalid-client-id', 'No OAuth client is registered with this client_id.'],
        ['an unregistered redirect_uri', { ...good, redirect_uri: 'https://evil.example/cb' }, 'redirect-uri-mismatch', 'The &quot;redirect_uri&quot; is not the redirect URL registered for this OAuth client.'],
        ['the registered URI with a trailing slash', { ...good, redirect_uri: `${REDIRECT}/` }, 'redirect-uri-mismatch', 'The &quot;redirect_uri&quot; is not the redirect URL registered for this OAuth client.'],
      ])('shows an error page, not a redirect, given %s', async (_name, fields, error, description) => {
        const agent = await signedIn()
        const res = await agent.get(`/go/oauth/authorize?${query(fields)}`)
        expectErrorPage(res, error, description)
        expect(lastNotes()).toMatchObject({ authorizeError: error })
      })
    })

    describe('faithfulOpenRedirect: GoCD\'s real (dangerous) redirects', () => {
      it.each([
        ['an unregistered redirect_uri', { ...good, redirect_uri: 'https://evil.example/cb' }, 'https://evil.example/cb?error=redirect-uri-mismatch'],
        ['an unknown client_id', { ...good, client_id: 'nope', redirect_uri: 'https://evil.example/cb' }, 'https://evil.example/cb?error=invalid-client-id'],
        ['a missing client_id', { redirect_uri: 'https://evil.example/cb', response_type: 'code' }, 'https://evil.example/cb?error=invalid-request'],
        ['a protocol-relative URI', { ...good, redirect_uri: '//evil.example/cb' }, '//evil.example/cb?error=redirect-uri-mismatch'],
      ])('redirects %s wherever it says', async (_name, fields, location) => {
        running.provider.config.faithfulOpenRedirect = true
        const agent = await signedIn()
        const res = await agent.get(`/go/oauth/authorize?${query(fields)}`)
        expect(res.status).toBe(302)
        expect(res.headers.location).toBe(location)
        expect(lastNotes().openRedirect).toBe(true)
      })

      it('makes a scheme-less target absolute on this host, as Rails redirect_to did', async () => {
        running.provider.config.faithfulOpenRedirect = true
        const agent = await signedIn()
        const res = await agent.get(`/go/oauth/authorize?${query({ client_id: client.clientId, redirect_uri: 'www.my_redirect_uri.com' })}`)
        expect(res.headers.location).toBe(`${base}www.my_redirect_uri.com?error=invalid-request`)
      })
    })

    it('keeps one code per user and client: a new code deletes the previous one', async () => {
      const first = await freshCode()
      const second = await freshCode()
      const old = await exchange({ code: first, grant_type: 'authorization-code', client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: REDIRECT })
      expectTokenError(old, 'invalid-grant', 'Authorization expired or invalid!')
      expect(lastError()?.detail).toBe('unknown or already used code')
      const current = await exchange({ code: second, grant_type: 'authorization-code', client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: REDIRECT })
      expect(current.status).toBe(200)
    })
  })

  describe('token endpoint', () => {
    const creds = { client_id: client.clientId, client_secret: client.clientSecret }

    it('uses a code once', async () => {
      const code = await freshCode()
      expect((await exchange({ code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT })).status).toBe(200)
      expectTokenError(await exchange({ code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT }), 'invalid-grant', 'Authorization expired or invalid!')
    })

    it('honours a code for 3599 seconds, not 3600', async () => {
      const code = await freshCode()
      running.provider.clock.advance(3600)
      expectTokenError(await exchange({ code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT }), 'invalid-grant', 'Authorization expired or invalid!')
      expect(lastError()?.detail).toBe('code expired')
      const next = await freshCode()
      running.provider.clock.advance(3599)
      expect((await exchange({ code: next, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT })).status).toBe(200)
    })

    it.each([
      ['the RFC grant name authorization_code', { grant_type: 'authorization_code' }, 'unsupported-grant-type', 'Grant type authorization_code is not supported!'],
      ['the RFC grant name refresh_token', { grant_type: 'refresh_token' }, 'unsupported-grant-type', 'Grant type refresh_token is not supported!'],
      ['client_credentials', { grant_type: 'client_credentials' }, 'unsupported-grant-type', 'Grant type client_credentials is not supported!'],
      ['no grant_type', { grant_type: undefined }, 'unsupported-grant-type', 'Grant type  is not supported!'],
      ['a wrong client_secret', { client_secret: 'wrong' }, 'invalid-client-credentials', 'Invalid client credentials!'],
      ['an unknown client_id', { client_id: 'nope' }, 'invalid-client-credentials', 'Invalid client credentials!'],
      ['no client credentials', { client_id: undefined, client_secret: undefined }, 'invalid-client-credentials', 'Invalid client credentials!'],
      ['no redirect_uri', { redirect_uri: undefined }, 'invalid-grant', 'Redirect uri mismatch!'],
      ['the redirect_uri with a trailing slash', { redirect_uri: `${REDIRECT}/` }, 'invalid-grant', 'Redirect uri mismatch!'],
    ] as const)('answers %s, and the code is burned all the same', async (_name, change, error, description) => {
      const code = await freshCode()
      const fields: Record<string, string> = { code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT }
      for (const [key, value] of Object.entries(change)) {
        if (value === undefined) delete fields[key]
        else fields[key] = value
      }
      expectTokenError(await exchange(fields), error, description)
      expect(lastNotes().codeBurned).toBe(true)
      expectTokenError(await exchange({ code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT }), 'invalid-grant', 'Authorization expired or invalid!')
    })

    it.each([
      ['no code', {}, 'no code'],
      ['an unknown code', { code: 'nope' }, 'unknown or already used code'],
    ])('answers %s with invalid-grant', async (_name, change, detail) => {
      expectTokenError(await exchange({ grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT, ...change }), 'invalid-grant', 'Authorization expired or invalid!')
      expect(lastError()?.detail).toBe(detail)
    })

    it("refuses another client's code, burning it", async () => {
      const code = await freshCode()
      await running.provider.store.clients.collection.create({ clientId: 'other', clientSecret: 'other-secret', name: 'Other', redirectUris: ['https://other.example/cb'], createdAtMs: 0 })
      expectTokenError(await exchange({ code, grant_type: 'authorization-code', client_id: 'other', client_secret: 'other-secret', redirect_uri: 'https://other.example/cb' }), 'invalid-grant', 'Authorization expired or invalid!')
      expect(lastError()?.detail).toBe('code of another client')
      expectTokenError(await exchange({ code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT }), 'invalid-grant', 'Authorization expired or invalid!')
    })

    it('does not read HTTP Basic client authentication (GoCD never did)', async () => {
      const code = await freshCode()
      const res = await request(base)
        .post('/go/oauth/token')
        .set('Authorization', `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`)
        .type('form')
        .send(new URLSearchParams({ code, grant_type: 'authorization-code', redirect_uri: REDIRECT }).toString())
      expectTokenError(res, 'invalid-client-credentials', 'Invalid client credentials!')
      expect(lastError()?.detail).toBe('no client_id in the body (GoCD does not read HTTP Basic)')
    })

    it('refreshes with refresh-token (redirect_uri required), destroying the old pair', async () => {
      const first = await freshTokens()
      const res = await exchange({ grant_type: 'refresh-token', refresh_token: first.refresh_token, ...creds, redirect_uri: REDIRECT })
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ access_token: expect.stringMatching(HEX64), expires_in: ONE_HOUR, refresh_token: expect.stringMatching(HEX64) })
      expect(res.body.access_token).not.toBe(first.access_token)
      expectRefused(await cctray(`Token token="${first.access_token}"`), 401)
      expect((await cctray(`Token token="${res.body.access_token}"`)).status).toBe(200)
      expectTokenError(await exchange({ grant_type: 'refresh-token', refresh_token: first.refresh_token, ...creds, redirect_uri: REDIRECT }), 'invalid-grant', 'Refresh token is invalid!')
    })

    it('burns a refresh token even when the refresh fails (no redirect_uri)', async () => {
      const first = await freshTokens()
      expectTokenError(await exchange({ grant_type: 'refresh-token', refresh_token: first.refresh_token, ...creds }), 'invalid-grant', 'Redirect uri mismatch!')
      expect(lastNotes().refreshTokenBurned).toBe(true)
      expectTokenError(await exchange({ grant_type: 'refresh-token', refresh_token: first.refresh_token, ...creds, redirect_uri: REDIRECT }), 'invalid-grant', 'Refresh token is invalid!')
      expectRefused(await cctray(`Token token="${first.access_token}"`), 401)
    })

    it.each([
      ['no refresh_token', {}, 'no refresh_token'],
      ['an unknown refresh_token', { refresh_token: 'nope' }, 'unknown or already used refresh token'],
    ])('answers a refresh with %s', async (_name, change, detail) => {
      expectTokenError(await exchange({ grant_type: 'refresh-token', ...creds, redirect_uri: REDIRECT, ...change }), 'invalid-grant', 'Refresh token is invalid!')
      expect(lastError()?.detail).toBe(detail)
    })

    it("deletes the user's earlier token for the client when a new code is exchanged", async () => {
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
      const fresh = await freshTokens()
      expect(lastNotes().earlierTokenDeleted).toBe(true)
      expectRefused(await cctray(DOC.tokenHeader), 401)
      expect((await cctray(`Token token="${fresh.access_token}"`)).status).toBe(200)
    })

    it('takes a JSON body too, as Rails parsed one into params', async () => {
      const res = await request(base).post('/oauth/token').set('Content-Type', 'application/json').send({ code: await freshCode(), grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT })
      expect(res.status).toBe(200)
      expect(lastNotes().bodyFormat).toBe('json')
    })
  })

  describe('bad input gets a clear error in GoCD\'s format, never a 500', () => {
    it('takes the last of a repeated parameter, as Rails did, and records it for the rules (#12)', async () => {
      const res = await request(base).post('/go/oauth/token').type('form').send(`grant_type=refresh-token&grant_type=authorization-code&code=a&code=${examples.code}&client_id=${client.clientId}&client_secret=${client.clientSecret}&redirect_uri=${REDIRECT}`)
      expect(res.status).toBe(200)
      expect(res.body.access_token).toBe(examples.accessToken)
      expect(lastNotes().violations).toEqual([
        { requirement: 'RFC6749-3.2', message: '"code" was sent 2 times in the body', error: 'invalid_request', served: true },
        { requirement: 'RFC6749-3.2', message: '"grant_type" was sent 2 times in the body', error: 'invalid_request', served: true },
      ])
      const agent = await signedIn()
      const consent = await agent.get(`/go/oauth/authorize?${DOC.authorizeQuery}&state=first&state=last`)
      expect(consent.status).toBe(200)
      expect(formFields(consent.text).state).toBe('last')
    })

    it('refuses a body that is neither a form nor JSON, and malformed JSON', async () => {
      expectTokenError(await request(base).post('/go/oauth/token').set('Content-Type', 'text/plain').send('grant_type=authorization-code'), 'invalid-request', 'The request body must be application/x-www-form-urlencoded or application/json, not text/plain.')
      expectTokenError(await request(base).post('/go/oauth/token').set('Content-Type', 'application/json').send('{"grant_type":'), 'invalid-request', 'The request body is not valid JSON.')
    })

    it('answers an empty body as GoCD did: no grant type', async () => {
      expectTokenError(await request(base).post('/go/oauth/token'), 'unsupported-grant-type', 'Grant type  is not supported!')
    })

    it('answers 413 for an oversized body', async () => {
      const res = await request(base).post('/go/oauth/token').type('form').send(`grant_type=authorization-code&code=${'a'.repeat(70 * 1024)}`)
      expect(res.status).toBe(413)
      expect(res.body).toEqual({ error: 'invalid-request', error_description: 'The request body exceeds the limit of 65536 bytes.' })
    })

    it('answers a consent post that is not a form with an error page', async () => {
      const agent = await signedIn()
      const res = await agent.post('/go/oauth/authorize').set('Content-Type', 'application/json').send('{}')
      expectErrorPage(res, 'invalid-request', 'The request body must be application/x-www-form-urlencoded, not application/json.')
    })

    it('answers an unknown path with a 404 page and a wrong method with 405 and Allow', async () => {
      const missing = await request(base).get('/go/nope')
      expect(missing.status).toBe(404)
      expect(missing.text).toContain('<p>Problem accessing /go/nope. Reason:\n<pre>    Not Found</pre></p>')
      const escaped = await request(base).get('/go/%3Cscript%3E')
      expect(escaped.text).not.toContain('<script>')
      const wrong = await request(base).get('/go/oauth/token')
      expect(wrong.status).toBe(405)
      expect(wrong.headers.allow).toBe('POST')
    })
  })

  describe('using the token (Authorization: Token token="...")', () => {
    it('answers no credentials with 401 and a Basic challenge', async () => {
      expectRefused(await cctray(), 401)
      expect(lastNotes()).toMatchObject({ authScheme: 'none', principal: 'anonymous' })
    })

    it('answers JSON only for the GoCD API media type', async () => {
      const res = await request(base).get('/go/cctray.xml').set('Accept', 'application/vnd.go.cd.v1+json')
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Basic realm="GoCD"')
      expect(res.headers['content-type']).toBe('application/vnd.go.cd.v1+json; charset=utf-8')
      expect(res.text).toBe('{"message":"You are not authorized to access this resource!"}')
    })

    it.each([
      ['an unknown token', 'Token token="nope"'],
      ['an empty token', 'Token token=""'],
      ['the Bearer scheme', `Bearer ${examples.accessToken}`],
      ['a lower-case scheme', `token token="${examples.accessToken}"`],
      ['no quotes', `Token token=${examples.accessToken}`],
      ['another parameter after the token', `Token token="${examples.accessToken}", realm="GoCD"`],
      ['a wrong Basic password', `Basic ${Buffer.from('admin:wrong').toString('base64')}`],
      ['Basic for an unknown user', `Basic ${Buffer.from('nobody:demo').toString('base64')}`],
    ])('refuses %s as anonymous', async (_name, header) => {
      expectRefused(await cctray(header), 401)
    })

    it("lets a GoCD user in with Basic and the user's password", async () => {
      const res = await cctray(`Basic ${Buffer.from('admin:demo').toString('base64')}`)
      expect(res.status).toBe(200)
      expect(lastNotes()).toMatchObject({ authScheme: 'basic', principal: 'user' })
    })

    it('does not check expiry by default, as GoCD did not; enforceTokenExpiry refuses an expired token', async () => {
      running.provider.clock.advance(NINETY_DAYS + 1)
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
      running.provider.config.enforceTokenExpiry = true
      expectRefused(await cctray(DOC.tokenHeader), 401)
      expect(lastNotes().tokenRejected).toBe('expired token')
    })

    it('with security off, reads everything to everyone and ignores a wrong token', async () => {
      running.provider.config.security = 'off'
      expect((await cctray()).status).toBe(200)
      expect((await cctray('Token token="nope"')).status).toBe(200)
      expect(lastNotes().security).toBe('off')
    })

    it("with oauthAccess 'real', refuses cctray to a token (403) but serves the pipeline feed", async () => {
      running.provider.config.oauthAccess = 'real'
      expectRefused(await cctray(DOC.tokenHeader), 403)
      const feed = await request(base).get('/go/api/pipelines/up42/stages.xml').set('Authorization', DOC.tokenHeader)
      expect(feed.status).toBe(200)
      expect((await cctray(`Basic ${Buffer.from('admin:demo').toString('base64')}`)).status).toBe(200)
    })

    it('serves a cctray feed with one Project per stage and per job', async () => {
      const res = await cctray(DOC.tokenHeader)
      const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(res.text)
      const projects = parsed.Projects.Project as Array<Record<string, unknown>>
      expect(projects.map((p) => p.name)).toEqual([
        'up42 :: up42_stage',
        'up42 :: up42_stage :: up42_job',
        'build-linux :: compile',
        'build-linux :: compile :: compile-x64',
        'build-linux :: compile :: compile-arm64',
        'build-linux :: test',
        'build-linux :: test :: unit',
        'build-linux :: test :: integration',
        'deploy :: production',
        'deploy :: production :: rollout',
      ])
      expect(projects[2]).toMatchObject({ activity: 'Sleeping', lastBuildStatus: 'Success', lastBuildLabel: '0.7.7 :: 2', webUrl: `${base}/go/pipelines/build-linux/7/compile/2` })
      expect(projects[5]).toMatchObject({ lastBuildStatus: 'Failure', lastBuildLabel: '0.7.7', messages: { message: { text: 'Ada Lovelace, Grace Hopper', kind: 'Breakers' } } })
      expect(projects[9]).toMatchObject({ activity: 'Building', lastBuildStatus: 'Success', webUrl: `${base}/go/tab/build/detail/deploy/3/production/1/rollout` })
      for (const p of projects) expect(p.lastBuildTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      // Attributes in GoCD's order.
      expect(res.text).toMatch(/<Project name="[^"]+" activity="[^"]+" lastBuildStatus="[^"]+" lastBuildLabel="[^"]+" lastBuildTime="[^"]+" webUrl="[^"]+"\/>/)
    })

    it('serves the stages feed of a pipeline, 404 for an unknown one and 401 without credentials', async () => {
      const feed = await request(base).get('/go/api/pipelines/build-linux/stages.xml').set('Authorization', DOC.tokenHeader)
      expect(feed.headers['content-type']).toBe('application/xml; charset=utf-8')
      const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(feed.text)
      expect(parsed.feed.id).toBe(`${base}/go/api/pipelines/build-linux/stages.xml`)
      expect(parsed.feed.entry.map((e: { title: string }) => e.title)).toEqual(['build-linux(7) stage test(1) Failed', 'build-linux(7) stage compile(2) Passed'])
      const missing = await request(base).get('/go/api/pipelines/nope/stages.xml').set('Authorization', DOC.tokenHeader)
      expect(missing.status).toBe(404)
      expect(missing.text).toContain('<pre>    Not Found</pre>')
      expectRefused(await request(base).get('/go/api/pipelines/up42/stages.xml'), 401, '/go/api/pipelines/up42/stages.xml')
    })
  })

  describe('Admin > OAuth Clients', () => {
    it('lists, creates, shows, updates and destroys OAuth clients', async () => {
      const agent = browser(base)
      const first = await agent.get('/go/admin')
      expect(pathOf(first.headers.location)).toBe('/go/oauth/admin/clients')
      const bounced = await agent.get('/go/oauth/admin/clients')
      expect(pathOf(bounced.headers.location)).toBe('/go/auth/login?return_to=%2Fgo%2Foauth%2Fadmin%2Fclients')
      const login = await agent.get(pathOf(bounced.headers.location))
      const back = await agent.post('/go/auth/login').type('form').send({ ...formFields(login.text), username: admin.username, password: admin.password })
      const list = await agent.get(pathOf(back.headers.location))
      expect(list.status).toBe(200)
      expect(list.text).toContain(`<tr data-client-id="${client.clientId}"><td><a href="/go/oauth/admin/clients/${client.clientId}">My Client</a></td><td><code>${client.clientId}</code></td><td><code>${client.clientSecret}</code></td><td><code>http://www.my_redirect_uri.com</code></td>`)
      expect(list.text).toContain('New OAuth Client')

      const form = await agent.get('/go/oauth/admin/clients/new')
      const blank = await agent.post('/go/oauth/admin/clients').type('form').send({ ...formFields(form.text), name: ' ', redirect_uri: '' })
      expect(blank.status).toBe(422)
      expect(blank.text).toContain("<li>Name can&#39;t be blank</li><li>Redirect uri can&#39;t be blank</li>")
      const schemeless = await agent.post('/go/oauth/admin/clients').type('form').send({ ...formFields(form.text), name: 'X', redirect_uri: 'www.my_redirect_uri.com' })
      expect(schemeless.status).toBe(422)
      expect(schemeless.text).toContain('<li>Redirect uri is invalid</li>')

      const created = await agent.post('/go/oauth/admin/clients').type('form').send({ ...formFields(form.text), name: '<b>CI</b> Radiator', redirect_uri: '  https://radiator.example/oauth  ' })
      expect(created.status).toBe(302)
      const shown = await agent.get(pathOf(created.headers.location))
      expect(shown.text).toContain('OAuth client was successfully created.')
      expect(shown.text).toContain('<span data-testid="client-title">&lt;b&gt;CI&lt;/b&gt; Radiator</span>')
      const id = /data-testid="client-id">([0-9a-f]+)</.exec(shown.text)![1]
      const secret = /data-testid="client-secret">([0-9a-f]+)</.exec(shown.text)![1]
      expect(id).toMatch(HEX64)
      expect(secret).toMatch(HEX64)
      expect(shown.text).toContain('<code data-testid="client-redirect">https://radiator.example/oauth</code>')

      // The new client completes the dance.
      const location = await authorizeAs(agent, new URLSearchParams({ client_id: id, redirect_uri: 'https://radiator.example/oauth', response_type: 'code' }).toString())
      const code = new URL(location).searchParams.get('code')!
      expect((await exchange({ code, grant_type: 'authorization-code', client_id: id, client_secret: secret, redirect_uri: 'https://radiator.example/oauth' })).status).toBe(200)

      const edit = await agent.get(`/go/oauth/admin/clients/${id}/edit`)
      expect(edit.text).toContain('data-testid="client-submit">Update</button>')
      const updated = await agent.post(`/go/oauth/admin/clients/${id}`).type('form').send({ ...formFields(edit.text), name: 'CI Radiator', redirect_uri: 'http://radiator.example/cb' })
      expect(updated.status).toBe(302)
      expect((await agent.get(pathOf(updated.headers.location))).text).toContain('OAuth client was successfully updated.')
      expect(running.provider.store.clients.by('clientId', id)).toMatchObject({ name: 'CI Radiator', redirectUris: ['http://radiator.example/cb'] })

      const destroyed = await agent.post(`/go/oauth/admin/clients/${id}`).type('form').send({ ...formFields(shown.text), _method: 'delete' })
      expect(destroyed.status).toBe(302)
      expect(running.provider.store.clients.by('clientId', id)).toBeUndefined()
      expect((await agent.get(`/go/oauth/admin/clients/${id}`)).status).toBe(404)
      expect(running.provider.store.tokens.collection.findMany((q) => q.where({ clientId: id }))).toEqual([])
    })

    it('refuses a user who is not an administrator', async () => {
      await running.provider.store.users.collection.create({ id: '2', username: 'viewer', password: 'demo' })
      const agent = await signedIn('viewer', 'demo')
      const res = await agent.get('/go/oauth/admin/clients')
      expect(res.status).toBe(403)
      expect(res.text).toContain('data-testid="admin-refused"')
      const form = await agent.get('/go/auth/login')
      const post = await agent.post('/go/oauth/admin/clients').type('form').send({ ...formFields(form.text), name: 'Sneaky', redirect_uri: 'https://x.example' })
      expect(post.status).toBe(403)
      expect(running.provider.store.clients.collection.findMany().map((c) => c.name)).toEqual(['My Client'])
    })
  })

  describe('control paths and description', () => {
    it('describes the seeded client and user, and reset restores the document examples', async () => {
      const description = (await request(base).get('/__oauth-dance/provider')).body
      expect(description).toEqual({
        baseUrl: base,
        clients: [{ id: client.clientId, secret: client.clientSecret, name: 'My Client', redirectUris: [REDIRECT], scopes: [] }],
        users: [{ username: 'admin', password: 'demo' }],
      })
      await freshTokens()
      expectRefused(await cctray(DOC.tokenHeader), 401)
      expect((await request(base).post('/__oauth-dance/reset')).status).toBe(200)
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
    })

    it('injects a fault on both spellings of the token endpoint by its route id', async () => {
      await request(base).post('/__oauth-dance/faults').send({ route: 'gocd.token', times: 'always', action: { type: 'oauth-error', error: 'temporarily_unavailable', status: 503 } })
      for (const path of ['/oauth/token', '/go/oauth/token']) {
        const res = await request(base).post(path).type('form').send('grant_type=authorization-code')
        expect(res.status).toBe(503)
        expect(res.body).toEqual({ error: 'temporarily-unavailable', error_description: 'Injected temporarily_unavailable.' })
      }
    })
  })
})

describe('GoCD HTTPS (mandatory_ssl)', () => {
  const post = (provider: GocdRuntime, url: string) =>
    provider.handle(new Request(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization-code' }))

  it('sends plain HTTP on the document host to the https site, with path and query', async () => {
    const gocd = createGocd()
    const res = await gocd.handle(new Request('http://your-go-server.com:8153/go/oauth/authorize?client_id=x'))
    // Anonymous first goes to the login page (Spring ran before the SSL filter)...
    expect(res.status).toBe(302)
    const token = await post(gocd, 'http://your-go-server.com:8153/oauth/token?a=1')
    expect(token.status).toBe(302)
    expect(token.headers.get('location')).toBe('https://your-go-server.com:8154/oauth/token?a=1')
    expect(gocd.journal.entries().at(-1)!.notes).toMatchObject({ plainHttp: true, host: 'http://your-go-server.com:8153' })
  })

  it('answers 403 on plain HTTP when HTTPS is required but the provider has no https URL', async () => {
    const gocd = createGocd({ baseUrl: 'http://127.0.0.1:9', requireHttps: true })
    const res = await post(gocd, 'http://127.0.0.1:9/go/oauth/token')
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('This page can only be accessed using HTTPS.')
  })

  it('accepts plain HTTP when the provider itself is served over http (serve)', async () => {
    const gocd = createGocd({ baseUrl: 'http://127.0.0.1:9' })
    const res = await post(gocd, 'http://127.0.0.1:9/go/oauth/token')
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid-client-credentials', error_description: 'Invalid client credentials!' })
  })
})
