import request from 'supertest'
import { unzipSync, strFromU8 } from 'fflate'
import { beforeAll, describe, expect, it } from 'vitest'
import { authorizeInBrowser, browser, formFields, pathOf } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { CarinaRuntime } from './config.js'
import { app, user, CALLBACK, ALL_SCOPES, basic, carinaSuite } from '../../../test/support/carina-suite.js'

describe.each(bothModes)('Carina over $name', (mode) => {
  const suite = carinaSuite(mode)
  const { code, tokens, expectDoorkeeperError } = suite
  let running: Running<CarinaRuntime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

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
      expect(running.provider.journal.entries().at(-1)!.notes).toMatchObject({
        clientAuthMethod: 'client_secret_basic',
        bodyFormat: 'form',
        grantType: 'authorization_code',
      })
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
      const loggedIn = await agent
        .post('/login')
        .type('form')
        .send({ ...formFields(loginPage.text), username: user.username, password: user.password })
      const form = await agent.get(pathOf(loggedIn.headers.location))
      expect(form.text).toContain('Use one line per URI')
      expect(form.text).toContain('<code>urn:ietf:wg:oauth:2.0:oob</code> for local tests')

      const refused = await agent
        .post('/oauth/applications')
        .type('form')
        .send({ ...formFields(form.text), name: 'Http App', redirect_uri: 'http://insecure.example/cb' })
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
      expect(running.provider.store.clients.by('clientId', id)).toMatchObject({
        clientSecret: secret,
        redirectUris: ['https://howtowhale.com/oauth', 'urn:ietf:wg:oauth:2.0:oob'],
      })

      const edit = await agent.get(`/oauth/applications/${id}/edit`)
      const updated = await agent
        .post(`/oauth/applications/${id}`)
        .type('form')
        .send({ ...formFields(edit.text), name: 'Howto Whale', redirect_uri: 'https://howtowhale.com/callback' })
      expect(updated.status).toBe(302)
      expect(running.provider.store.clients.by('clientId', id)).toMatchObject({ name: 'Howto Whale', redirectUris: ['https://howtowhale.com/callback'] })

      const list = await agent.get('/oauth/applications')
      expect(list.text).toContain('Howto Whale')
      const destroyed = await agent
        .post(`/oauth/applications/${id}`)
        .type('form')
        .send({ ...formFields(show.text), _method: 'delete' })
      expect(destroyed.status).toBe(302)
      expect(running.provider.store.clients.by('clientId', id)).toBeUndefined()
    })

    it("does not show another user's application", async () => {
      const agent = browser(base)
      await authorizeInBrowser(agent, { clientId: app.clientId, redirectUri: CALLBACK, username: user.username, password: user.password, decision: 'deny' })
      const other = await running.provider.store.clients.collection.create({
        clientId: 'other-app',
        clientSecret: 's',
        name: 'Other',
        redirectUris: ['https://o.example/cb'],
        ownerId: '999',
        createdAtMs: 0,
      })
      expect(other.clientId).toBe('other-app')
      expect((await agent.get('/oauth/applications/other-app')).status).toBe(404)
    })
  })

  describe('control paths', () => {
    it('moves the clock, injects a fault once, and resets', async () => {
      const before = await request(base).get('/__oauth-dance/clock')
      const moved = await request(base).post('/__oauth-dance/clock').send({ advance: 3600 })
      expect(moved.body.nowMs - before.body.nowMs).toBeGreaterThanOrEqual(3600_000)

      const fault = await request(base)
        .post('/__oauth-dance/faults')
        .send({ route: 'carina.token', times: 'once', action: { type: 'retry-after', status: 503, seconds: 7 } })
      expect(fault.status).toBe(201)
      const faulted = await request(base).post('/oauth/token').type('form').send({ grant_type: 'authorization_code' })
      expect(faulted.status).toBe(503)
      expect(faulted.headers['retry-after']).toBe('7')
      expect(faulted.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.',
      })
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
      const res = await request(base)
        .post('/__oauth-dance/faults')
        .send({ route: 'carina.token', action: { type: 'explode' } })
      expect(res.status).toBe(400)
      expect(res.body.error).toMatch(/^"action.type" must be one of oauth-error, response/)
      const unknown = await request(base).get('/__oauth-dance/nope')
      expect(unknown.status).toBe(404)
    })
  })
})
