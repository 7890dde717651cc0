import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { browser, formFields, pathOf } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { Cloud66Runtime } from './config.js'
import { app, rails, sinatra, stackJson, cloud66Suite } from '../../../test/support/cloud66-suite.js'

describe.each(bothModes)('Cloud 66 over $name', (mode) => {
  const suite = cloud66Suite(mode)
  const { lastExchange, signIn, authorize, codeFor, exchange, tokenFor, expectApiError } = suite
  let running: Running<Cloud66Runtime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

  describe("the document's examples, replayed with only the host changed", () => {
    it('1. redirects users to request access: GET /oauth/authorize?client_id=...&scope=public+redeploy', async () => {
      const agent = browser(base)
      const first = await agent.get(`/oauth/authorize?client_id=${app.clientId}&scope=public+redeploy`)
      expect(first.status).toBe(302)
      expect(pathOf(first.headers.location)).toBe(
        `/users/sign_in?return_to=${encodeURIComponent(`/oauth/authorize?client_id=${app.clientId}&scope=public+redeploy`)}`,
      )
      const login = await agent.get(pathOf(first.headers.location))
      expect(login.text).toContain('Sign in to Cloud 66 to authorize Example App')
      const loggedIn = await signIn(agent, pathOf(first.headers.location))
      const consent = await agent.get(pathOf(loggedIn.headers.location))
      expect(consent.status).toBe(200)
      // "requested scopes be displayed to the user on the authorize form".
      expect(consent.text).toContain(
        '<ul class="scopes" data-testid="consent-scopes"><li data-scope="public">Public read-only access (list of stacks and some information about them)</li><li data-scope="redeploy">Redeploy a stack</li></ul>',
      )
      expect(consent.text).toContain('<strong data-testid="consent-app-name">Example App</strong>')
      const decided = await agent
        .post('/oauth/authorize')
        .type('form')
        .send({ ...formFields(consent.text), decision: 'authorize' })
      expect(decided.status).toBe(302)
      // No redirect_uri: "Cloud 66 will redirect users to the callback URL configured in the OAuth Application settings".
      const location = new URL(decided.headers.location)
      expect(location.origin + location.pathname).toBe('http://example.com/')
      expect([...location.searchParams.keys()]).toEqual(['code'])
      expect(running.provider.store.codes.by('code', location.searchParams.get('code'))!.scopes).toEqual(['public', 'redeploy'])
    })

    it('2. redirects back with the code and the state, which round-trips unchanged', async () => {
      const state = 'a state with spaces & symbols/?=#+%'
      const location = await authorize(
        `client_id=${app.clientId}&redirect_uri=${encodeURIComponent('http://example.com/bar')}&state=${encodeURIComponent(state)}`,
      )
      expect(location.origin + location.pathname).toBe('http://example.com/bar')
      expect(location.searchParams.get('state')).toBe(state)
      expect(location.searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/)
    })

    it('exchanges the code: POST /oauth/token answers access_token=...&token_type=bearer by default', async () => {
      const code = await codeFor('public')
      const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code })
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['pragma']).toBe('no-cache')
      expect(res.headers['vary']).toBe('Accept')
      // The document's token is 40 hex characters; tokens never expire, so no expires_in or refresh_token.
      expect(res.text).toMatch(/^access_token=[0-9a-f]{40}&token_type=bearer$/)
      expect(lastExchange().notes).toMatchObject({
        clientAuthMethod: 'client_secret_post',
        bodyFormat: 'form',
        grantType: null,
        responseFormat: 'form',
        redirectUriSent: false,
      })
    })

    it('answers Accept: application/json with {"access_token":"...","token_type":"bearer"}', async () => {
      const code = await codeFor()
      const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: 'http://example.com' }, 'application/json')
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(res.text).toMatch(/^\{"access_token":"[0-9a-f]{40}","token_type":"bearer"\}$/)
    })

    it('answers Accept: application/xml with the <OAuth> document', async () => {
      const code = await codeFor()
      const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/xml')
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('application/xml; charset=utf-8')
      expect(res.text).toMatch(/^<OAuth>\n {2}<token_type>bearer<\/token_type>\n {2}<access_token>[0-9a-f]{40}<\/access_token>\n<\/OAuth>\n$/)
    })

    it("3. GET /api/2/a/stack.json?access_token=... gets the real API's 404, and the real paths work with the same token", async () => {
      const token = await tokenFor('public')
      const example = await request(base).get(`/api/2/a/stack.json?access_token=${token}`)
      expectApiError(example, 404, 'not_found', 'The requested resource was not found.')
      const stacks = await request(base).get(`/api/2/stacks.json?access_token=${token}`)
      expect(stacks.status).toBe(200)
      expect(stacks.body).toEqual({ response: [stackJson(rails, false), stackJson(sinatra, false)], count: 2 })
    })
  })

  it('describes its base URL, the seeded application and user for serve --json', () => {
    expect(running.provider.describe()).toEqual({
      baseUrl: base,
      authorizationEndpoint: `${base}/oauth/authorize`,
      tokenEndpoint: `${base}/oauth/token`,
      apiBaseUrl: `${base}/api/2`,
      clients: [{ id: app.clientId, secret: app.clientSecret, name: 'Example App', redirectUris: ['http://example.com'], scopes: ['public', 'redeploy'] }],
      users: [{ username: 'demo', password: 'demo' }],
    })
  })

  it('serves the control paths: reset forgets issued tokens', async () => {
    const token = await tokenFor()
    const reset = await request(base).post('/__oauth-dance/reset')
    expect(reset.status).toBe(200)
    expect((await request(base).get('/api/2/stacks.json').query({ access_token: token })).status).toBe(401)
  })
})
