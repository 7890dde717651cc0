import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { browser, formFields, pathOf } from '../../../test/support/browser-like.js'
import { bothModes, inProcess, type Running } from '../../../test/support/modes.js'
import type { GocdRuntime } from './config.js'
import { createGocd } from '../../index.js'
import {
  client,
  admin,
  examples,
  REDIRECT,
  HEX64,
  NINETY_DAYS,
  ONE_HOUR,
  DOC,
  JSON_TYPE,
  expectTokenError,
  expectRefused,
  gocdSuite,
} from '../../../test/support/gocd-suite.js'

describe.each(bothModes)('GoCD over $name', (mode) => {
  const suite = gocdSuite(mode)
  const { lastNotes, authorizeAs, freshCode, exchange, freshTokens, cctray } = suite
  let running: Running<GocdRuntime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

  describe("the document's examples, replayed", () => {
    it('"Request for authorization code": login, the checkbox form, then a redirect with code and expires_in', async () => {
      const agent = browser(base)
      const first = await agent.get(`/oauth/authorize?${DOC.authorizeQuery}`)
      expect(first.status).toBe(302)
      expect(pathOf(first.headers.location)).toBe(`/go/auth/login?return_to=${encodeURIComponent(`/oauth/authorize?${DOC.authorizeQuery}`)}`)
      const login = await agent.get(pathOf(first.headers.location))
      expect(login.text).toContain('Sign in to Go to authorize &#39;My Client&#39;')
      const back = await agent
        .post('/go/auth/login')
        .type('form')
        .send({ ...formFields(login.text), username: admin.username, password: admin.password })
      const consent = await agent.get(pathOf(back.headers.location))
      expect(consent.status).toBe(200)
      expect(consent.text).toContain(`The service named '<strong data-testid="consent-client-name">My Client</strong>' wants to access Go on your behalf.`)
      expect(consent.text).toContain('<input type="checkbox" id="authorize" name="authorize" value="Yes" data-testid="consent-checkbox">')
      expect(formFields(consent.text)).toEqual({
        authenticity_token: expect.any(String),
        client_id: client.clientId,
        redirect_uri: REDIRECT,
        response_type: 'code',
      })

      const done = await agent
        .post('/oauth/authorize')
        .type('form')
        .send({ ...formFields(consent.text), authorize: 'Yes' })
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
        violations: [
          {
            requirement: 'RFC6749-4.1.3',
            message: 'the token request\'s redirect_uri "www.my_redirect_uri.com" is the registered "http://www.my_redirect_uri.com" without its scheme',
            error: 'invalid-grant',
            served: false,
          },
        ],
      })
      running.provider.clock.advance(90)
      const withScheme = await request(base).post('/go/oauth/token').type('form').send(DOC.tokenBody.replace('redirect_uri=www.', 'redirect_uri=http://www.'))
      expectTokenError(withScheme, 'invalid-grant', 'Authorization expired or invalid!')
      expect(lastNotes().hint).toBe(
        "This code was destroyed 1 minute 30 seconds ago by a token request that failed: GoCD destroys the code before it checks anything else, so a corrected retry needs a new code (or, on serve, POST /__oauth-dance/reset to get the document's example code back).",
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
      const res = await request(base)
        .post('/go/oauth/token')
        .type('form')
        .send(DOC.tokenBody.replace(examples.code, code).replace('redirect_uri=www.', 'redirect_uri=http://www.'))
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe(JSON_TYPE)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(Object.keys(res.body)).toEqual(['access_token', 'expires_in', 'refresh_token'])
      expect(res.body).toEqual({ access_token: expect.stringMatching(HEX64), expires_in: ONE_HOUR, refresh_token: expect.stringMatching(HEX64) })
    })

    it('"Get access token": a GoCD created without the document\'s examples gets them when the option is turned on', async () => {
      const gocd = createGocd({ documentExamples: false })
      await gocd.ready
      const exampleExchange = () =>
        gocd.handle(
          new Request(`${gocd.baseUrl}/go/oauth/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: DOC.tokenBody.replace('redirect_uri=www.', 'redirect_uri=http://www.'),
          }),
        )
      const refused = await exampleExchange()
      expect(refused.status).toBe(400)
      expect(await refused.json()).toEqual({ error: 'invalid-grant', error_description: 'Authorization expired or invalid!' })
      gocd.options.set({ documentExamples: true })
      const res = await exampleExchange()
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ access_token: examples.accessToken, expires_in: ONE_HOUR, refresh_token: examples.refreshToken })
      // Reset returns to the options it was created with: no examples.
      await gocd.reset()
      expect((await exampleExchange()).status).toBe(400)
    })

    it('"Get access token": GoCD\'s real 90 days are an option (accessTokenTtlSeconds)', async () => {
      const gocd = createGocd({ accessTokenTtlSeconds: NINETY_DAYS })
      await gocd.ready
      const res = await gocd.handle(
        new Request(`${gocd.baseUrl}/go/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: DOC.tokenBody.replace('redirect_uri=www.', 'redirect_uri=http://www.'),
        }),
      )
      expect((await res.json()).expires_in).toBe(NINETY_DAYS)
    })

    it('"Get access token": the document\'s own code, seeded, answers the document\'s own tokens when the scheme is restored, so its three lines run as a chain (#12)', async () => {
      const res = await request(base).post('/go/oauth/token').type('form').send(DOC.tokenBody.replace('redirect_uri=www.', 'redirect_uri=http://www.'))
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ access_token: examples.accessToken, expires_in: ONE_HOUR, refresh_token: examples.refreshToken })
      expect(lastNotes()).toMatchObject({ documentExampleTokens: true, earlierTokenDeleted: true })
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
      // Exchanged once: a second try is refused, and the tokens stay the document's.
      expectTokenError(
        await request(base).post('/go/oauth/token').type('form').send(DOC.tokenBody.replace('redirect_uri=www.', 'redirect_uri=http://www.')),
        'invalid-grant',
        'Authorization expired or invalid!',
      )
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
    })

    it('"Use the access token": cctray.xml with the printed token, and with a fresh one', async () => {
      const printed = await cctray(DOC.tokenHeader)
      expect(printed.status).toBe(200)
      expect(printed.headers['content-type']).toBe('application/xml; charset=utf-8')
      expect(
        printed.text.startsWith(
          '<?xml version="1.0" encoding="utf-8"?>\n<Projects>\n  <Project name="up42 :: up42_stage" activity="Sleeping" lastBuildStatus="Success" lastBuildLabel="1" lastBuildTime="',
        ),
      ).toBe(true)
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
      const token = await request('https://www.your-go-server:8154')
        .post('/go/oauth/token')
        .type('form')
        .send(DOC.tokenBody.replace(examples.code, code).replace('redirect_uri=www.', 'redirect_uri=http://www.'))
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
      const res = await exchange(
        {
          code: new URL(location).searchParams.get('code')!,
          grant_type: 'authorization-code',
          client_id: client.clientId,
          client_secret: client.clientSecret,
          redirect_uri: REDIRECT,
        },
        tokenPath,
      )
      expect(res.status).toBe(200)
      expect(lastNotes().pathForm).toBe(tokenPath)
      expect(running.provider.journal.entries().at(-1)!.route).toBe('gocd.token')
    })
  })

  describe('control paths and description', () => {
    it('describes the seeded client and user, and reset restores the document examples', async () => {
      const description = (await request(base).get('/__oauth-dance/provider')).body
      expect(description).toEqual({
        baseUrl: base,
        authorizationEndpoint: `${base}/go/oauth/authorize`,
        tokenEndpoint: `${base}/go/oauth/token`,
        apiBaseUrl: base,
        clients: [{ id: client.clientId, secret: client.clientSecret, name: 'My Client', redirectUris: [REDIRECT], scopes: [] }],
        users: [{ username: 'admin', password: 'demo' }],
      })
      await freshTokens()
      expectRefused(await cctray(DOC.tokenHeader), 401)
      expect((await request(base).post('/__oauth-dance/reset')).status).toBe(200)
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
    })

    it('documentExamples changed at run time takes effect at once: off takes the example code and token out, on issues them again', async () => {
      const exampleExchange = () =>
        request(base).post('/go/oauth/token').type('form').send(DOC.tokenBody.replace('redirect_uri=www.', 'redirect_uri=http://www.'))
      const off = await request(base).post('/__oauth-dance/options').send({ documentExamples: false })
      expect(off.status).toBe(200)
      expect(off.body.options.documentExamples).toBe(false)
      expectRefused(await cctray(DOC.tokenHeader), 401)
      expectTokenError(await exampleExchange(), 'invalid-grant', 'Authorization expired or invalid!')
      // A token the client got from a code of its own is not the document's: it stays.
      const own = await freshTokens()
      expect((await cctray(`Token token="${own.access_token}"`)).status).toBe(200)

      const on = await request(base).post('/__oauth-dance/options').send({ documentExamples: true })
      expect(on.status).toBe(200)
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
      // Issued as GoCD issues any token: it replaced the one the admin held for My Client.
      expectRefused(await cctray(`Token token="${own.access_token}"`), 401)
      const exchanged = await exampleExchange()
      expect(exchanged.status).toBe(200)
      expect(exchanged.body).toEqual({ access_token: examples.accessToken, expires_in: ONE_HOUR, refresh_token: examples.refreshToken })
    })

    it('injects a fault on both spellings of the token endpoint by its route id', async () => {
      await request(base)
        .post('/__oauth-dance/faults')
        .send({ route: 'gocd.token', times: 'always', action: { type: 'oauth-error', error: 'temporarily_unavailable', status: 503 } })
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
    provider.handle(
      new Request(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization-code' }),
    )

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
