import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { browser, formFields, pathOf } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { Cloud66Runtime } from './config.js'
import { app, rails, sinatra, OOB, stackJson, cloud66Suite } from '../../../test/support/cloud66-suite.js'

describe.each(bothModes)('Cloud 66 over $name', (mode) => {
  const suite = cloud66Suite(mode)
  const { lastExchange, signIn, exchange, tokenFor, expectTokenError, expectApiError } = suite
  let running: Running<Cloud66Runtime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

  describe('API v2', () => {
    const CACHE = 'max-age=0, private, must-revalidate'

    it('lists the stacks in the {"response": [...], "count": N} envelope, by query parameter or Bearer header', async () => {
      const token = await tokenFor()
      const byQuery = await request(base).get('/api/2/stacks.json').query({ access_token: token })
      expect(byQuery.status).toBe(200)
      expect(byQuery.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(byQuery.headers['cache-control']).toBe(CACHE)
      expect(byQuery.body).toEqual({ response: [stackJson(rails, false), stackJson(sinatra, false)], count: 2 })
      expect(lastExchange().notes.tokenPlacement).toBe('query')
      const byHeader = await request(base).get('/api/2/stacks.json').set('Authorization', `Bearer ${token}`)
      expect(byHeader.body).toEqual(byQuery.body)
      const lowerCase = await request(base).get('/api/2/stacks.json').set('Authorization', `bearer ${token}`)
      expect(lowerCase.status).toBe(200)
      const bearerToken = await request(base).get('/api/2/stacks.json').query({ bearer_token: token })
      expect(bearerToken.status).toBe(200)
      const head = await request(base).head('/api/2/stacks.json').query({ access_token: token })
      expect(head.status).toBe(200)
      expect(head.text).toBeFalsy()
    })

    it('shows one stack, and the redeploy hook only to a token with the redeploy scope', async () => {
      const publicToken = await tokenFor('public')
      const one = await request(base).get(`/api/2/stacks/${rails.uid}.json`).query({ access_token: publicToken })
      expect(one.status).toBe(200)
      expect(one.body).toEqual({ response: stackJson(rails, false) })
      const redeployToken = await tokenFor('public redeploy')
      const withHook = await request(base).get(`/api/2/stacks/${sinatra.uid}.json`).set('Authorization', `Bearer ${redeployToken}`)
      expect(withHook.body).toEqual({ response: stackJson(sinatra, true) })
      const list = await request(base).get('/api/2/stacks.json').query({ access_token: redeployToken })
      expect(list.body).toEqual({ response: [stackJson(rails, true), stackJson(sinatra, true)], count: 2 })
    })

    it('redeploys with the redeploy scope; the stack is queued until the deployment finishes', async () => {
      const token = await tokenFor('public,redeploy')
      const res = await request(base).post(`/api/2/stacks/${sinatra.uid}/redeploy.json`).query({ access_token: token })
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(res.text).toBe('{"response":{"ok":true,"message":"Stack queued for redeployment"}}')
      const queued = await request(base).get(`/api/2/stacks/${sinatra.uid}.json`).query({ access_token: token })
      const queuedAt = queued.body.response.last_activity as string
      expect(queued.body.response).toMatchObject({ status: 5, health: 2, updated_at: queuedAt })
      // The clock follows real time: the queueing happened between the test's start and now.
      expect(Date.parse(queuedAt)).toBeGreaterThan(Date.parse(sinatra.last_activity))
      expect(Date.parse(queuedAt)).toBeLessThanOrEqual(running.provider.clock.nowMs())
      const listed = await request(base).get('/api/2/stacks.json').query({ access_token: token })
      expect(listed.body.response.map((s: { status: number }) => s.status)).toEqual([1, 5])
      running.provider.clock.advance(60)
      expect((await request(base).get(`/api/2/stacks/${sinatra.uid}.json`).query({ access_token: token })).body.response.status).toBe(5)
      running.provider.clock.advance(60)
      const done = await request(base).get(`/api/2/stacks/${sinatra.uid}.json`).query({ access_token: token })
      // Deployed redeploySeconds (120) after it was queued.
      const doneAt = new Date(Date.parse(queuedAt) + 120_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
      expect(done.body.response).toMatchObject({ status: 1, health: 3, last_activity: doneAt, updated_at: doneAt })
    })

    it('refuses redeploy without the redeploy scope: 403 forbidden', async () => {
      const token = await tokenFor()
      const res = await request(base).post(`/api/2/stacks/${rails.uid}/redeploy.json`).set('Authorization', `Bearer ${token}`)
      expectApiError(
        res,
        403,
        'forbidden',
        'The request requires higher privileges than provided by the access token.',
        'Bearer realm="Doorkeeper", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="redeploy"',
      )
      expect((await request(base).get(`/api/2/stacks/${rails.uid}.json`).query({ access_token: token })).body.response.status).toBe(1)
    })

    it('answers no token and an unknown token with Cloud 66 errors, and serves two tokens as Doorkeeper did', async () => {
      expectApiError(await request(base).get('/api/2/stacks.json'), 401, 'unauthenticated', 'The access token is missing.', 'Bearer realm="Doorkeeper"')
      expectApiError(
        await request(base).get('/api/2/stacks.json?access_token=e72e16c7e42f292c6912e7710c838347ae178b4a'),
        401,
        'unauthenticated',
        'The access token is invalid.',
        'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid."',
      )
      expectApiError(
        await request(base).get('/api/2/stacks.json?access_token='),
        401,
        'unauthenticated',
        'The access token is invalid.',
        'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid."',
      )
      const token = await tokenFor()
      // Doorkeeper took the first method that gave a token (#12): served, strict or not, and recorded for send-token-one-way.
      expect((await request(base).get(`/api/2/stacks.json?access_token=${token}`).set('Authorization', `Bearer ${token}`)).status).toBe(200)
      expect(lastExchange().notes.violations).toEqual([
        { requirement: 'RFC6750-2', message: 'the access token was sent 2 times (header, query)', error: 'invalid_request', served: true },
      ])
      expect((await request(base).get(`/api/2/stacks.json?access_token=${token}&access_token=${token}`)).status).toBe(200)
    })

    it('answers unknown stacks, a missing uid, unknown paths and methods with the API errors', async () => {
      const token = await tokenFor('public redeploy')
      expectApiError(
        await request(base).get('/api/2/stacks/0123456789abcdef0123456789abcdef.json').query({ access_token: token }),
        404,
        'not_found',
        'No stack with uid "0123456789abcdef0123456789abcdef" was found.',
      )
      expectApiError(
        await request(base).post('/api/2/stacks/nope/redeploy.json').query({ access_token: token }),
        404,
        'not_found',
        'No stack with uid "nope" was found.',
      )
      expectApiError(await request(base).get('/api/2/stacks/.json').query({ access_token: token }), 400, 'bad_request', 'The stack uid is missing.')
      expectApiError(
        await request(base).get('/api/2/stacks/%E0%A4%A.json').query({ access_token: token }),
        404,
        'not_found',
        'The requested resource was not found.',
      )
      expectApiError(await request(base).delete('/api/2/stacks.json').query({ access_token: token }), 404, 'not_found', 'The requested resource was not found.')
      expectApiError(await request(base).get('/api/2/stacks').query({ access_token: token }), 404, 'not_found', 'The requested resource was not found.')
    })

    it("hides another user's stack as not_found", async () => {
      await running.provider.store.stacks.collection.create({
        ...stackJson(rails, true),
        uid: 'f'.repeat(32),
        ownerId: 'someone-else',
        createdAtMs: 0,
        updatedAtMs: 0,
        lastActivityMs: 0,
      })
      const token = await tokenFor('redeploy')
      expectApiError(
        await request(base)
          .get(`/api/2/stacks/${'f'.repeat(32)}.json`)
          .query({ access_token: token }),
        404,
        'not_found',
        `No stack with uid "${'f'.repeat(32)}" was found.`,
      )
      expect((await request(base).get('/api/2/stacks.json').query({ access_token: token })).body.count).toBe(2)
    })

    it('answers an oversized redeploy body with 413 bad_request', async () => {
      const token = await tokenFor('redeploy')
      const res = await request(base)
        .post(`/api/2/stacks/${rails.uid}/redeploy.json`)
        .query({ access_token: token })
        .type('form')
        .send(`x=${'a'.repeat(70 * 1024)}`)
      expectApiError(res, 413, 'bad_request', 'The request body exceeds the limit of 65536 bytes.')
    })

    it('renders an injected throttling fault as 503 throttled, and one on the token endpoint in the negotiated format', async () => {
      const token = await tokenFor()
      running.provider.faults.add({ route: 'cloud66.stacks', action: { type: 'retry-after', seconds: 60 } })
      const throttled = await request(base).get('/api/2/stacks.json').query({ access_token: token })
      expectApiError(throttled, 503, 'throttled', 'The server is temporarily unable to handle the request.')
      expect(throttled.headers['retry-after']).toBe('60')
      expect((await request(base).get('/api/2/stacks.json').query({ access_token: token })).status).toBe(200)
      running.provider.faults.add({ route: 'cloud66.token', action: { type: 'oauth-error', error: 'invalid_grant' } })
      expectTokenError(await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code: 'x' }, 'application/xml'), 'invalid_grant', 'xml')
    })

    it("answers a malformed percent-escape in any path with a 404 in the provider's format, never a 500", async () => {
      expectApiError(await request(base).get('/api/2/%E0%A4%A/stacks.json'), 404, 'not_found', 'The requested resource was not found.')
      const page = await request(base).get('/oauth/applications/%E0%A4%A')
      expect(page.status).toBe(404)
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    })

    it('tokens never expire', async () => {
      const token = await tokenFor()
      running.provider.clock.advance(10 * 365 * 24 * 3600)
      expect((await request(base).get('/api/2/stacks.json').query({ access_token: token })).status).toBe(200)
    })
  })

  describe('developer mode and application registration', () => {
    it('registers an application with the out-of-band callback, shows its id and secret, and completes the OOB flow', async () => {
      const agent = browser(base)
      await signIn(agent)
      const account = await agent.get('/oauth/authorized_applications')
      expect(account.status).toBe(200)
      expect(account.text).toContain('data-testid="developer-enabled"')
      expect(account.text).toContain('data-testid="nav-developers"')
      const developers = await agent.get('/oauth/applications')
      expect(developers.text).toContain(`<a href="/oauth/applications/${app.clientId}">Example App</a>`)
      const form = await agent.get('/oauth/applications/new')
      expect(form.status).toBe(200)
      const created = await agent
        .post('/oauth/applications')
        .type('form')
        .send({ ...formFields(form.text), name: 'My <Script> CLI', callback_url: OOB })
      expect(created.status).toBe(302)
      const shown = await agent.get(pathOf(created.headers.location))
      expect(shown.status).toBe(200)
      expect(shown.text).toContain('<span data-testid="application-title">My &lt;Script&gt; CLI</span>')
      const id = /data-testid="application-id">([0-9a-f]{64})</.exec(shown.text)![1]
      const secret = /data-testid="application-secret">([0-9a-f]{64})</.exec(shown.text)![1]
      expect(shown.text).toContain(`<code data-testid="application-callback-url">${OOB}</code>`)
      expect(running.provider.describe().clients.map((c) => c.name)).toEqual(['Example App', 'My <Script> CLI'])

      const consent = await agent.get('/oauth/authorize').query({ client_id: id, redirect_uri: OOB, scope: 'public' })
      expect(consent.text).toContain('<strong data-testid="consent-app-name">My &lt;Script&gt; CLI</strong>')
      const decided = await agent
        .post('/oauth/authorize')
        .type('form')
        .send({ ...formFields(consent.text), decision: 'authorize' })
      expect(decided.status).toBe(302)
      const oob = await agent.get(pathOf(decided.headers.location))
      const code = /<title>Success code=([0-9a-f]{64})<\/title>/.exec(oob.text)![1]
      expect(oob.text).toContain(`<code data-testid="authorization-code">${code}</code>`)
      const token = await exchange({ client_id: id, client_secret: secret, code, redirect_uri: OOB }, 'application/json')
      expect(token.status).toBe(200)
      expect((await request(base).get('/api/2/stacks.json').query({ access_token: token.body.access_token })).body.count).toBe(2)
    })

    it('refuses a blank name and a non-http callback with the form again (422)', async () => {
      const agent = browser(base)
      await signIn(agent)
      const form = await agent.get('/oauth/applications/new')
      const res = await agent
        .post('/oauth/applications')
        .type('form')
        .send({ ...formFields(form.text), name: ' ', callback_url: 'ftp://example.com' })
      expect(res.status).toBe(422)
      expect(res.text).toContain('<li>Name can&#39;t be blank.</li><li>Callback URL must start with http:// or https://.</li>')
      const fragment = await agent
        .post('/oauth/applications')
        .type('form')
        .send({ ...formFields(form.text), name: 'x', callback_url: 'http://example.com/#f' })
      expect(fragment.text).toContain('<li>Callback URL cannot contain a fragment.</li>')
      expect(running.provider.store.clients.size).toBe(1)
    })

    it('hides the Developers pages until developer mode is enabled under Account/Apps', async () => {
      const agent = browser(base)
      await signIn(agent)
      const account = await agent.get('/oauth/authorized_applications')
      const disabled = await agent
        .post('/account/developer')
        .type('form')
        .send({ ...formFields(account.text), developer: '0' })
      expect(disabled.status).toBe(302)
      const plain = await agent.get('/oauth/authorized_applications')
      expect(plain.text).toContain('data-testid="developer-disabled"')
      expect(plain.text).not.toContain('data-testid="nav-developers"')
      const refused = await agent.get('/oauth/applications/new')
      expect(refused.status).toBe(403)
      expect(refused.text).toContain('data-testid="developer-required"')
      const enabled = await agent
        .post('/account/developer')
        .type('form')
        .send({ ...formFields(plain.text), developer: '1' })
      expect(enabled.headers.location).toBe(`${base}/oauth/applications`)
      expect((await agent.get('/oauth/applications/new')).status).toBe(200)
    })

    it('refuses the developer mode form without its anti-CSRF token', async () => {
      const agent = browser(base)
      await signIn(agent)
      const res = await agent.post('/account/developer').type('form').send({ developer: '0' })
      expect(res.status).toBe(403)
      expect(running.provider.store.users.by('username', 'demo')!.profile.developer).toBe(true)
    })

    it("sends anonymous visitors to sign in, and answers another user's or an unknown application with 404", async () => {
      const anonymous = await request(base).get('/oauth/applications')
      expect(anonymous.status).toBe(302)
      expect(pathOf(anonymous.headers.location)).toBe('/users/sign_in?return_to=%2Foauth%2Fapplications')
      const agent = browser(base)
      await signIn(agent)
      expect((await agent.get('/oauth/applications/nope')).status).toBe(404)
    })

    it('revokes an authorized application under Account/Apps, and its tokens with it', async () => {
      const token = await tokenFor()
      const agent = browser(base)
      await signIn(agent)
      const account = await agent.get('/oauth/authorized_applications')
      expect(account.text).toContain(`<tr data-client-id="${app.clientId}"><td>Example App</td><td>public</td>`)
      const revoked = await agent.post(`/oauth/authorized_applications/${app.clientId}`).type('form').send(formFields(account.text))
      expect(revoked.status).toBe(302)
      expectApiError(
        await request(base).get('/api/2/stacks.json').query({ access_token: token }),
        401,
        'unauthenticated',
        'The access token was revoked.',
        'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked."',
      )
      expect((await agent.get('/oauth/authorized_applications')).text).toContain('data-testid="no-authorized-applications"')
    })

    it('destroys an application, revoking its tokens', async () => {
      const token = await tokenFor()
      const agent = browser(base)
      await signIn(agent)
      const shown = await agent.get(`/oauth/applications/${app.clientId}`)
      const res = await agent.post(`/oauth/applications/${app.clientId}`).type('form').send(formFields(shown.text))
      expect(res.status).toBe(302)
      expect(running.provider.store.clients.size).toBe(0)
      expect((await request(base).get('/api/2/stacks.json').query({ access_token: token })).status).toBe(401)
    })
  })
})
