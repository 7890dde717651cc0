import request from 'supertest'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cloud66Fixtures } from '../../../fixtures/cloud66.js'
import { browser, formFields, pathOf, type Browser } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { Cloud66Runtime } from './config.js'

const app = cloud66Fixtures.application
const user = cloud66Fixtures.user
const [rails, sinatra] = cloud66Fixtures.stacks
const OOB = 'urn:ietf:wg:oauth:2.0:oob'
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

const DESCRIPTIONS = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant: 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
} as const
type TokenErrorCode = keyof typeof DESCRIPTIONS

/** Doorkeeper's en.yml texts of the authorization endpoint's errors. */
const DOORKEEPER_AUTHORIZE = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_redirect_uri: 'The redirect uri included is not valid.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  unsupported_response_type: 'The authorization server does not support this response type.',
} as const

const DEFAULTS = { redirectMatching: 'host', scopeParsing: 'document', requiredParams: 'document', tokenResponse: 'negotiate', tokenErrorStatus: 'doorkeeper', redeploySeconds: 120, revokeTokensOnCodeReplay: false } as const

/** A stack as API v2 shows it (PROVIDERS.md §3.3); `redeploy_hook` only with the redeploy scope. */
function stackJson(stack: (typeof cloud66Fixtures.stacks)[number], withHook: boolean) {
  const { redeploy_hook, ...rest } = stack
  return withHook ? { ...rest, redeploy_hook } : rest
}

/** The three negotiated shapes of a token endpoint body, spelled out as the document prints them. */
const FORMATS = {
  form: {
    accept: undefined as string | undefined,
    contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    error: (error: string, description: string) => `error=${error}&error_description=${encodeURIComponent(description).replace(/%20/g, '+')}`,
  },
  json: {
    accept: 'application/json',
    contentType: 'application/json; charset=utf-8',
    error: (error: string, description: string) => `{"error":"${error}","error_description":"${description}"}`,
  },
  xml: {
    accept: 'application/xml',
    contentType: 'application/xml; charset=utf-8',
    error: (error: string, description: string) => `<OAuth>\n  <error>${error}</error>\n  <error_description>${description}</error_description>\n</OAuth>\n`,
  },
} as const
type Format = keyof typeof FORMATS

