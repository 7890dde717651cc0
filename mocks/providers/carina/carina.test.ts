import request from 'supertest'
import { unzipSync, strFromU8 } from 'fflate'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { carinaFixtures } from '../../../fixtures/carina.js'
import { authorizeInBrowser, browser, formFields, pathOf } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { CarinaRuntime } from './config.js'

const app = carinaFixtures.application
const user = carinaFixtures.user
const CALLBACK = app.redirectUris[0]
const ALL_SCOPES = 'identity cluster_credentials create_cluster'
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

const DOORKEEPER = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  invalid_redirect_uri: 'The redirect uri included is not valid.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  unsupported_response_type: 'The authorization server does not support this response type.',
}

describe.each(bothModes)('Carina over $name', (mode) => {
  let running: Running<CarinaRuntime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<CarinaRuntime>('carina')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  async function code(scope = ALL_SCOPES, state = 'xyz-state', redirectUri: string = CALLBACK) {
    const location = await authorizeInBrowser(browser(base), {
      clientId: app.clientId,
      redirectUri,
      scope,
      state,
      username: user.username,
      password: user.password,
    })
    return location
  }

  async function tokens(scope = ALL_SCOPES) {
    const location = await code(scope)
    const res = await request(base)
      .post('/oauth/token')
      .set('Content-Type', 'application/json')
      .send({ client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: CALLBACK, code: location.searchParams.get('code'), grant_type: 'authorization_code' })
    expect(res.status).toBe(200)
    return res.body as { access_token: string; refresh_token: string; expires_in: number; token_type: string }
  }

  function expectDoorkeeperError(res: request.Response, error: keyof typeof DOORKEEPER, status = 401) {
    expect(res.status).toBe(status)
    expect(res.body).toEqual({ error, error_description: DOORKEEPER[error] })
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['pragma']).toBe('no-cache')
    if (status === 401) {
      expect(res.headers['www-authenticate']).toBe(`Bearer realm="Doorkeeper", error="${error}", error_description="${DOORKEEPER[error]}"`)
    }
  }

  describe('the whole dance', () => {
    it('goes from authorize to cluster credentials, as the document describes', async () => {
      const location = await code(ALL_SCOPES, 'state with spaces & symbols/?=')
      expect(location.origin + location.pathname).toBe(CALLBACK)
      expect(location.searchParams.get('state')).toBe('state with spaces & symbols/?=')
      const authorizationCode = location.searchParams.get('code')!
      expect(authorizationCode).toMatch(/^[0-9a-f]{64}$/)

      // The document's example request: a JSON body with the client credentials inside.
      const token = await request(base)
        .post('/oauth/token')
        .set('Content-Type', 'application/json')
        .send({ client_id: app.clientId, client_secret: app.clientSecret, redirect_uri: CALLBACK, code: authorizationCode, grant_type: 'authorization_code' })
      expect(token.status).toBe(200)
      expect(token.headers['cache-control']).toBe('no-store')
      // Doorkeeper's TokenResponse#headers sent Pragma too (RFC 6749 §5.1) (#12).
      expect(token.headers.pragma).toBe('no-cache')
      expect(token.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(token.body).toEqual({
        access_token: expect.stringMatching(/^[0-9a-f]{64}$/),
        token_type: 'bearer',
        expires_in: 7200,
        refresh_token: expect.stringMatching(/^[0-9a-f]{64}$/),
        scope: ALL_SCOPES,
        created_at: expect.any(Number),
      })
      const auth = `bearer ${token.body.access_token}`

      const me = await request(base).get('/me').set('Authorization', auth)
      expect(me.status).toBe(200)
      expect(me.body).toEqual({ id: 1, username: 'carolynvs', email: 'carolyn.vanslyck@rackspace.com', full_name: 'carolynvs' })

      const created = await request(base).put('/clusters/mycluster').set('Authorization', auth).set('Accept', 'application/json').send({})
      expect(created.status).toBe(201)
      expect(created.body).toEqual({ cluster_name: 'mycluster', status: 'building', autoscale: false, flavor: 'container1-4G', nodes: 1 })

      const again = await request(base).put('/clusters/mycluster').set('Authorization', auth).send({})
      expect(again.status).toBe(200)
      expect(again.body.status).toBe('building')

      const building = await request(base).get('/clusters/mycluster').set('Authorization', auth)
      expect(building.status).toBe(404)
      expect(building.body).toEqual({ message: 'The cluster is not yet active. Retry this request later.' })

      running.provider.clock.advance(149)
      expect((await request(base).get('/clusters/mycluster').set('Authorization', auth)).status).toBe(404)
      running.provider.clock.advance(1)

      const zip = await request(base)
        .get('/clusters/mycluster')
        .set('Authorization', auth)
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => done(null, Buffer.concat(chunks)))
        })
      expect(zip.status).toBe(200)
      expect(zip.headers['content-type']).toBe('application/zip')
      const files = unzipSync(new Uint8Array(zip.body as Buffer))
      expect(Object.keys(files).sort()).toEqual(
        ['README.md', 'ca-key.pem', 'ca.pem', 'cert.pem', 'docker.cmd', 'docker.env', 'docker.fish', 'docker.ps1', 'key.pem'].map((f) => `mycluster/${f}`),
      )
      expect(strFromU8(files['mycluster/docker.env'])).toMatch(/^export DOCKER_HOST=tcp:\/\/\d+\.\d+\.\d+\.\d+:\d+$/m)
      expect(strFromU8(files['mycluster/ca.pem'])).toMatch(/^-----BEGIN CERTIFICATE-----/)

      const status = await request(base).put('/clusters/mycluster').set('Authorization', auth).send({})
      expect(status.body.status).toBe('active')
    })

    it('accepts a urlencoded token request with HTTP Basic client authentication, as real clients sent it', async () => {
      const location = await code()
      const res = await request(base)
        .post('/oauth/token')
        .set('Authorization', basic(app.clientId, app.clientSecret))
        .set('Accept', 'application/json')
        .type('form')
        .send({ grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: CALLBACK })
      expect(res.status).toBe(200)
      expect(res.body.token_type).toBe('bearer')
      expect(running.provider.journal.entries().at(-1)!.notes).toMatchObject({ clientAuthMethod: 'client_secret_basic', bodyFormat: 'form', grantType: 'authorization_code' })
    })

    it('refreshes a token, revoking the old pair', async () => {
      const first = await tokens()
      const refreshed = await request(base)
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: app.clientId, client_secret: app.clientSecret })
      expect(refreshed.status).toBe(200)
      expect(refreshed.body.access_token).not.toBe(first.access_token)
      expect(refreshed.body.refresh_token).not.toBe(first.refresh_token)
      expect(refreshed.body.expires_in).toBe(7200)
      expect((await request(base).get('/me').set('Authorization', `Bearer ${first.access_token}`)).status).toBe(401)
      expect((await request(base).get('/me').set('Authorization', `Bearer ${refreshed.body.access_token}`)).status).toBe(200)
      const reused = await request(base)
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: app.clientId, client_secret: app.clientSecret })
      expectDoorkeeperError(reused, 'invalid_grant')
    })

    it('expires the access token after 7200 seconds of mock clock, and refresh still works', async () => {
      const t = await tokens()
      running.provider.clock.advance(7199)
      expect((await request(base).get('/me').set('Authorization', `Bearer ${t.access_token}`)).status).toBe(200)
      running.provider.clock.advance(1)
      const expired = await request(base).get('/me').set('Authorization', `Bearer ${t.access_token}`)
      expect(expired.status).toBe(401)
      expect(expired.headers['www-authenticate']).toBe('Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token expired."')
      const refreshed = await request(base)
        .post('/oauth/token')
        .set('Authorization', basic(app.clientId, app.clientSecret))
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: t.refresh_token })
      expect(refreshed.status).toBe(200)
    })
  })

  describe('authorization endpoint', () => {
    it('asks an anonymous user to log in, naming the application', async () => {
      const res = await request(base).get('/oauth/authorize').query({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code' })
      expect(res.status).toBe(302)
      expect(pathOf(res.headers.location)).toBe(`/login?return_to=${encodeURIComponent(`/oauth/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=code`)}`)
      const login = await request(base).get(pathOf(res.headers.location))
      expect(login.status).toBe(200)
      expect(login.text).toContain('Enter your Rackspace login info to authorize My Cool App')
      expect(login.headers['x-frame-options']).toBe('DENY')
      expect(login.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:; base-uri 'none'; frame-ancestors 'none'$/)
      expect(login.headers['set-cookie'][0]).toMatch(/^_carina_oauth_session=[^;]+; Path=\/; HttpOnly;( Secure;)? SameSite=Lax$/)
    })

    it('lists the requested scopes in words on the consent page', async () => {
      const agent = browser(base)
      const first = await authorizeInBrowser(agent, { clientId: app.clientId, redirectUri: CALLBACK, scope: ALL_SCOPES, username: user.username, password: user.password, decision: 'deny' })
      expect(first.searchParams.get('error')).toBe('access_denied')
      const consent = await agent.get('/oauth/authorize').query({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: ALL_SCOPES })
      expect(consent.status).toBe(200)
      expect(consent.text).toContain('Authorize <strong data-testid="consent-app-name">My Cool App</strong> to use your account?')
      expect(consent.text).toContain('<li data-scope="identity">Read your public profile</li>')
      expect(consent.text).toContain('<li data-scope="cluster_credentials">Download your cluster credentials</li>')
      expect(consent.text).toContain('<li data-scope="create_cluster">Create a new cluster</li>')
    })

    it('redirects Deny with error=access_denied and the untouched state', async () => {
      const location = await authorizeInBrowser(browser(base), { clientId: app.clientId, redirectUri: CALLBACK, state: 'a b+c', username: user.username, password: user.password, decision: 'deny' })
      expect(location.origin + location.pathname).toBe(CALLBACK)
      expect(Object.fromEntries(location.searchParams)).toEqual({
        error: 'access_denied',
        error_description: 'The resource owner or authorization server denied the request.',
        state: 'a b+c',
      })
    })

    it('skips consent for a user who already granted the scopes, and asks again after revoking', async () => {
      const agent = browser(base)
      const options = { clientId: app.clientId, redirectUri: CALLBACK, scope: 'identity', username: user.username, password: user.password }
      await authorizeInBrowser(agent, options)
      const again = await agent.get('/oauth/authorize').query({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'identity' })
      expect(again.status).toBe(302)
      expect(new URL(again.headers.location).searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/)

      const list = await agent.get('/oauth/authorized_applications')
      expect(list.text).toContain('My Cool App')
      const revoked = await agent.post(`/oauth/authorized_applications/${app.clientId}`).type('form').send({ ...formFields(list.text), _method: 'delete' })
      expect(revoked.status).toBe(302)
      const asked = await agent.get('/oauth/authorize').query({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'identity' })
      expect(asked.status).toBe(200)
      expect(asked.text).toContain('data-testid="consent-form"')
    })

    it('shows the code on a page titled "Success code=<code>" for the out-of-band redirect', async () => {
      const agent = browser(base)
      const location = await authorizeInBrowser(agent, { clientId: app.clientId, redirectUri: 'urn:ietf:wg:oauth:2.0:oob', username: user.username, password: user.password })
      expect(location.pathname).toMatch(/^\/oauth\/authorize\/[0-9a-f]{64}$/)
      const page = await agent.get(location.pathname)
      const codeValue = location.pathname.split('/').at(-1)!
      expect(page.status).toBe(200)
      expect(page.text).toContain(`<title>Success code=${codeValue}</title>`)
      expect(page.text).toContain(`<code data-testid="authorization-code">${codeValue}</code>`)
      const token = await request(base)
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'authorization_code', code: codeValue, redirect_uri: 'urn:ietf:wg:oauth:2.0:oob', client_id: app.clientId, client_secret: app.clientSecret })
      expect(token.status).toBe(200)
    })

    describe('never redirects to an untrusted place', () => {
      it.each([
        ['an unknown client', { client_id: 'nope', redirect_uri: CALLBACK, response_type: 'code' }, 'invalid_client', 'No application is registered with the client_id &quot;nope&quot;.'],
        ['a missing client_id', { redirect_uri: CALLBACK, response_type: 'code' }, 'invalid_request', 'The &quot;client_id&quot; parameter is missing.'],
        ['a missing redirect_uri', { client_id: app.clientId, response_type: 'code' }, 'invalid_redirect_uri', 'The &quot;redirect_uri&quot; parameter is missing.'],
        ['an unregistered redirect_uri', { client_id: app.clientId, redirect_uri: 'https://evil.example/cb', response_type: 'code' }, 'invalid_redirect_uri', 'The &quot;redirect_uri&quot; does not match any redirect URI registered for this application.'],
        ['a registered URI with another path', { client_id: app.clientId, redirect_uri: 'https://example.com/carina-oauth-callback/x', response_type: 'code' }, 'invalid_redirect_uri', 'The &quot;redirect_uri&quot; does not match any redirect URI registered for this application.'],
      ])('shows an error page given %s, in Doorkeeper\'s words with the mock\'s detail beside them (#12)', async (_name, query, error, detail) => {
        const res = await request(base).get('/oauth/authorize').query(query)
        expect(res.status).toBe(400)
        expect(res.headers.location).toBeUndefined()
        expect(res.text).toContain(`<code data-testid="authorize-error-code">${error}</code>`)
        expect(res.text).toContain(`<p data-testid="authorize-error-description">${DOORKEEPER[error as keyof typeof DOORKEEPER]}</p>`)
        expect(res.text).toContain(`<p class="detail" data-testid="authorize-error-detail">${detail}</p>`)
      })
    })

    describe('redirects other errors to the client with state (RFC 6749 §4.1.2.1)', () => {
      it.each([
        // Doorkeeper's en.yml texts, not the mock's specific ones (#12).
        ['a missing response_type', {}, 'invalid_request', DOORKEEPER.invalid_request],
        ['response_type=token', { response_type: 'token' }, 'unsupported_response_type', 'The authorization server does not support this response type.'],
        ['an unknown scope', { response_type: 'code', scope: 'identity admin' }, 'invalid_scope', 'The requested scope is invalid, unknown, or malformed.'],
        ['comma-separated scopes', { response_type: 'code', scope: 'identity,create_cluster' }, 'invalid_scope', 'The requested scope is invalid, unknown, or malformed.'],
      ])('given %s', async (_name, query, error, description) => {
        const res = await request(base)
          .get('/oauth/authorize')
          .query({ client_id: app.clientId, redirect_uri: CALLBACK, state: 's1', ...query })
        expect(res.status).toBe(302)
        const location = new URL(res.headers.location)
        expect(location.origin + location.pathname).toBe(CALLBACK)
        expect(Object.fromEntries(location.searchParams)).toEqual({ error, error_description: description, state: 's1' })
      })

      it('takes the last of a repeated parameter, as Rails did, recording it for the rules (#12)', async () => {
        const res = await request(base).get(`/oauth/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=token&response_type=code&state=s&state=t`)
        // Served: on to the login page (response_type=code was the last one).
        expect(res.status).toBe(302)
        expect(pathOf(res.headers.location)).toMatch(/^\/login/)
        expect(running.provider.journal.entries().at(-1)!.notes.violations).toEqual([
          { requirement: 'RFC6749-3.1', message: '"state" was sent 2 times in the query', error: 'invalid_request', served: true },
          { requirement: 'RFC6749-3.1', message: '"response_type" was sent 2 times in the query', error: 'invalid_request', served: true },
        ])
      })
    })

    it('refuses a consent POST without the session anti-CSRF token', async () => {
      const agent = browser(base)
      await authorizeInBrowser(agent, { clientId: app.clientId, redirectUri: CALLBACK, scope: 'identity', username: user.username, password: user.password, decision: 'deny' })
      const res = await agent.post('/oauth/authorize').type('form').send({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', decision: 'authorize' })
      expect(res.status).toBe(403)
      expect(res.text).toContain('data-testid="csrf-error"')
    })

    it('keeps the login form on the page with an error given a wrong password', async () => {
      const agent = browser(base)
      const page = await agent.get('/login')
      const res = await agent.post('/login').type('form').send({ ...formFields(page.text), username: 'carolynvs', password: 'wrong' })
      expect(res.status).toBe(401)
      expect(res.text).toContain('<p class="error" role="alert" data-testid="login-error">Invalid username or password.</p>')
    })

    it('never sends the user back to another site after login', async () => {
      const agent = browser(base)
      const page = await agent.get('/login?return_to=//evil.example/x')
      const res = await agent.post('/login').type('form').send({ ...formFields(page.text), username: user.username, password: user.password })
      expect(res.status).toBe(302)
      expect(res.headers.location).toBe(`${base}/`)
    })
  })

  describe('token endpoint errors (Doorkeeper 3: every error 401 with a Bearer challenge)', () => {
    /** Exchanges one fresh code, as often as called. */
    async function codeExchanger() {
      const location = await code()
      return () =>
        request(base)
          .post('/oauth/token')
          .type('form')
          .send({ grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret })
    }

    it('refuses a replayed code and keeps the tokens it issued, as Doorkeeper 3 did (#12: revocation is an option)', async () => {
      const exchange = await codeExchanger()
      const first = await exchange()
      expect(first.status).toBe(200)
      expectDoorkeeperError(await exchange(), 'invalid_grant')
      expect(running.provider.journal.entries().at(-1)!.notes.codeReplay).toBe(true)
      expect((await request(base).get('/me').set('Authorization', `Bearer ${first.body.access_token}`)).status).toBe(200)
    })

    it('with revokeTokensOnCodeReplay, a replayed code revokes the tokens it issued (RFC 6749 §4.1.2, §10.5)', async () => {
      running.provider.config.token.revokeTokensOnCodeReplay = true
      try {
        const exchange = await codeExchanger()
        const first = await exchange()
        expect(first.status).toBe(200)
        expectDoorkeeperError(await exchange(), 'invalid_grant')
        const me = await request(base).get('/me').set('Authorization', `Bearer ${first.body.access_token}`)
        expect(me.status).toBe(401)
        expect(me.headers['www-authenticate']).toBe('Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked."')
        expect(
          (await request(base).post('/oauth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: app.clientId, client_secret: app.clientSecret })).status,
        ).toBe(401)
      } finally {
        running.provider.config.token.revokeTokensOnCodeReplay = false
      }
    })

    it('refuses a code after its 600 seconds', async () => {
      const location = await code()
      running.provider.clock.advance(600)
      const res = await request(base)
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret })
      expectDoorkeeperError(res, 'invalid_grant')
    })

    it('refuses a redirect_uri that differs from the authorization request', async () => {
      const location = await code()
      const res = await request(base)
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: 'https://example.com/other', client_id: app.clientId, client_secret: app.clientSecret })
      expectDoorkeeperError(res, 'invalid_grant')
    })

    it.each([
      ['no grant_type', { code: 'x' }, 'invalid_request'],
      ['an unknown grant_type', { grant_type: 'password' }, 'unsupported_grant_type'],
      ['client_credentials (not offered by Carina)', { grant_type: 'client_credentials' }, 'unsupported_grant_type'],
      ['no code', { grant_type: 'authorization_code', redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret }, 'invalid_request'],
      ['an unknown code', { grant_type: 'authorization_code', code: 'nope', redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret }, 'invalid_grant'],
      ['a wrong client secret', { grant_type: 'authorization_code', code: 'nope', client_id: app.clientId, client_secret: 'wrong' }, 'invalid_client'],
      ['an unknown client', { grant_type: 'authorization_code', code: 'nope', client_id: 'nope', client_secret: 'x' }, 'invalid_client'],
      ['no client authentication', { grant_type: 'authorization_code', code: 'nope' }, 'invalid_client'],
      ['no refresh_token', { grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret }, 'invalid_request'],
      ['an unknown refresh_token', { grant_type: 'refresh_token', refresh_token: 'nope', client_id: app.clientId, client_secret: app.clientSecret }, 'invalid_grant'],
    ] as const)('answers %s', async (_name, body, error) => {
      expectDoorkeeperError(await request(base).post('/oauth/token').type('form').send(body), error)
    })

    it('answers a wrong Basic secret with 401 invalid_client', async () => {
      const res = await request(base).post('/oauth/token').set('Authorization', basic(app.clientId, 'wrong')).type('form').send({ grant_type: 'authorization_code', code: 'x' })
      expectDoorkeeperError(res, 'invalid_client')
    })

    it('serves Basic plus body credentials in strict mode as Doorkeeper did (Basic wins, the body is ignored), recording the second method (#12)', async () => {
      const location = await code()
      const res = await request(base)
        .post('/oauth/token')
        .set('Authorization', basic(app.clientId, app.clientSecret))
        .type('form')
        .send({ grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: CALLBACK, client_id: 'ignored', client_secret: 'ignored too' })
      expect(res.status).toBe(200)
      expect(res.body.token_type).toBe('bearer')
      expect(running.provider.strictness).toBe('strict')
      const { notes } = running.provider.journal.entries().at(-1)!
      expect(notes.clientAuthMethod).toBe('client_secret_basic')
      expect(notes.violations).toEqual([{ requirement: 'RFC6749-2.3', message: 'the client authenticated with HTTP Basic and with "client_secret" in the body', error: 'invalid_request', served: true }])
    })

    it('answers 400 (and 401 only for invalid_client) with tokenErrorStatus "rfc6749"', async () => {
      // Config is read per request, so flipping it exercises the same provider.
      running.provider.config.tokenErrorStatus = 'rfc6749'
      try {
        const grant = await request(base).post('/oauth/token').type('form').send({ grant_type: 'authorization_code', code: 'nope', client_id: app.clientId, client_secret: app.clientSecret })
        expect(grant.status).toBe(400)
        expect(grant.headers['www-authenticate']).toBeUndefined()
        const client = await request(base).post('/oauth/token').type('form').send({ grant_type: 'authorization_code', code: 'nope', client_id: app.clientId, client_secret: 'bad' })
        expect(client.status).toBe(401)
      } finally {
        running.provider.config.tokenErrorStatus = 'doorkeeper'
      }
    })
  })

  describe('bad input gets a clear error, never a 500', () => {
    it('takes the last of a duplicated parameter, as Rails did, and records it (RFC 6749 §3.2, #12)', async () => {
      const res = await request(base).post('/oauth/token').set('Authorization', basic(app.clientId, app.clientSecret)).type('form').send('grant_type=authorization_code&code=a&code=b&redirect_uri=x')
      expectDoorkeeperError(res, 'invalid_grant')
      const last = running.provider.journal.entries().at(-1)!
      expect(last.error!.detail).toBe('unknown code')
      expect(last.notes.violations).toEqual([{ requirement: 'RFC6749-3.2', message: '"code" was sent 2 times in the body', error: 'invalid_request', served: true }])
    })

    it('refuses a body that is neither urlencoded nor JSON', async () => {
      const res = await request(base).post('/oauth/token').set('Content-Type', 'text/plain').send('grant_type=authorization_code')
      expectDoorkeeperError(res, 'invalid_request')
      expect(running.provider.journal.entries().at(-1)!.error!.description).toBe('The request body must be application/x-www-form-urlencoded or application/json, not text/plain.')
    })

    it('refuses malformed JSON', async () => {
      const res = await request(base).post('/oauth/token').set('Content-Type', 'application/json').send('{"grant_type": ')
      expectDoorkeeperError(res, 'invalid_request')
      expect(running.provider.journal.entries().at(-1)!.error!.detail).toBe('malformed JSON')
    })

    it('refuses a JSON body that is not an object, or holds non-string values', async () => {
      expectDoorkeeperError(await request(base).post('/oauth/token').set('Content-Type', 'application/json').send('["grant_type"]'), 'invalid_request')
      expectDoorkeeperError(await request(base).post('/oauth/token').set('Content-Type', 'application/json').send('{"grant_type": {"a": 1}}'), 'invalid_request')
    })

    it('answers 413 for an oversized body', async () => {
      const res = await request(base).post('/oauth/token').type('form').send(`grant_type=authorization_code&code=${'a'.repeat(70 * 1024)}`)
      expect(res.status).toBe(413)
      expect(res.body).toEqual({ error: 'invalid_request', error_description: DOORKEEPER.invalid_request })
    })

    it('answers an unknown path with a JSON 404 and a wrong method with 405', async () => {
      const missing = await request(base).get('/nope')
      expect(missing.status).toBe(404)
      expect(missing.body).toEqual({ error: 'not_found', message: 'The page you were looking for does not exist.' })
      const wrong = await request(base).get('/oauth/token')
      expect(wrong.status).toBe(405)
      expect(wrong.headers.allow).toBe('POST')
    })

    it('refuses an invalid cluster name with a JSON message', async () => {
      const t = await tokens()
      const res = await request(base).put('/clusters/bad%20name!').set('Authorization', `Bearer ${t.access_token}`).send({})
      expect(res.status).toBe(400)
      expect(res.body).toEqual({ message: 'Invalid cluster name "bad name!": use letters, digits, "-" and "_" (at most 64).' })
    })
  })

  describe('protected resources (RFC 6750 §3)', () => {
    it('answers no token with 401 and a bare Bearer challenge', async () => {
      const res = await request(base).get('/me')
      expect(res.status).toBe(401)
      expect(res.text).toBe('')
      expect(res.headers['www-authenticate']).toBe('Bearer realm="Doorkeeper"')
    })

    it('answers an unknown token with invalid_token', async () => {
      const res = await request(base).get('/me').set('Authorization', 'Bearer nope')
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid."')
    })

    it('enforces scopes with 403 insufficient_scope', async () => {
      const t = await tokens('identity')
      expect((await request(base).get('/me').set('Authorization', `BEARER ${t.access_token}`)).status).toBe(200)
      const put = await request(base).put('/clusters/c1').set('Authorization', `Bearer ${t.access_token}`).send({})
      expect(put.status).toBe(403)
      expect(put.headers['www-authenticate']).toBe(
        'Bearer realm="Doorkeeper", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="create_cluster"',
      )
      const get = await request(base).get('/clusters/c1').set('Authorization', `Bearer ${t.access_token}`)
      expect(get.status).toBe(403)
      expect(get.headers['www-authenticate']).toContain('scope="cluster_credentials"')
    })

    it('serves a token sent in two ways at once as Doorkeeper did (the header first), recording it for send-token-one-way (#12)', async () => {
      const t = await tokens('identity')
      const res = await request(base).get('/me?access_token=not-this-one').set('Authorization', `Bearer ${t.access_token}`)
      expect(res.status).toBe(200)
      expect(running.provider.journal.entries().at(-1)!.notes).toMatchObject({
        tokenPlacement: 'header',
        violations: [{ requirement: 'RFC6750-2', message: 'the access token was sent 2 times (header, query)', error: 'invalid_request', served: true }],
      })
    })

    it('records where the token was placed', async () => {
      const t = await tokens('identity')
      expect((await request(base).get(`/me?access_token=${t.access_token}`)).status).toBe(200)
      expect(running.provider.journal.entries().at(-1)!.notes.tokenPlacement).toBe('query')
    })

    it('keeps clusters per user and unknown clusters distinct from building ones', async () => {
      const t = await tokens()
      const res = await request(base).get('/clusters/never-made').set('Authorization', `Bearer ${t.access_token}`)
      expect(res.status).toBe(404)
      expect(res.body).toEqual({ message: 'The cluster "never-made" does not exist.' })
    })
  })

  describe('developer applications', () => {
    it('registers an application with one redirect URI per line, shows its id and secret, edits and destroys it', async () => {
      const agent = browser(base)
      const loginPage = await agent.get('/login?return_to=/oauth/applications/new')
      const loggedIn = await agent.post('/login').type('form').send({ ...formFields(loginPage.text), username: user.username, password: user.password })
      const form = await agent.get(pathOf(loggedIn.headers.location))
      expect(form.text).toContain('Use one line per URI')
      expect(form.text).toContain('<code>urn:ietf:wg:oauth:2.0:oob</code> for local tests')

      const refused = await agent.post('/oauth/applications').type('form').send({ ...formFields(form.text), name: 'Http App', redirect_uri: 'http://insecure.example/cb' })
      expect(refused.status).toBe(422)
      expect(refused.text).toContain('Redirect URI &quot;http://insecure.example/cb&quot; must start with https.')

      const created = await agent
        .post('/oauth/applications')
        .type('form')
        .send({ ...formFields(form.text), name: '<b>Howto</b> Whale', redirect_uri: 'https://howtowhale.com/oauth\r\nurn:ietf:wg:oauth:2.0:oob' })
      expect(created.status).toBe(302)
      const show = await agent.get(pathOf(created.headers.location))
      expect(show.text).toContain('Application: <span data-testid="application-title">&lt;b&gt;Howto&lt;/b&gt; Whale</span>')
      const id = /data-testid="application-id">([0-9a-f]{64})</.exec(show.text)![1]
      const secret = /data-testid="application-secret">([0-9a-f]{64})</.exec(show.text)![1]
      expect(running.provider.store.clients.by('clientId', id)).toMatchObject({ clientSecret: secret, redirectUris: ['https://howtowhale.com/oauth', 'urn:ietf:wg:oauth:2.0:oob'] })

      const edit = await agent.get(`/oauth/applications/${id}/edit`)
      const updated = await agent.post(`/oauth/applications/${id}`).type('form').send({ ...formFields(edit.text), name: 'Howto Whale', redirect_uri: 'https://howtowhale.com/callback' })
      expect(updated.status).toBe(302)
      expect(running.provider.store.clients.by('clientId', id)).toMatchObject({ name: 'Howto Whale', redirectUris: ['https://howtowhale.com/callback'] })

      const list = await agent.get('/oauth/applications')
      expect(list.text).toContain('Howto Whale')
      const destroyed = await agent.post(`/oauth/applications/${id}`).type('form').send({ ...formFields(show.text), _method: 'delete' })
      expect(destroyed.status).toBe(302)
      expect(running.provider.store.clients.by('clientId', id)).toBeUndefined()
    })

    it("does not show another user's application", async () => {
      const agent = browser(base)
      await authorizeInBrowser(agent, { clientId: app.clientId, redirectUri: CALLBACK, username: user.username, password: user.password, decision: 'deny' })
      const other = await running.provider.store.clients.collection.create({ clientId: 'other-app', clientSecret: 's', name: 'Other', redirectUris: ['https://o.example/cb'], ownerId: '999', createdAtMs: 0 })
      expect(other.clientId).toBe('other-app')
      expect((await agent.get('/oauth/applications/other-app')).status).toBe(404)
    })
  })

  describe('control paths', () => {
    it('moves the clock, injects a fault once, and resets', async () => {
      const before = await request(base).get('/__oauth-dance/clock')
      const moved = await request(base).post('/__oauth-dance/clock').send({ advance: 3600 })
      expect(moved.body.nowMs - before.body.nowMs).toBeGreaterThanOrEqual(3600_000)

      const fault = await request(base).post('/__oauth-dance/faults').send({ route: 'carina.token', times: 'once', action: { type: 'retry-after', status: 503, seconds: 7 } })
      expect(fault.status).toBe(201)
      const faulted = await request(base).post('/oauth/token').type('form').send({ grant_type: 'authorization_code' })
      expect(faulted.status).toBe(503)
      expect(faulted.headers['retry-after']).toBe('7')
      expect(faulted.body).toEqual({ error: 'temporarily_unavailable', error_description: 'The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.' })
      expect((await request(base).post('/oauth/token').type('form').send({})).status).toBe(401)

      const journal = await request(base).get('/__oauth-dance/journal')
      expect(journal.body.exchanges.map((e: { route: string; response: { status: number } }) => [e.route, e.response.status])).toEqual([
        ['carina.token', 503],
        ['carina.token', 401],
      ])
      expect((await request(base).post('/__oauth-dance/reset')).status).toBe(200)
      expect((await request(base).get('/__oauth-dance/journal')).body.exchanges).toEqual([])
    })

    it('explains a bad control request', async () => {
      const res = await request(base).post('/__oauth-dance/faults').send({ route: 'carina.token', action: { type: 'explode' } })
      expect(res.status).toBe(400)
      expect(res.body.error).toMatch(/^"action.type" must be one of oauth-error, response/)
      const unknown = await request(base).get('/__oauth-dance/nope')
      expect(unknown.status).toBe(404)
    })
  })
})
