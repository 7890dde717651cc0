import request from 'supertest'
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import { keystoneFixtures as f } from '../../fixtures/keystone.js'
import type { Mode, Running } from './modes.js'
import type { KeystoneRuntime } from '../../mocks/providers/keystone/config.js'

export const TOKEN_PATH = '/v3/OS-OAUTH2/token'
export const FORM = 'application/x-www-form-urlencoded'
export const credential = f.applicationCredential
export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
export const appBasic = basic(credential.id, credential.secret)
export const AUTH_REQUIRED = 'The request you have made requires authentication.'
export const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** The api-ref sample token is 183 characters of URL-safe base64 starting gAAAAAB. */
export const FERNET = /^gAAAAAB[A-Za-z0-9_-]{176}$/

/** The shared setup of the Keystone suites: one provider per mode for the file, reset before each test, and the helpers the tests use. */
export function keystoneSuite(mode: Mode) {
  let running: Running<KeystoneRuntime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<KeystoneRuntime>('keystone')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  function expectKeystoneHeaders(res: request.Response) {
    expect(res.headers['vary']).toBe('X-Auth-Token')
    expect(res.headers['x-openstack-request-id']).toMatch(REQUEST_ID)
    // The documented 200 shows no Cache-Control or Pragma (PROVIDERS.md §1.3, contradiction #21).
    expect(res.headers['cache-control']).toBeUndefined()
    expect(res.headers['pragma']).toBeUndefined()
  }

  function expectOAuth2Error(res: request.Response, status: number, error: string, description: string) {
    expect(res.status).toBe(status)
    expect(res.headers['content-type']).toBe('application/json')
    expect(res.body).toEqual({ error, error_description: description })
    expectKeystoneHeaders(res)
    if (status === 401) expect(res.headers['www-authenticate']).toBe(`Keystone uri="${base}/v3"`)
    else expect(res.headers['www-authenticate']).toBeUndefined()
  }

  function expectIdentityError(res: request.Response, status: number, title: string, message: string, challenge = `${base}/v3`) {
    expect(res.status).toBe(status)
    expect(res.headers['content-type']).toBe('application/json')
    expect(res.body).toEqual({ error: { code: status, title, message } })
    expectKeystoneHeaders(res)
    if (status === 401) expect(res.headers['www-authenticate']).toBe(`Keystone uri="${challenge}"`)
    else expect(res.headers['www-authenticate']).toBeUndefined()
  }

  const postToken = (body: string, headers: Record<string, string> = {}) => {
    const req = request(base).post(TOKEN_PATH).set('Content-Type', FORM)
    for (const [k, v] of Object.entries(headers)) req.set(k, v)
    return req.send(body)
  }

  async function oauth2Token(auth = appBasic): Promise<string> {
    const res = await postToken('grant_type=client_credentials', { Authorization: auth })
    expect(res.status).toBe(200)
    return res.body.access_token
  }

  async function passwordToken(user: { name: string; password: string } = f.user): Promise<string> {
    const res = await request(base)
      .post('/v3/auth/tokens')
      .send({ auth: { identity: { methods: ['password'], password: { user: { name: user.name, domain: { id: 'default' }, password: user.password } } } } })
    expect(res.status).toBe(201)
    return res.headers['x-subject-token']
  }

  return {
    get running() {
      return running
    },
    get base() {
      return base
    },
    expectKeystoneHeaders,
    expectOAuth2Error,
    expectIdentityError,
    postToken,
    oauth2Token,
    passwordToken,
  }
}
