import request from 'supertest'
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import { carinaFixtures } from '../../fixtures/carina.js'
import { authorizeInBrowser, browser } from './browser-like.js'
import type { Mode, Running } from './modes.js'
import type { CarinaRuntime } from '../../mocks/providers/carina/config.js'

export const app = carinaFixtures.application
export const user = carinaFixtures.user
export const CALLBACK = app.redirectUris[0]
export const ALL_SCOPES = 'identity cluster_credentials create_cluster'
export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

export const DOORKEEPER = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  invalid_redirect_uri: 'The redirect uri included is not valid.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  unsupported_response_type: 'The authorization server does not support this response type.',
}

/** The shared setup of the Carina suites: one provider per mode for the file, reset before each test, and the helpers the tests use. */
export function carinaSuite(mode: Mode) {
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
      .send({
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uri: CALLBACK,
        code: location.searchParams.get('code'),
        grant_type: 'authorization_code',
      })
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

  return {
    get running() {
      return running
    },
    get base() {
      return base
    },
    code,
    tokens,
    expectDoorkeeperError,
  }
}
