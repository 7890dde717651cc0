import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { browser, formFields, pathOf } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { GocdRuntime } from './config.js'
import { client, REDIRECT, HEX64, expectTokenError, expectErrorPage, gocdSuite } from '../../../test/support/gocd-suite.js'

describe.each(bothModes)('GoCD over $name', (mode) => {
  const suite = gocdSuite(mode)
  const { lastNotes, lastError, signedIn, authorizeAs, freshCode, exchange } = suite
  let running: Running<GocdRuntime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

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
      const res = await agent
        .post('/go/auth/login')
        .type('form')
        .send({ ...formFields(page.text), username: 'admin', password: 'wrong' })
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
      const res = await agent
        .post('/go/oauth/authorize')
        .type('form')
        .send({ ...good, authorize: 'Yes' })
      expect(res.status).toBe(403)
      expect(res.text).toContain('data-testid="csrf-error"')
    })

    it('validates the posted fields again: a tampered redirect_uri gets the error page', async () => {
      const agent = await signedIn()
      const consent = await agent.get(`/go/oauth/authorize?${query(good)}`)
      const res = await agent
        .post('/go/oauth/authorize')
        .type('form')
        .send({ ...formFields(consent.text), redirect_uri: 'https://evil.example/cb', authorize: 'Yes' })
      expectErrorPage(res, 'redirect-uri-mismatch', 'The &quot;redirect_uri&quot; is not the redirect URL registered for this OAuth client.')
    })

    it("answers a missing redirect_uri with GoCD's 400 text", async () => {
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
        [
          'a missing client_id',
          { redirect_uri: REDIRECT, response_type: 'code' },
          'invalid-request',
          'The &quot;client_id&quot; and &quot;response_type&quot; parameters are required.',
        ],
        [
          'response_type=token with an unregistered URI',
          { ...good, redirect_uri: 'https://evil.example/cb', response_type: 'token' },
          'unsupported-response-type',
          'The &quot;response_type&quot; must be &quot;code&quot;.',
        ],
        [
          'an unknown client_id',
          { ...good, client_id: 'nope', redirect_uri: 'https://evil.example/cb' },
          'invalid-client-id',
          'No OAuth client is registered with this client_id.',
        ],
        [
          'an unregistered redirect_uri',
          { ...good, redirect_uri: 'https://evil.example/cb' },
          'redirect-uri-mismatch',
          'The &quot;redirect_uri&quot; is not the redirect URL registered for this OAuth client.',
        ],
        [
          'the registered URI with a trailing slash',
          { ...good, redirect_uri: `${REDIRECT}/` },
          'redirect-uri-mismatch',
          'The &quot;redirect_uri&quot; is not the redirect URL registered for this OAuth client.',
        ],
      ])('shows an error page, not a redirect, given %s', async (_name, fields, error, description) => {
        const agent = await signedIn()
        const res = await agent.get(`/go/oauth/authorize?${query(fields)}`)
        expectErrorPage(res, error, description)
        expect(lastNotes()).toMatchObject({ authorizeError: error })
      })
    })

    describe("faithfulOpenRedirect: GoCD's real (dangerous) redirects", () => {
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
      const old = await exchange({
        code: first,
        grant_type: 'authorization-code',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uri: REDIRECT,
      })
      expectTokenError(old, 'invalid-grant', 'Authorization expired or invalid!')
      expect(lastError()?.detail).toBe('unknown or already used code')
      const current = await exchange({
        code: second,
        grant_type: 'authorization-code',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uri: REDIRECT,
      })
      expect(current.status).toBe(200)
    })
  })
})