describe.each(bothModes)('Cloud 66 over $name', (mode) => {
  let running: Running<Cloud66Runtime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<Cloud66Runtime>('cloud66')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())
  // Options are read per request; every test starts from the document's defaults.
  afterEach(() => void Object.assign(running.provider.config, DEFAULTS))

  const lastExchange = () => running.provider.journal.entries().at(-1)!

  async function signIn(agent: Browser, returnTo?: string) {
    const loginPath = returnTo ?? '/users/sign_in'
    const page = await agent.get(loginPath)
    expect(page.status).toBe(200)
    const res = await agent.post('/users/sign_in').type('form').send({ ...formFields(page.text), username: user.username, password: user.password })
    expect(res.status).toBe(302)
    return res
  }

  /**
   * Plays the user through the authorization request `query` (a raw query
   * string, as the document writes it): sign in, then the consent decision.
   * Returns the final Location.
   */
  async function authorize(query: string, decision: 'authorize' | 'deny' = 'authorize', agent = browser(base)): Promise<URL> {
    let res = await agent.get(`/oauth/authorize?${query}`)
    if (res.status === 302 && pathOf(res.headers.location).startsWith('/users/sign_in')) {
      const loggedIn = await signIn(agent, pathOf(res.headers.location))
      res = await agent.get(pathOf(loggedIn.headers.location))
    }
    if (res.status === 302) return new URL(res.headers.location)
    expect(res.status).toBe(200)
    const decided = await agent.post('/oauth/authorize').type('form').send({ ...formFields(res.text), decision })
    expect(decided.status).toBe(302)
    return new URL(decided.headers.location)
  }

  async function codeFor(scope?: string, redirectUri?: string): Promise<string> {
    let query = `client_id=${app.clientId}`
    if (scope !== undefined) query += `&scope=${encodeURIComponent(scope)}`
    if (redirectUri !== undefined) query += `&redirect_uri=${encodeURIComponent(redirectUri)}`
    const location = await authorize(query)
    const code = location.searchParams.get('code')
    expect(code).toMatch(/^[0-9a-f]{64}$/)
    return code!
  }

  function exchange(fields: Record<string, string>, accept?: string) {
    const req = request(base).post('/oauth/token').type('form')
    if (accept) req.set('Accept', accept)
    return req.send(fields)
  }

  async function tokenFor(scope?: string): Promise<string> {
    const code = await codeFor(scope)
    const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/json')
    expect(res.status).toBe(200)
    return res.body.access_token
  }

  function expectTokenError(res: request.Response, error: TokenErrorCode, format: Format = 'form', status = 401) {
    const description = DESCRIPTIONS[error]
    expect(res.status).toBe(status)
    expect(res.headers['content-type']).toBe(FORMATS[format].contentType)
    expect(res.text).toBe(FORMATS[format].error(error, description))
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['pragma']).toBe('no-cache')
    expect(res.headers['vary']).toBe('Accept')
    if (status === 401) expect(res.headers['www-authenticate']).toBe(`Bearer realm="Doorkeeper", error="${error}", error_description="${description}"`)
    else expect(res.headers['www-authenticate']).toBeUndefined()
  }

  function expectApiError(res: request.Response, status: number, error: string, description: string, challenge?: string) {
    expect(res.status).toBe(status)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.body).toEqual({ error, error_description: description })
    expect(res.headers['www-authenticate']).toBe(challenge)
  }

  /** The page shows Doorkeeper's en.yml text for the error, and the mock's specific detail beside it (#12). */
  function expectAuthorizePageError(res: request.Response, error: keyof typeof DOORKEEPER_AUTHORIZE, detail: string) {
    expect(res.status).toBe(400)
    expect(res.headers.location).toBeUndefined()
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.text).toContain(`<code data-testid="authorize-error-code">${error}</code>`)
    expect(res.text).toContain(`<p data-testid="authorize-error-description">${DOORKEEPER_AUTHORIZE[error]}</p>`)
    expect(res.text).toContain(`<p class="detail" data-testid="authorize-error-detail">${detail.replace(/"/g, '&quot;')}</p>`)
  }

  describe("the document's examples, replayed with only the host changed", () => {
    it('1. redirects users to request access: GET /oauth/authorize?client_id=...&scope=public+redeploy', async () => {
      const agent = browser(base)
      const first = await agent.get(`/oauth/authorize?client_id=${app.clientId}&scope=public+redeploy`)
      expect(first.status).toBe(302)
      expect(pathOf(first.headers.location)).toBe(`/users/sign_in?return_to=${encodeURIComponent(`/oauth/authorize?client_id=${app.clientId}&scope=public+redeploy`)}`)
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
      const decided = await agent.post('/oauth/authorize').type('form').send({ ...formFields(consent.text), decision: 'authorize' })
      expect(decided.status).toBe(302)
      // No redirect_uri: "Cloud 66 will redirect users to the callback URL configured in the OAuth Application settings".
      const location = new URL(decided.headers.location)
      expect(location.origin + location.pathname).toBe('http://example.com/')
      expect([...location.searchParams.keys()]).toEqual(['code'])
      expect(running.provider.store.codes.by('code', location.searchParams.get('code'))!.scopes).toEqual(['public', 'redeploy'])
    })

    it('2. redirects back with the code and the state, which round-trips unchanged', async () => {
      const state = 'a state with spaces & symbols/?=#+%'
      const location = await authorize(`client_id=${app.clientId}&redirect_uri=${encodeURIComponent('http://example.com/bar')}&state=${encodeURIComponent(state)}`)
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
      expect(lastExchange().notes).toMatchObject({ clientAuthMethod: 'client_secret_post', bodyFormat: 'form', grantType: null, responseFormat: 'form', redirectUriSent: false })
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

    it('3. GET /api/2/a/stack.json?access_token=... gets the real API\'s 404, and the real paths work with the same token', async () => {
      const token = await tokenFor('public')
      const example = await request(base).get(`/api/2/a/stack.json?access_token=${token}`)
      expectApiError(example, 404, 'not_found', 'The requested resource was not found.')
      const stacks = await request(base).get(`/api/2/stacks.json?access_token=${token}`)
      expect(stacks.status).toBe(200)
      expect(stacks.body).toEqual({ response: [stackJson(rails, false), stackJson(sinatra, false)], count: 2 })
    })
  })

  describe('redirect URLs: the document\'s table (CALLBACK: http://example.com)', () => {
    const GOOD = ['https://example.com', 'http://example.com/bar']
    const BAD = ['http://example.com:8080', 'http://oauth.example.com:8080', 'http://example.org']

    it.each(GOOD)('GOOD: %s', async (redirectUri) => {
      const location = await authorize(`client_id=${app.clientId}&redirect_uri=${encodeURIComponent(redirectUri)}&state=s1`)
      expect(location.origin + location.pathname).toBe(new URL(redirectUri).href)
      expect(location.searchParams.get('state')).toBe('s1')
      // The token request repeats the same redirect_uri.
      const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code: location.searchParams.get('code')!, redirect_uri: redirectUri })
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
      await running.provider.store.clients.collection.create({ clientId: 'with-path', clientSecret: 'secret', name: 'Path App', redirectUris: ['http://example.com/cb'], ownerId: user.id, createdAtMs: 0 })
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
      expect(Object.fromEntries(location.searchParams)).toEqual({ error: 'unsupported_response_type', error_description: DOORKEEPER_AUTHORIZE.unsupported_response_type, state: 'st' })
      const explicit = await authorize(`client_id=${app.clientId}&response_type=code`)
      expect(explicit.searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/)
    })

    it('requiredParams "doorkeeper": response_type and redirect_uri are required', async () => {
      running.provider.config.requiredParams = 'doorkeeper'
      const noRedirect = await request(base).get('/oauth/authorize').query({ client_id: app.clientId, response_type: 'code' })
      expectAuthorizePageError(noRedirect, 'invalid_redirect_uri', 'The "redirect_uri" parameter is missing.')
      const noResponseType = await authorize(`client_id=${app.clientId}&redirect_uri=http%3A%2F%2Fexample.com&state=st`)
      expect(Object.fromEntries(noResponseType.searchParams)).toEqual({ error: 'invalid_request', error_description: DOORKEEPER_AUTHORIZE.invalid_request, state: 'st' })
    })

    it('shows a page (no redirect) for a missing or unknown client_id', async () => {
      expectAuthorizePageError(await request(base).get('/oauth/authorize?scope=public'), 'invalid_request', 'The "client_id" parameter is missing.')
      expectAuthorizePageError(await request(base).get('/oauth/authorize?client_id=nope&redirect_uri=http%3A%2F%2Fexample.com'), 'invalid_client', 'No application is registered with the client_id "nope".')
    })

    it('takes the last of a repeated state, as Rails did, and records it for the rules (#12)', async () => {
      const location = await authorize(`client_id=${app.clientId}&state=a&state=b`)
      expect(location.searchParams.get('code')).toMatch(/^[0-9a-f]{64}$/)
      expect(location.searchParams.get('state')).toBe('b')
    })

    it('sends a denial back as access_denied with the state', async () => {
      const location = await authorize(`client_id=${app.clientId}&state=xyz`, 'deny')
      expect(location.origin + location.pathname).toBe('http://example.com/')
      expect(Object.fromEntries(location.searchParams)).toEqual({ error: 'access_denied', error_description: 'The resource owner or authorization server denied the request.', state: 'xyz' })
    })

    it("builds the redirect as Doorkeeper's URI builder did: no slash added to the host-only callback, the callback's query kept (#12)", async () => {
      const agent = browser(base)
      await signIn(agent)
      const consent = await agent.get(`/oauth/authorize?client_id=${app.clientId}&state=a+b`)
      const decided = await agent.post('/oauth/authorize').type('form').send({ ...formFields(consent.text), decision: 'authorize' })
      expect(decided.headers.location).toMatch(/^http:\/\/example\.com\?code=[0-9a-f]{64}&state=a\+b$/)
      const withQuery = await agent.get(`/oauth/authorize?client_id=${app.clientId}&redirect_uri=${encodeURIComponent('http://example.com/cb?from=c66')}&scope=public`)
      expect(withQuery.status).toBe(302) // consent already given for public
      expect(withQuery.headers.location).toMatch(/^http:\/\/example\.com\/cb\?from=c66&code=[0-9a-f]{64}$/)
      const denied = await agent.get(`/oauth/authorize?client_id=${app.clientId}&response_type=token&state=s`)
      expect(denied.headers.location).toBe('http://example.com?error=unsupported_response_type&error_description=The+authorization+server+does+not+support+this+response+type.&state=s')
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
      const res = await agent.post('/users/sign_in').type('form').send({ ...formFields(page.text), username: 'demo', password: 'wrong' })
      expect(res.status).toBe(401)
      expect(res.text).toContain('<p class="error" role="alert" data-testid="login-error">Invalid username or password.</p>')
    })

    it('does not redirect off-site after login (return_to is same-origin only)', async () => {
      const agent = browser(base)
      const res = await signIn(agent, '/users/sign_in?return_to=%2F%2Fevil.example%2F')
      expect(res.headers.location).toBe(`${base}/`)
    })
  })

  describe('token endpoint errors, in every negotiated format', () => {
    const formats = Object.keys(FORMATS) as Format[]

    it.each(formats)('%s: a wrong client secret is invalid_client', async (format) => {
      const res = await exchange({ client_id: app.clientId, client_secret: 'wrong', code: 'x' }, FORMATS[format].accept)
      expectTokenError(res, 'invalid_client', format)
    })

    it.each(formats)('%s: no client credentials is invalid_client', async (format) => {
      const res = await exchange({ code: 'x' }, FORMATS[format].accept)
      expectTokenError(res, 'invalid_client', format)
    })

    it.each(formats)('%s: an unknown code is invalid_grant', async (format) => {
      const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code: 'nope' }, FORMATS[format].accept)
      expectTokenError(res, 'invalid_grant', format)
    })

    it.each(formats)('%s: a missing code is invalid_request', async (format) => {
      const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret }, FORMATS[format].accept)
      expectTokenError(res, 'invalid_request', format)
      expect(lastExchange().error!.detail).toBe('missing code')
    })

    it.each(formats)('%s: a repeated parameter is served with its last value, as Rails did', async (format) => {
      const req = request(base).post('/oauth/token').type('form')
      if (FORMATS[format].accept) req.set('Accept', FORMATS[format].accept!)
      const res = await req.send(`client_id=${app.clientId}&client_secret=${app.clientSecret}&code=a&code=b`)
      // Rails took the last value (#12): served, so the unknown code "b" is what is refused.
      expectTokenError(res, 'invalid_grant', format)
      expect(lastExchange().error!.detail).toBe('unknown code')
      expect(lastExchange().notes.violations).toEqual([{ requirement: 'RFC6749-3.2', message: '"code" was sent 2 times in the body', error: 'invalid_request', served: true }])
    })

    it.each(formats)('%s: another grant type is unsupported_grant_type', async (format) => {
      const res = await exchange({ grant_type: 'refresh_token', refresh_token: 'x', client_id: app.clientId, client_secret: app.clientSecret }, FORMATS[format].accept)
      expectTokenError(res, 'unsupported_grant_type', format)
    })

    it.each(formats)('%s: a body that is neither urlencoded nor JSON is invalid_request', async (format) => {
      const req = request(base).post('/oauth/token').set('Content-Type', 'text/plain')
      if (FORMATS[format].accept) req.set('Accept', FORMATS[format].accept!)
      const res = await req.send(`client_id=${app.clientId}`)
      expectTokenError(res, 'invalid_request', format)
      expect(lastExchange().error!.description).toBe('The request body must be application/x-www-form-urlencoded or application/json, not text/plain.')
    })

    it.each(formats)('%s: malformed JSON is invalid_request', async (format) => {
      const req = request(base).post('/oauth/token').set('Content-Type', 'application/json')
      if (FORMATS[format].accept) req.set('Accept', FORMATS[format].accept!)
      const res = await req.send('{"code": ')
      expectTokenError(res, 'invalid_request', format)
      expect(lastExchange().error!.detail).toBe('malformed JSON')
    })

    it.each(formats)('%s: an oversized body is 413', async (format) => {
      const req = request(base).post('/oauth/token').type('form')
      if (FORMATS[format].accept) req.set('Accept', FORMATS[format].accept!)
      const res = await req.send(`code=${'a'.repeat(70 * 1024)}`)
      expect(res.status).toBe(413)
      expect(res.headers['content-type']).toBe(FORMATS[format].contentType)
      expect(res.text).toBe(FORMATS[format].error('invalid_request', 'The request body exceeds the limit of 65536 bytes.'))
    })

    it('a replayed code is invalid_grant and keeps the token the first exchange issued, as Doorkeeper did (#12)', async () => {
      const code = await codeFor()
      const first = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/json')
      expect(first.status).toBe(200)
      const replay = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/json')
      expectTokenError(replay, 'invalid_grant', 'json')
      expect(lastExchange().error!.detail).toBe('code already used')
      expect((await request(base).get(`/api/2/stacks.json?access_token=${first.body.access_token}`)).status).toBe(200)
    })

    it('with revokeTokensOnCodeReplay, a replayed code revokes the token the first exchange issued (RFC 6749 §10.5)', async () => {
      running.provider.config.revokeTokensOnCodeReplay = true
      const code = await codeFor()
      const first = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/json')
      expect(first.status).toBe(200)
      expect((await request(base).get(`/api/2/stacks.json?access_token=${first.body.access_token}`)).status).toBe(200)
      const replay = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/json')
      expectTokenError(replay, 'invalid_grant', 'json')
      const revoked = await request(base).get(`/api/2/stacks.json?access_token=${first.body.access_token}`)
      expectApiError(revoked, 401, 'unauthenticated', 'The access token was revoked.', 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked."')
    })

    it('a code issued to another client is invalid_grant', async () => {
      await running.provider.store.clients.collection.create({ clientId: 'other', clientSecret: 'other-secret', name: 'Other', redirectUris: ['http://example.com'], ownerId: null, createdAtMs: 0 })
      const code = await codeFor()
      expectTokenError(await exchange({ client_id: 'other', client_secret: 'other-secret', code }), 'invalid_grant')
      expect(lastExchange().error!.detail).toBe('code issued to another client')
    })

    it('a code expires after 600 seconds (Doorkeeper default)', async () => {
      const code = await codeFor()
      running.provider.clock.advance(600)
      expectTokenError(await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }), 'invalid_grant')
      expect(lastExchange().error!.detail).toBe('code expired')
    })

    it('accepts HTTP Basic client authentication and a JSON body, and serves Basic with client_secret in the body as Doorkeeper did (#12)', async () => {
      const code = await codeFor()
      const both = await request(base).post('/oauth/token').set('Authorization', basic(app.clientId, app.clientSecret)).set('Accept', 'application/json').type('form').send({ code, client_secret: 'ignored' })
      expect(both.status).toBe(200)
      expect(lastExchange().notes).toMatchObject({ clientAuthMethod: 'client_secret_basic', violations: [{ requirement: 'RFC6749-2.3', message: 'the client authenticated with HTTP Basic and with "client_secret" in the body', error: 'invalid_request', served: true }] })
      const res = await request(base).post('/oauth/token').set('Authorization', basic(app.clientId, app.clientSecret)).set('Accept', 'application/json').send({ code: await codeFor() })
      expect(res.status).toBe(200)
      expect(lastExchange().notes).toMatchObject({ clientAuthMethod: 'client_secret_basic', bodyFormat: 'json' })
    })

    it('a wrong Basic secret is invalid_client', async () => {
      const res = await request(base).post('/oauth/token').set('Authorization', basic(app.clientId, 'wrong')).type('form').send({ code: 'x' })
      expectTokenError(res, 'invalid_client')
    })

    it('requiredParams "doorkeeper": grant_type and redirect_uri are required', async () => {
      running.provider.config.requiredParams = 'doorkeeper'
      const noGrant = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code: 'x' })
      expectTokenError(noGrant, 'invalid_request')
      expect(lastExchange().error!.detail).toBe('missing grant_type')
      const location = await authorize(`client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://example.com')}`)
      const code = location.searchParams.get('code')!
      const noRedirect = await exchange({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code })
      expectTokenError(noRedirect, 'invalid_request')
      expect(lastExchange().error!.detail).toBe('missing redirect_uri')
      const ok = await exchange({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code, redirect_uri: 'http://example.com' })
      expect(ok.status).toBe(200)
    })

    it('tokenErrorStatus "rfc6749": 400, and 401 only for invalid_client', async () => {
      running.provider.config.tokenErrorStatus = 'rfc6749'
      expectTokenError(await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code: 'nope' }, 'application/json'), 'invalid_grant', 'json', 400)
      expectTokenError(await exchange({ client_id: app.clientId, client_secret: 'bad', code: 'nope' }, 'application/json'), 'invalid_client', 'json', 401)
    })

    it('tokenResponse "json": always JSON, as Doorkeeper answered', async () => {
      running.provider.config.tokenResponse = 'json'
      const code = await codeFor()
      const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/xml')
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(res.body).toEqual({ access_token: expect.stringMatching(/^[0-9a-f]{40}$/), token_type: 'bearer' })
      expectTokenError(await exchange({ client_id: app.clientId, client_secret: 'bad', code }), 'invalid_client', 'json')
    })

    it.each([
      ['*/*', 'form'],
      ['text/html', 'form'],
      ['application/json, text/plain, */*', 'json'],
      ['application/xml;q=0.5, application/json;q=0.9', 'json'],
      ['application/json;q=0.4, application/*;q=0.8', 'form'],
      ['text/xml', 'xml'],
      ['application/json;q=0', 'form'],
      ['application/x-www-form-urlencoded, application/json', 'form'],
      ['garbage;;;, application/xml', 'xml'],
    ] as Array<[string, Format]>)('Accept: %s negotiates %s', async (accept, format) => {
      const res = await exchange({ client_id: app.clientId, client_secret: 'wrong', code: 'x' }, accept)
      expectTokenError(res, 'invalid_client', format)
    })

    it('answers another method on /oauth/token with the 404 page, as Rails routing does', async () => {
      const res = await request(base).get('/oauth/token')
      expect(res.status).toBe(404)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.text).toContain("The page you were looking for doesn't exist.")
    })
  })

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
      expectApiError(await request(base).get('/api/2/stacks.json?access_token='), 401, 'unauthenticated', 'The access token is invalid.', 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid."')
      const token = await tokenFor()
      // Doorkeeper took the first method that gave a token (#12): served, strict or not, and recorded for send-token-one-way.
      expect((await request(base).get(`/api/2/stacks.json?access_token=${token}`).set('Authorization', `Bearer ${token}`)).status).toBe(200)
      expect(lastExchange().notes.violations).toEqual([{ requirement: 'RFC6750-2', message: 'the access token was sent 2 times (header, query)', error: 'invalid_request', served: true }])
      expect((await request(base).get(`/api/2/stacks.json?access_token=${token}&access_token=${token}`)).status).toBe(200)
    })

    it('answers unknown stacks, a missing uid, unknown paths and methods with the API errors', async () => {
      const token = await tokenFor('public redeploy')
      expectApiError(await request(base).get('/api/2/stacks/0123456789abcdef0123456789abcdef.json').query({ access_token: token }), 404, 'not_found', 'No stack with uid "0123456789abcdef0123456789abcdef" was found.')
      expectApiError(await request(base).post('/api/2/stacks/nope/redeploy.json').query({ access_token: token }), 404, 'not_found', 'No stack with uid "nope" was found.')
      expectApiError(await request(base).get('/api/2/stacks/.json').query({ access_token: token }), 400, 'bad_request', 'The stack uid is missing.')
      expectApiError(await request(base).get('/api/2/stacks/%E0%A4%A.json').query({ access_token: token }), 404, 'not_found', 'The requested resource was not found.')
      expectApiError(await request(base).delete('/api/2/stacks.json').query({ access_token: token }), 404, 'not_found', 'The requested resource was not found.')
      expectApiError(await request(base).get('/api/2/stacks').query({ access_token: token }), 404, 'not_found', 'The requested resource was not found.')
    })

    it("hides another user's stack as not_found", async () => {
      await running.provider.store.stacks.collection.create({ ...stackJson(rails, true), uid: 'f'.repeat(32), ownerId: 'someone-else', createdAtMs: 0, updatedAtMs: 0, lastActivityMs: 0 })
      const token = await tokenFor('redeploy')
      expectApiError(await request(base).get(`/api/2/stacks/${'f'.repeat(32)}.json`).query({ access_token: token }), 404, 'not_found', `No stack with uid "${'f'.repeat(32)}" was found.`)
      expect((await request(base).get('/api/2/stacks.json').query({ access_token: token })).body.count).toBe(2)
    })

    it('answers an oversized redeploy body with 413 bad_request', async () => {
      const token = await tokenFor('redeploy')
      const res = await request(base).post(`/api/2/stacks/${rails.uid}/redeploy.json`).query({ access_token: token }).type('form').send(`x=${'a'.repeat(70 * 1024)}`)
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

    it('answers a malformed percent-escape in any path with a 404 in the provider\'s format, never a 500', async () => {
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
      const created = await agent.post('/oauth/applications').type('form').send({ ...formFields(form.text), name: 'My <Script> CLI', callback_url: OOB })
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
      const decided = await agent.post('/oauth/authorize').type('form').send({ ...formFields(consent.text), decision: 'authorize' })
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
      const res = await agent.post('/oauth/applications').type('form').send({ ...formFields(form.text), name: ' ', callback_url: 'ftp://example.com' })
      expect(res.status).toBe(422)
      expect(res.text).toContain("<li>Name can&#39;t be blank.</li><li>Callback URL must start with http:// or https://.</li>")
      const fragment = await agent.post('/oauth/applications').type('form').send({ ...formFields(form.text), name: 'x', callback_url: 'http://example.com/#f' })
      expect(fragment.text).toContain('<li>Callback URL cannot contain a fragment.</li>')
      expect(running.provider.store.clients.size).toBe(1)
    })

    it('hides the Developers pages until developer mode is enabled under Account/Apps', async () => {
      const agent = browser(base)
      await signIn(agent)
      const account = await agent.get('/oauth/authorized_applications')
      const disabled = await agent.post('/account/developer').type('form').send({ ...formFields(account.text), developer: '0' })
      expect(disabled.status).toBe(302)
      const plain = await agent.get('/oauth/authorized_applications')
      expect(plain.text).toContain('data-testid="developer-disabled"')
      expect(plain.text).not.toContain('data-testid="nav-developers"')
      const refused = await agent.get('/oauth/applications/new')
      expect(refused.status).toBe(403)
      expect(refused.text).toContain('data-testid="developer-required"')
      const enabled = await agent.post('/account/developer').type('form').send({ ...formFields(plain.text), developer: '1' })
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

    it('sends anonymous visitors to sign in, and answers another user\'s or an unknown application with 404', async () => {
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
      expectApiError(await request(base).get('/api/2/stacks.json').query({ access_token: token }), 401, 'unauthenticated', 'The access token was revoked.', 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked."')
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
