import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { browser, formFields } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { Cloud66Runtime } from './config.js'
import { app, user, OOB, DOORKEEPER_AUTHORIZE, cloud66Suite } from '../../../test/support/cloud66-suite.js'

describe.each(bothModes)('Cloud 66 over $name', (mode) => {
  const suite = cloud66Suite(mode)
  const { lastExchange, signIn, authorize, codeFor, exchange, expectTokenError, expectAuthorizePageError } = suite
  let running: Running<Cloud66Runtime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

  describe("redirect URLs: the document's table (CALLBACK: http://example.com)", () => {
    const GOOD = ['https://example.com', 'http://example.com/bar']
    const BAD = ['http://example.com:8080', 'http://oauth.example.com:8080', 'http://example.org']

    it.each(GOOD)('GOOD: %s', async (redirectUri) => {
      const location = await authorize(`client_id=${app.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&state=s1`)
      expect(location.origin + location.pathname).toBe(new URL(redirectUri).href)
      expect(location.searchParams.get('state')).toBe('s1')
      // The token request repeats the same redirect_uri.
      const res = await exchange({
        client_id: app.clientId,
        client_secret: app.clientSecret,
        code: location.searchParams.get('code')!,
        redirect_uri: redirectUri,
      })
      expect(res.status).toBe(200)
    })

    it.each(BAD)('BAD: %s is refused on a page, never redirected to', async (redirectUri) => {
      const res = await request(base).get('/oauth/authorize').query({ client_id: app.clientId, redirect_uri: redirectUri, state: 's1' })
      expectAuthorizePageError(res, 'invalid_redirect_uri', 'The "redirect_uri" does not match any redirect URI registered for this application.')
    })

    it.each([
      ['another path under the callback', 'http://example.com/bar/baz?x=1', true],
      ['the host in capitals', 'http://EXAMPLE.com/', true],
      ['the default port written out', 'http://example.com:80/bar', true],
      ['a fragment (RFC 6749 §3.1.2)', 'http://example.com/#x', false],
      ['user information', 'http://attacker@example.com/', false],
      ['a look-alike host', 'http://example.com.evil.org/', false],
      ['the callback in the path of another host', 'http://evil.org/http://example.com', false],
      ['a scheme other than http(s)', 'javascript://example.com/%0aalert(1)', false],
      ['a relative URL', '//example.com/bar', false],
      ['the out-of-band URN for a web callback', OOB, false],
    ])('beyond the table: %s (%s)', async (_what, redirectUri, good) => {
      if (good) {
        const location = await authorize(`client_id=${app.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}`)
        expect(location.href).toBe(`${new URL(redirectUri).href}${new URL(redirectUri).search ? '&' : '?'}code=${location.searchParams.get('code')}`)
      } else {
        const res = await request(base).get('/oauth/authorize').query({ client_id: app.clientId, redirect_uri: redirectUri })
        expectAuthorizePageError(res, 'invalid_redirect_uri', 'The "redirect_uri" does not match any redirect URI registered for this application.')
      }
    })

    it.each([
      ['http://example.com/cb', true],
      ['http://example.com/cb/deeper', true],
      ['https://example.com/cb/', true],
      ['http://example.com/cbx', false],
      ['http://example.com/', false],
      ['http://example.com/cb/../elsewhere', false],
      ['http://example.com/cb/%2e%2e/elsewhere', false],
    ])('a callback with a path (http://example.com/cb): %s is %s', async (redirectUri, good) => {
      await running.provider.store.clients.collection.create({
        clientId: 'with-path',
        clientSecret: 'secret',
        name: 'Path App',
        redirectUris: ['http://example.com/cb'],
        ownerId: user.id,
        createdAtMs: 0,
      })
      if (good) {
        const location = await authorize(`client_id=with-path&redirect_uri=${encodeURIComponent(redirectUri)}`)
        expect(location.searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/)
      } else {
        const res = await request(base).get('/oauth/authorize').query({ client_id: 'with-path', redirect_uri: redirectUri })
        expectAuthorizePageError(res, 'invalid_redirect_uri', 'The "redirect_uri" does not match any redirect URI registered for this application.')
      }
    })

    it.each([
      ['http://example.com', true],
      ['http://example.com/', true],
      ['http://example.com/?ignored=query', true],
      ['https://example.com', false],
      ['http://example.com/bar', false],
      ['http://example.com:8080', false],
    ])('redirectMatching "exact" (Doorkeeper, query ignored): %s is %s', async (redirectUri, good) => {
      running.provider.config.redirectMatching = 'exact'
      if (good) {
        const location = await authorize(`client_id=${app.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}`)
        expect(location.origin + location.pathname).toBe('http://example.com/')
      } else {
        const res = await request(base).get('/oauth/authorize').query({ client_id: app.clientId, redirect_uri: redirectUri })
        expectAuthorizePageError(res, 'invalid_redirect_uri', 'The "redirect_uri" does not match any redirect URI registered for this application.')
      }
    })

    it('the token request may leave redirect_uri out, but one that differs from the authorization request is invalid_grant', async () => {
      const code = await codeFor(undefined, 'http://example.com/bar')
      const wrong = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: 'http://example.com' })
      expectTokenError(wrong, 'invalid_grant')
      expect(lastExchange().error!.detail).toBe('redirect_uri differs from the authorization request')
      const omitted = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code })
      expect(omitted.status).toBe(200)
    })
  })

  describe('scopes', () => {
    const consentScopes = async (query: string) => {
      const agent = browser(base)
      await signIn(agent)
      const res = await agent.get(`/oauth/authorize?client_id=${app.clientId}&${query}`)
      expect(res.status).toBe(200)
      return [...res.text.matchAll(/<li data-scope="([^"]+)">/g)].map((m) => m[1])
    }

    it.each([
      ['comma separated (the table)', 'scope=public,redeploy', ['public', 'redeploy']],
      ['space separated (the note)', 'scope=public+redeploy', ['public', 'redeploy']],
      ['comma and space', 'scope=redeploy,%20public', ['redeploy', 'public']],
      ['no scope: public', '', ['public']],
      ['an empty scope: public', 'scope=', ['public']],
      ['redeploy alone', 'scope=redeploy', ['redeploy']],
    ])('%s', async (_what, query, expected) => {
      expect(await consentScopes(query)).toEqual(expected)
    })

    it('an unknown scope is sent back as invalid_scope with the state', async () => {
      const location = await authorize(`client_id=${app.clientId}&scope=public,admin&state=st`)
      expect(location.origin + location.pathname).toBe('http://example.com/')
      expect(Object.fromEntries(location.searchParams)).toEqual({ error: 'invalid_scope', error_description: DOORKEEPER_AUTHORIZE.invalid_scope, state: 'st' })
    })

    it('scopeParsing "doorkeeper": spaces only, so public,redeploy is one unknown scope', async () => {
      running.provider.config.scopeParsing = 'doorkeeper'
      const comma = await authorize(`client_id=${app.clientId}&scope=public,redeploy&state=st`)
      expect(Object.fromEntries(comma.searchParams)).toEqual({ error: 'invalid_scope', error_description: DOORKEEPER_AUTHORIZE.invalid_scope, state: 'st' })
      expect(await consentScopes('scope=public+redeploy')).toEqual(['public', 'redeploy'])
    })
  })

  describe('authorization endpoint errors and decisions', () => {
    it('takes an absent response_type as code, but refuses another one (sent back with the state)', async () => {
      const location = await authorize(`client_id=${app.clientId}&response_type=token&state=st`)
      expect(Object.fromEntries(location.searchParams)).toEqual({
        error: 'unsupported_response_type',
        error_description: DOORKEEPER_AUTHORIZE.unsupported_response_type,
        state: 'st',
      })
      const explicit = await authorize(`client_id=${app.clientId}&response_type=code`)
      expect(explicit.searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/)
    })

    it('requiredParams "doorkeeper": response_type and redirect_uri are required', async () => {
      running.provider.config.requiredParams = 'doorkeeper'
      const noRedirect = await request(base).get('/oauth/authorize').query({ client_id: app.clientId, response_type: 'code' })
      expectAuthorizePageError(noRedirect, 'invalid_redirect_uri', 'The "redirect_uri" parameter is missing.')
      const noResponseType = await authorize(`client_id=${app.clientId}&redirect_uri=http%3A%2F%2Fexample.com&state=st`)
      expect(Object.fromEntries(noResponseType.searchParams)).toEqual({
        error: 'invalid_request',
        error_description: DOORKEEPER_AUTHORIZE.invalid_request,
        state: 'st',
      })
    })

    it('shows a page (no redirect) for a missing or unknown client_id', async () => {
      expectAuthorizePageError(await request(base).get('/oauth/authorize?scope=public'), 'invalid_request', 'The "client_id" parameter is missing.')
      expectAuthorizePageError(
        await request(base).get('/oauth/authorize?client_id=nope&redirect_uri=http%3A%2F%2Fexample.com'),
        'invalid_client',
        'No application is registered with the client_id "nope".',
      )
    })

    it('takes the last of a repeated state, as Rails did, and records it for the rules (#12)', async () => {
      const location = await authorize(`client_id=${app.clientId}&state=a&state=b`)
      expect(location.searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/)
      expect(location.searchParams.get('state')).toBe('b')
    })

    it('sends a denial back as access_denied with the state', async () => {
      const location = await authorize(`client_id=${app.clientId}&state=xyz`, 'deny')
      expect(location.origin + location.pathname).toBe('http://example.com/')
      expect(Object.fromEntries(location.searchParams)).toEqual({
        error: 'access_denied',
        error_description: 'The resource owner or authorization server denied the request.',
        state: 'xyz',
      })
    })

    it("builds the redirect as Doorkeeper's URI builder did: no slash added to the host-only callback, the callback's query kept (#12)", async () => {
      const agent = browser(base)
      await signIn(agent)
      const consent = await agent.get(`/oauth/authorize?client_id=${app.clientId}&state=a+b`)
      const decided = await agent
        .post('/oauth/authorize')
        .type('form')
        .send({ ...formFields(consent.text), decision: 'authorize' })
      expect(decided.headers.location).toMatch(/^http:\/\/example\.com\?code=[0-9a-f]{64}&state=a\+b$/)
      const withQuery = await agent.get(
        `/oauth/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent('http://example.com/cb?from=c66')}&scope=public`,
      )
      expect(withQuery.status).toBe(302) // consent already given for public
      expect(withQuery.headers.location).toMatch(/^http:\/\/example\.com\/cb\?from=c66&code=[0-9a-f]{64}$/)
      const denied = await agent.get(`/oauth/authorize?client_id=${app.clientId}&response_type=token&state=s`)
      expect(denied.headers.location).toBe(
        'http://example.com?error=unsupported_response_type&error_description=The+authorization+server+does+not+support+this+response+type.&state=s',
      )
    })

    it('refuses a consent form without its anti-CSRF token', async () => {
      const agent = browser(base)
      await signIn(agent)
      const res = await agent.post('/oauth/authorize').type('form').send({ client_id: app.clientId, response_type: 'code', decision: 'authorize' })
      expect(res.status).toBe(403)
      expect(res.text).toContain('data-testid="csrf-error"')
    })

    it('refuses a wrong password with the login page again', async () => {
      const agent = browser(base)
      const page = await agent.get('/users/sign_in')
      const res = await agent
        .post('/users/sign_in')
        .type('form')
        .send({ ...formFields(page.text), username: 'demo', password: 'wrong' })
      expect(res.status).toBe(401)
      expect(res.text).toContain('<p class="error" role="alert" data-testid="login-error">Invalid username or password.</p>')
    })

    it('does not redirect off-site after login (return_to is same-origin only)', async () => {
      const agent = browser(base)
      const res = await signIn(agent, '/users/sign_in?return_to=%2F%2Fevil.example%2F')
      expect(res.headers.location).toBe(`${base}/`)
    })
  })
})
