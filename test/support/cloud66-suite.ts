import request from 'supertest'
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { cloud66Fixtures } from '../../fixtures/cloud66.js'
import { browser, formFields, pathOf, type Browser } from './browser-like.js'
import type { Mode, Running } from './modes.js'
import type { Cloud66Runtime } from '../../mocks/providers/cloud66/config.js'

export const app = cloud66Fixtures.application
export const user = cloud66Fixtures.user
export const [rails, sinatra] = cloud66Fixtures.stacks
export const OOB = 'urn:ietf:wg:oauth:2.0:oob'
export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

export const DESCRIPTIONS = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
} as const
export type TokenErrorCode = keyof typeof DESCRIPTIONS

/** Doorkeeper's en.yml texts of the authorization endpoint's errors. */
export const DOORKEEPER_AUTHORIZE = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_redirect_uri: 'The redirect uri included is not valid.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  unsupported_response_type: 'The authorization server does not support this response type.',
} as const

export const DEFAULTS = {
  redirectMatching: 'host',
  scopeParsing: 'document',
  requiredParams: 'document',
  tokenResponse: 'negotiate',
  tokenErrorStatus: 'doorkeeper',
  redeploySeconds: 120,
  revokeTokensOnCodeReplay: false,
} as const

/** A stack as API v2 shows it (PROVIDERS.md §3.3); `redeploy_hook` only with the redeploy scope. */
export function stackJson(stack: (typeof cloud66Fixtures.stacks)[number], withHook: boolean) {
  const { redeploy_hook, ...rest } = stack
  return withHook ? { ...rest, redeploy_hook } : rest
}

/** The three negotiated shapes of a token endpoint body, spelled out as the document prints them. */
export const FORMATS = {
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
export type Format = keyof typeof FORMATS

/** The shared setup of the Cloud 66 suites: one provider per mode for the file, reset before each test, and the helpers the tests use. */
export function cloud66Suite(mode: Mode) {
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
    const res = await agent
      .post('/users/sign_in')
      .type('form')
      .send({ ...formFields(page.text), username: user.username, password: user.password })
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
    const decided = await agent
      .post('/oauth/authorize')
      .type('form')
      .send({ ...formFields(res.text), decision })
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

  return {
    get running() {
      return running
    },
    get base() {
      return base
    },
    lastExchange,
    signIn,
    authorize,
    codeFor,
    exchange,
    tokenFor,
    expectTokenError,
    expectApiError,
    expectAuthorizePageError,
  }
}
