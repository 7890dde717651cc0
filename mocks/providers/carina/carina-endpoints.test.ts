import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { authorizeInBrowser, browser, formFields, pathOf } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { CarinaRuntime } from './config.js'
import { app, user, CALLBACK, ALL_SCOPES, basic, DOORKEEPER, carinaSuite } from '../../../test/support/carina-suite.js'

describe.each(bothModes)('Carina over $name', (mode) => {
  const suite = carinaSuite(mode)
  const { code, tokens, expectDoorkeeperError } = suite
  let running: Running<CarinaRuntime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

  describe('authorization endpoint', () => {
    it('asks an anonymous user to log in, naming the application', async () => {
      const res = await request(base).get('/oauth/authorize').query({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code' })
      expect(res.status).toBe(302)
      expect(pathOf(res.headers.location)).toBe(
        `/login?return_to=${encodeURIComponent(`/oauth/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=code`)}`,
      )
      const login = await request(base).get(pathOf(res.headers.location))
      expect(login.status).toBe(200)
      expect(login.text).toContain('Enter your Rackspace login info to authorize My Cool App')
      expect(login.headers['x-frame-options']).toBe('DENY')
      expect(login.headers['content-security-policy']).toMatch(
        /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:; base-uri 'none'; frame-ancestors 'none'$/,
      )
      expect(login.headers['set-cookie'][0]).toMatch(/^_carina_oauth_session=[^;]+; Path=\/; HttpOnly;( Secure;)? SameSite=Lax$/)
    })

    it('lists the requested scopes in words on the consent page', async () => {
      const agent = browser(base)
      const first = await authorizeInBrowser(agent, {
        clientId: app.clientId,
        redirectUri: CALLBACK,
        scope: ALL_SCOPES,
        username: user.username,
        password: user.password,
        decision: 'deny',
      })
      expect(first.searchParams.get('error')).toBe('access_denied')
      const consent = await agent.get('/oauth/authorize').query({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: ALL_SCOPES })
      expect(consent.status).toBe(200)
      expect(consent.text).toContain('Authorize <strong data-testid="consent-app-name">My Cool App</strong> to use your account?')
      expect(consent.text).toContain('<li data-scope="identity">Read your public profile</li>')
      expect(consent.text).toContain('<li data-scope="cluster_credentials">Download your cluster credentials</li>')
      expect(consent.text).toContain('<li data-scope="create_cluster">Create a new cluster</li>')
    })

    it('redirects Deny with error=access_denied and the untouched state', async () => {
      const location = await authorizeInBrowser(browser(base), {
        clientId: app.clientId,
        redirectUri: CALLBACK,
        state: 'a b+c',
        username: user.username,
        password: user.password,
        decision: 'deny',
      })
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
      const revoked = await agent
        .post(`/oauth/authorized_applications/${app.clientId}`)
        .type('form')
        .send({ ...formFields(list.text), _method: 'delete' })
      expect(revoked.status).toBe(302)
      const asked = await agent.get('/oauth/authorize').query({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', scope: 'identity' })
      expect(asked.status).toBe(200)
      expect(asked.text).toContain('data-testid="consent-form"')
    })

    it('shows the code on a page titled "Success code=<code>" for the out-of-band redirect', async () => {
      const agent = browser(base)
      const location = await authorizeInBrowser(agent, {
        clientId: app.clientId,
        redirectUri: 'urn:ietf:wg:oauth:2.0:oob',
        username: user.username,
        password: user.password,
      })
      expect(location.pathname).toMatch(/^\/oauth\/authorize\/[0-9a-f]{64}$/)
      const page = await agent.get(location.pathname)
      const codeValue = location.pathname.split('/').at(-1)!
      expect(page.status).toBe(200)
      expect(page.text).toContain(`<title>Success code=${codeValue}</title>`)
      expect(page.text).toContain(`<code data-testid="authorization-code">${codeValue}</code>`)
      const token = await request(base).post('/oauth/token').type('form').send({
        grant_type: 'authorization_code',
        code: codeValue,
        redirect_uri: 'urn:ietf:wg:oauth:2.0:oob',
        client_id: app.clientId,
        client_secret: app.clientSecret,
      })
      expect(token.status).toBe(200)
    })

    describe('never redirects to an untrusted place', () => {
      it.each([
        [
          'an unknown client',
          { client_id: 'nope', redirect_uri: CALLBACK, response_type: 'code' },
          'invalid_client',
          'No application is registered with the client_id &quot;nope&quot;.',
        ],
        ['a missing client_id', { redirect_uri: CALLBACK, response_type: 'code' }, 'invalid_request', 'The &quot;client_id&quot; parameter is missing.'],
        [
          'a missing redirect_uri',
          { client_id: app.clientId, response_type: 'code' },
          'invalid_redirect_uri',
          'The &quot;redirect_uri&quot; parameter is missing.',
        ],
        [
          'an unregistered redirect_uri',
          { client_id: app.clientId, redirect_uri: 'https://evil.example/cb', response_type: 'code' },
          'invalid_redirect_uri',
          'The &quot;redirect_uri&quot; does not match any redirect URI registered for this application.',
        ],
        [
          'a registered URI with another path',
          { client_id: app.clientId, redirect_uri: 'https://example.com/carina-oauth-callback/x', response_type: 'code' },
          'invalid_redirect_uri',
          'The &quot;redirect_uri&quot; does not match any redirect URI registered for this application.',
        ],
      ])("shows an error page given %s, in Doorkeeper's words with the mock's detail beside them (#12)", async (_name, query, error, detail) => {
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
        [
          'comma-separated scopes',
          { response_type: 'code', scope: 'identity,create_cluster' },
          'invalid_scope',
          'The requested scope is invalid, unknown, or malformed.',
        ],
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
        const res = await request(base).get(
          `/oauth/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=token&response_type=code&state=s&state=t`,
        )
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
      await authorizeInBrowser(agent, {
        clientId: app.clientId,
        redirectUri: CALLBACK,
        scope: 'identity',
        username: user.username,
        password: user.password,
        decision: 'deny',
      })
      const res = await agent
        .post('/oauth/authorize')
        .type('form')
        .send({ client_id: app.clientId, redirect_uri: CALLBACK, response_type: 'code', decision: 'authorize' })
      expect(res.status).toBe(403)
      expect(res.text).toContain('data-testid="csrf-error"')
    })

    it('keeps the login form on the page with an error given a wrong password', async () => {
      const agent = browser(base)
      const page = await agent.get('/login')
      const res = await agent
        .post('/login')
        .type('form')
        .send({ ...formFields(page.text), username: 'carolynvs', password: 'wrong' })
      expect(res.status).toBe(401)
      expect(res.text).toContain('<p class="error" role="alert" data-testid="login-error">Invalid username or password.</p>')
    })

    it('never sends the user back to another site after login', async () => {
      const agent = browser(base)
      const page = await agent.get('/login?return_to=//evil.example/x')
      const res = await agent
        .post('/login')
        .type('form')
        .send({ ...formFields(page.text), username: user.username, password: user.password })
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
          .send({
            grant_type: 'authorization_code',
            code: location.searchParams.get('code')!,
            redirect_uri: CALLBACK,
            client_id: app.clientId,
            client_secret: app.clientSecret,
          })
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
          (
            await request(base)
              .post('/oauth/token')
              .type('form')
              .send({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: app.clientId, client_secret: app.clientSecret })
          ).status,
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
        .send({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          redirect_uri: CALLBACK,
          client_id: app.clientId,
          client_secret: app.clientSecret,
        })
      expectDoorkeeperError(res, 'invalid_grant')
    })

    it('refuses a redirect_uri that differs from the authorization request', async () => {
      const location = await code()
      const res = await request(base)
        .post('/oauth/token')
        .type('form')
        .send({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          redirect_uri: 'https://example.com/other',
          client_id: app.clientId,
          client_secret: app.clientSecret,
        })
      expectDoorkeeperError(res, 'invalid_grant')
    })

    it.each([
      ['no grant_type', { code: 'x' }, 'invalid_request'],
      ['an unknown grant_type', { grant_type: 'password' }, 'unsupported_grant_type'],
      ['client_credentials (not offered by Carina)', { grant_type: 'client_credentials' }, 'unsupported_grant_type'],
      ['no code', { grant_type: 'authorization_code', redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret }, 'invalid_request'],
      [
        'an unknown code',
        { grant_type: 'authorization_code', code: 'nope', redirect_uri: CALLBACK, client_id: app.clientId, client_secret: app.clientSecret },
        'invalid_grant',
      ],
      ['a wrong client secret', { grant_type: 'authorization_code', code: 'nope', client_id: app.clientId, client_secret: 'wrong' }, 'invalid_client'],
      ['an unknown client', { grant_type: 'authorization_code', code: 'nope', client_id: 'nope', client_secret: 'x' }, 'invalid_client'],
      ['no client authentication', { grant_type: 'authorization_code', code: 'nope' }, 'invalid_client'],
      ['no refresh_token', { grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret }, 'invalid_request'],
      [
        'an unknown refresh_token',
        { grant_type: 'refresh_token', refresh_token: 'nope', client_id: app.clientId, client_secret: app.clientSecret },
        'invalid_grant',
      ],
    ] as const)('answers %s', async (_name, body, error) => {
      expectDoorkeeperError(await request(base).post('/oauth/token').type('form').send(body), error)
    })

    it('answers a wrong Basic secret with 401 invalid_client', async () => {
      const res = await request(base)
        .post('/oauth/token')
        .set('Authorization', basic(app.clientId, 'wrong'))
        .type('form')
        .send({ grant_type: 'authorization_code', code: 'x' })
      expectDoorkeeperError(res, 'invalid_client')
    })

    it('serves Basic plus body credentials in strict mode as Doorkeeper did (Basic wins, the body is ignored), recording the second method (#12)', async () => {
      const location = await code()
      const res = await request(base)
        .post('/oauth/token')
        .set('Authorization', basic(app.clientId, app.clientSecret))
        .type('form')
        .send({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          redirect_uri: CALLBACK,
          client_id: 'ignored',
          client_secret: 'ignored too',
        })
      expect(res.status).toBe(200)
      expect(res.body.token_type).toBe('bearer')
      expect(running.provider.strictness).toBe('strict')
      const { notes } = running.provider.journal.entries().at(-1)!
      expect(notes.clientAuthMethod).toBe('client_secret_basic')
      expect(notes.violations).toEqual([
        {
          requirement: 'RFC6749-2.3',
          message: 'the client authenticated with HTTP Basic and with "client_secret" in the body',
          error: 'invalid_request',
          served: true,
        },
      ])
    })

    it('answers 400 (and 401 only for invalid_client) with tokenErrorStatus "rfc6749"', async () => {
      // Config is read per request, so flipping it exercises the same provider.
      running.provider.config.tokenErrorStatus = 'rfc6749'
      try {
        const grant = await request(base)
          .post('/oauth/token')
          .type('form')
          .send({ grant_type: 'authorization_code', code: 'nope', client_id: app.clientId, client_secret: app.clientSecret })
        expect(grant.status).toBe(400)
        expect(grant.headers['www-authenticate']).toBeUndefined()
        const client = await request(base)
          .post('/oauth/token')
          .type('form')
          .send({ grant_type: 'authorization_code', code: 'nope', client_id: app.clientId, client_secret: 'bad' })
        expect(client.status).toBe(401)
      } finally {
        running.provider.config.tokenErrorStatus = 'doorkeeper'
      }
    })
  })

  describe('bad input gets a clear error, never a 500', () => {
    it('takes the last of a duplicated parameter, as Rails did, and records it (RFC 6749 §3.2, #12)', async () => {
      const res = await request(base)
        .post('/oauth/token')
        .set('Authorization', basic(app.clientId, app.clientSecret))
        .type('form')
        .send('grant_type=authorization_code&code=a&code=b&redirect_uri=x')
      expectDoorkeeperError(res, 'invalid_grant')
      const last = running.provider.journal.entries().at(-1)!
      expect(last.error!.detail).toBe('unknown code')
      expect(last.notes.violations).toEqual([
        { requirement: 'RFC6749-3.2', message: '"code" was sent 2 times in the body', error: 'invalid_request', served: true },
      ])
    })

    it('refuses a body that is neither urlencoded nor JSON', async () => {
      const res = await request(base).post('/oauth/token').set('Content-Type', 'text/plain').send('grant_type=authorization_code')
      expectDoorkeeperError(res, 'invalid_request')
      expect(running.provider.journal.entries().at(-1)!.error!.description).toBe(
        'The request body must be application/x-www-form-urlencoded or application/json, not text/plain.',
      )
    })

    it('refuses malformed JSON', async () => {
      const res = await request(base).post('/oauth/token').set('Content-Type', 'application/json').send('{"grant_type": ')
      expectDoorkeeperError(res, 'invalid_request')
      expect(running.provider.journal.entries().at(-1)!.error!.detail).toBe('malformed JSON')
    })

    it('refuses a JSON body that is not an object, or holds non-string values', async () => {
      expectDoorkeeperError(await request(base).post('/oauth/token').set('Content-Type', 'application/json').send('["grant_type"]'), 'invalid_request')
      expectDoorkeeperError(
        await request(base).post('/oauth/token').set('Content-Type', 'application/json').send('{"grant_type": {"a": 1}}'),
        'invalid_request',
      )
    })

    it('answers 413 for an oversized body', async () => {
      const res = await request(base)
        .post('/oauth/token')
        .type('form')
        .send(`grant_type=authorization_code&code=${'a'.repeat(70 * 1024)}`)
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
})
