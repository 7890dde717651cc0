import * as oauth from 'oauth4webapi'
import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { keystoneFixtures as f } from '../../../fixtures/keystone.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { serve } from '../../server.js'
import type { KeystoneRuntime } from './config.js'
import { createKeystone } from './index.js'
import { readWerkzeugBasic } from './token.js'

const TOKEN_PATH = '/v3/OS-OAUTH2/token'
const FORM = 'application/x-www-form-urlencoded'
const credential = f.applicationCredential
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
const appBasic = basic(credential.id, credential.secret)
const AUTH_REQUIRED = 'The request you have made requires authentication.'
const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** The api-ref sample token is 183 characters of URL-safe base64 starting gAAAAAB. */
const FERNET = /^gAAAAAB[A-Za-z0-9_-]{176}$/

describe.each(bothModes)('Keystone over $name', (mode) => {
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

  describe('POST /v3/OS-OAUTH2/token with an application credential', () => {
    it('answers the documented response to HTTP Basic client authentication', async () => {
      const res = await postToken('grant_type=client_credentials', { Authorization: appBasic })
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('application/json')
      expectKeystoneHeaders(res)
      expect(res.body).toEqual({ access_token: expect.stringMatching(FERNET), token_type: 'Bearer', expires_in: 3600 })
      expect(Object.keys(res.body)).toEqual(['access_token', 'token_type', 'expires_in'])
      expect(res.body.access_token).toHaveLength(183)
      expect(running.provider.journal.entries().at(-1)!.notes).toMatchObject({ clientAuthMethod: 'client_secret_basic', clientId: credential.id })
    })

    it('accepts the credentials in the form body as well', async () => {
      const res = await postToken(`grant_type=client_credentials&client_id=${credential.id}&client_secret=${credential.secret}`)
      expect(res.status).toBe(200)
      expect(res.body.access_token).toMatch(FERNET)
      expect(running.provider.journal.entries().at(-1)!.notes.clientAuthMethod).toBe('client_secret_post')
    })

    it('lets HTTP Basic override the form credentials (no client certificate)', async () => {
      const good = await postToken(`grant_type=client_credentials&client_id=${credential.id}&client_secret=wrong`, { Authorization: appBasic })
      expect(good.status).toBe(200)
      const bad = await postToken(`grant_type=client_credentials&client_id=${credential.id}&client_secret=${credential.secret}`, { Authorization: basic(credential.id, 'wrong') })
      expectOAuth2Error(bad, 401, 'invalid_client', AUTH_REQUIRED)
    })

    it('reads a multipart/form-data body as a form, as flask.request.form does', async () => {
      const res = await request(base).post(TOKEN_PATH).set('Authorization', appBasic).field('grant_type', 'client_credentials')
      expect(res.status).toBe(200)
      expect(res.body.token_type).toBe('Bearer')
    })

    it('takes the first of repeated parameters, as werkzeug MultiDict.get does', async () => {
      expect((await postToken('grant_type=client_credentials&grant_type=password', { Authorization: appBasic })).status).toBe(200)
      expectOAuth2Error(await postToken('grant_type=password&grant_type=client_credentials', { Authorization: appBasic }), 400, 'unsupported_grant_type', 'The parameter grant_type password is not supported.')
    })

    it('makes the token usable on the compute-like API and validatable at /v3/auth/tokens', async () => {
      const token = await oauth2Token()
      const servers = await request(base).get('/v2.1/servers').set('Authorization', `Bearer ${token}`)
      expect(servers.status).toBe(200)
      expectKeystoneHeaders(servers)
      expect(servers.body).toEqual({
        servers: f.servers
          .filter((s) => s.projectId === f.user.defaultProjectId)
          .map((s) => ({
            id: s.id,
            name: s.name,
            links: [
              { rel: 'self', href: `${base}/v2.1/${s.projectId}/servers/${s.id}` },
              { rel: 'bookmark', href: `${base}/${s.projectId}/servers/${s.id}` },
            ],
          })),
      })
      const one = await request(base).get(`/v2.1/servers/${f.servers[0].id}`).set('Authorization', `Bearer ${token}`)
      expect(one.status).toBe(200)
      expect(one.body.server).toMatchObject({ id: f.servers[0].id, name: f.servers[0].name, status: 'ACTIVE', tenant_id: f.user.defaultProjectId })

      const validated = await request(base).get('/v3/auth/tokens').set('X-Auth-Token', token).set('X-Subject-Token', token)
      expect(validated.status).toBe(200)
      expect(validated.headers['x-subject-token']).toBe(token)
      expect(validated.body.token).toMatchObject({
        methods: ['application_credential'],
        user: { id: f.user.id, name: f.user.name, domain: { id: 'default', name: 'Default' }, password_expires_at: null },
        project: { id: f.user.defaultProjectId, name: 'demo', domain: { id: 'default', name: 'Default' } },
        roles: [
          { id: f.roles[0].id, name: 'member' },
          { id: f.roles[1].id, name: 'reader' },
        ],
        application_credential: { id: credential.id, name: credential.name, restricted: true },
        is_domain: false,
      })
      expect(validated.body.token.audit_ids).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)])
      expect(Date.parse(validated.body.token.expires_at) - Date.parse(validated.body.token.issued_at)).toBe(3600_000)
      expect(validated.body.token.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
      expect(validated.body.token.catalog.map((s: { type: string }) => s.type)).toEqual(['identity', 'compute'])
      expect(validated.body.token.catalog[1].endpoints[0].url).toBe(`${base}/v2.1`)

      const head = await request(base).head('/v3/auth/tokens').set('X-Auth-Token', token).set('X-Subject-Token', token)
      expect(head.status).toBe(200)
      expect(head.text ?? '').toBe('')
    })

    it('lets a token expire after [token] expiration seconds of the mock clock', async () => {
      const token = await oauth2Token()
      running.provider.clock.advance(3599)
      expect((await request(base).get('/v2.1/servers').set('Authorization', `Bearer ${token}`)).status).toBe(200)
      running.provider.clock.advance(1)
      expectIdentityError(await request(base).get('/v2.1/servers').set('Authorization', `Bearer ${token}`), 401, 'Unauthorized', AUTH_REQUIRED, base)
    })
  })

  describe('real clients', () => {
    it('serves a third-party OAuth client (oauth4webapi) with Basic and form client authentication, and its errors', async () => {
      const as: oauth.AuthorizationServer = { issuer: base, token_endpoint: `${base}${TOKEN_PATH}` }
      const client: oauth.Client = { client_id: credential.id }
      const insecure = { [oauth.allowInsecureRequests]: true }
      const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(credential.secret), {}, insecure)
      const result = await oauth.processClientCredentialsResponse(as, client, response)
      expect(result).toMatchObject({ token_type: 'bearer', expires_in: 3600, access_token: expect.stringMatching(FERNET) })
      const servers = await oauth.protectedResourceRequest(result.access_token, 'GET', new URL(`${base}/v2.1/servers`), undefined, undefined, insecure)
      expect(servers.status).toBe(200)
      // oauth4webapi form-urlencodes Basic credentials (RFC 6749 §2.3.1): the secret's "-" and "_" become %2D and %5F,
      // which Keystone does not decode, so it is refused as by the real service.
      const refused = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(credential.secret), {}, insecure)
      const error = await oauth.processClientCredentialsResponse(as, client, refused).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError)
      expect((error as oauth.WWWAuthenticateChallengeError).cause).toEqual([{ scheme: 'keystone', parameters: { uri: `${base}/v3` } }])
      expect((error as oauth.WWWAuthenticateChallengeError).status).toBe(401)
    })

    it('serves keystoneauth’s v3oauth2clientcredential sequence: application credential token, then the OAuth 2.0 token on every call', async () => {
      const identity = await request(base)
        .post('/v3/auth/tokens')
        .send({ auth: { identity: { methods: ['application_credential'], application_credential: { id: credential.id, secret: credential.secret } } } })
      expect(identity.status).toBe(201)
      const authToken = identity.headers['x-subject-token']
      for (let call = 0; call < 2; call++) {
        const oauth2 = await oauth2Token()
        // keystoneauth sets both headers; the oauth2_token filter reads the Bearer one.
        const res = await request(base).get('/v2.1/servers').set('X-Auth-Token', authToken).set('Authorization', `Bearer ${oauth2}`)
        expect(res.status).toBe(200)
      }
      // X-Auth-Token alone is stripped by the filter.
      expect((await request(base).get('/v2.1/servers').set('X-Auth-Token', authToken)).status).toBe(401)
    })
  })

  describe('parse order and the failure matrix (PROVIDERS.md §1.2–1.4)', () => {
    it('requires grant_type', async () => {
      expectOAuth2Error(await postToken('', { Authorization: appBasic }), 400, 'invalid_request', 'The parameter grant_type is required.')
      expectOAuth2Error(await postToken('client_id=x', { Authorization: appBasic }), 400, 'invalid_request', 'The parameter grant_type is required.')
    })

    it('refuses other grant types with Keystone’s text, two spaces for an empty one', async () => {
      expectOAuth2Error(await postToken('grant_type=password', { Authorization: appBasic }), 400, 'unsupported_grant_type', 'The parameter grant_type password is not supported.')
      expectOAuth2Error(await postToken('grant_type=', { Authorization: appBasic }), 400, 'unsupported_grant_type', 'The parameter grant_type  is not supported.')
      expectOAuth2Error(await postToken('grant_type=Client_Credentials', { Authorization: appBasic }), 400, 'unsupported_grant_type', 'The parameter grant_type Client_Credentials is not supported.')
      expectOAuth2Error(await postToken('grant_type=%ZZ', { Authorization: appBasic }), 400, 'unsupported_grant_type', 'The parameter grant_type %ZZ is not supported.')
    })

    it('checks the grant type before the client: bad grant with bad credentials is 400', async () => {
      expectOAuth2Error(await postToken('grant_type=authorization_code', { Authorization: basic('nobody', 'nothing') }), 400, 'unsupported_grant_type', 'The parameter grant_type authorization_code is not supported.')
    })

    it('finds no form in a JSON or text body (the JSON hook is skipped under /v3/OS-OAUTH2/)', async () => {
      const json = await request(base).post(TOKEN_PATH).set('Authorization', appBasic).set('Content-Type', 'application/json').send('{"grant_type":"client_credentials"}')
      expectOAuth2Error(json, 400, 'invalid_request', 'The parameter grant_type is required.')
      const text = await request(base).post(TOKEN_PATH).set('Authorization', appBasic).set('Content-Type', 'text/plain').send('grant_type=client_credentials')
      expectOAuth2Error(text, 400, 'invalid_request', 'The parameter grant_type is required.')
      const malformed = await request(base).post(TOKEN_PATH).set('Authorization', appBasic).set('Content-Type', 'multipart/form-data; boundary=x').send('not multipart at all')
      expectOAuth2Error(malformed, 400, 'invalid_request', 'The parameter grant_type is required.')
    })

    it('answers 401 Client authentication failed without usable client credentials', async () => {
      const failed = 'Client authentication failed.'
      expectOAuth2Error(await postToken('grant_type=client_credentials'), 401, 'invalid_client', failed)
      // The document's request sample without a client certificate: a client_id alone selects no method.
      expectOAuth2Error(await postToken(`grant_type=client_credentials&client_id=${f.mtlsUser.id}`), 401, 'invalid_client', failed)
      expectOAuth2Error(await postToken('grant_type=client_credentials', { Authorization: 'Digest username="x", realm="y"' }), 401, 'invalid_client', failed)
      expectOAuth2Error(await postToken('grant_type=client_credentials', { Authorization: basic('', credential.secret) }), 401, 'invalid_client', failed)
      expectOAuth2Error(await postToken('grant_type=client_credentials', { Authorization: basic(credential.id, '') }), 401, 'invalid_client', failed)
      expectOAuth2Error(await postToken('grant_type=client_credentials', { Authorization: `Basic ${Buffer.from(credential.id).toString('base64')}` }), 401, 'invalid_client', failed)
      // Basic (even empty) overrides the form, so the form's good credentials do not count.
      expectOAuth2Error(await postToken(`grant_type=client_credentials&client_id=${credential.id}&client_secret=${credential.secret}`, { Authorization: basic(credential.id, '') }), 401, 'invalid_client', failed)
    })

    it('ignores a Basic header it cannot decode and falls back to the form', async () => {
      const res = await postToken(`grant_type=client_credentials&client_id=${credential.id}&client_secret=${credential.secret}`, { Authorization: 'Basic abcde' })
      expect(res.status).toBe(200)
      expectOAuth2Error(await postToken('grant_type=client_credentials', { Authorization: 'Basic abcde' }), 401, 'invalid_client', 'Client authentication failed.')
    })

    it('answers 401 with Keystone’s generic message for a wrong secret', async () => {
      expectOAuth2Error(await postToken('grant_type=client_credentials', { Authorization: basic(credential.id, credential.secret + 'x') }), 401, 'invalid_client', AUTH_REQUIRED)
    })

    it('answers 404 other_error for an unknown application credential id', async () => {
      expectOAuth2Error(
        await postToken('grant_type=client_credentials', { Authorization: basic('0'.repeat(32), credential.secret) }),
        404,
        'other_error',
        'An unknown error occurred and failed to get an OAuth2.0 access token.',
      )
    })

    it('answers the documented 500 for the application credential whose project is broken', async () => {
      const broken = f.brokenApplicationCredential
      expectOAuth2Error(await postToken('grant_type=client_credentials', { Authorization: basic(broken.id, broken.secret) }), 500, 'other_error', "'NoneType' object is not subscriptable")
      expect(running.provider.journal.entries().at(-1)!.error).toMatchObject({ error: 'other_error', detail: expect.stringContaining('TypeError') })
    })

    it('renders an injected oauth-error fault as Keystone’s other_error', async () => {
      running.provider.faults.add({ route: 'keystone.token', action: { type: 'oauth-error', error: 'server_error' } })
      expectOAuth2Error(await postToken('grant_type=client_credentials', { Authorization: appBasic }), 500, 'other_error', 'Injected server_error.')
      expect((await postToken('grant_type=client_credentials', { Authorization: appBasic })).status).toBe(200)
    })

    it('answers 405 other_error to every method but POST', async () => {
      for (const method of ['get', 'put', 'patch', 'delete'] as const) {
        expectOAuth2Error(await request(base)[method](TOKEN_PATH), 405, 'other_error', 'The method is not allowed for the requested URL.')
      }
      const head = await request(base).head(TOKEN_PATH)
      expect(head.status).toBe(405)
      expect(head.headers['vary']).toBe('X-Auth-Token')
    })

    it('refuses an oversized body with 413 in Keystone’s envelope, not a 500', async () => {
      const res = await postToken('grant_type=client_credentials&pad=' + 'a'.repeat(70 * 1024), { Authorization: appBasic })
      expectIdentityError(res, 413, 'Request Entity Too Large', 'Request is too large.')
    })

    it('answers unknown paths and methods in the classic envelope', async () => {
      expectIdentityError(await request(base).get('/v3/OS-OAUTH2/nothing'), 404, 'Not Found', 'The resource could not be found.')
      expectIdentityError(await request(base).put('/v3/auth/tokens'), 405, 'Method Not Allowed', 'The method is not allowed for the requested URL.')
    })
  })

  describe('version discovery, as keystone/api/discovery.py serves it (#12)', () => {
    const OAUTH2_TOKEN_REL = 'https://docs.openstack.org/api/openstack-identity/3/ext/OS-OAUTH2/1.0/rel/token'
    const v3 = () => ({
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${base}/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    })

    it('lists the versions at the root: 300 Multiple Choices, Location the v3 endpoint, Python json.dumps spacing', async () => {
      for (const path of ['/', '']) {
        const res = await request(base).get(path)
        expect(res.status).toBe(300)
        expect(res.headers['content-type']).toBe('application/json')
        expect(res.headers.location).toBe(`${base}/v3/`)
        expect(res.headers.vary).toBe('X-Auth-Token')
        expect(res.headers['x-openstack-request-id']).toMatch(REQUEST_ID)
        expect(JSON.parse(res.text)).toEqual({ versions: { values: [v3()] } })
        expect(res.text.startsWith('{"versions": {"values": [{"id": "v3.14", "status": "stable"')).toBe(true)
      }
    })

    it('describes v3 at /v3, and answers JSON-home (with the OS-OAUTH2 token relation) to a client that prefers it', async () => {
      const json = await request(base).get('/v3')
      expect([json.status, json.headers['content-type']]).toEqual([200, 'application/json'])
      expect(JSON.parse(json.text)).toEqual({ version: v3() })
      const home = await request(base).get('/v3').set('Accept', 'application/json-home')
      expect([home.status, home.headers['content-type']]).toEqual([200, 'application/json-home'])
      const { resources } = JSON.parse(home.text)
      expect(resources[OAUTH2_TOKEN_REL]).toEqual({ href: '/OS-OAUTH2/token' })
      expect(resources['https://docs.openstack.org/api/openstack-identity/3/rel/auth_tokens']).toEqual({ href: '/auth/tokens' })
      // From the root, every href carries /v3 (translate_urls).
      const rootHome = await request(base).get('/').set('Accept', 'application/json-home;q=1, application/json;q=0.5')
      expect(rootHome.status).toBe(200)
      expect(JSON.parse(rootHome.text).resources[OAUTH2_TOKEN_REL]).toEqual({ href: '/v3/OS-OAUTH2/token' })
      // A tie goes to JSON, as werkzeug's best_match([JSON, JSON_HOME]) picks.
      expect((await request(base).get('/v3').set('Accept', 'application/json, application/json-home')).headers['content-type']).toBe('application/json')
    })

    it('answers the compute version document at /v2.1 without a token', async () => {
      const res = await request(base).get('/v2.1')
      expect(res.status).toBe(200)
      expect(res.body.version).toMatchObject({ id: 'v2.1', status: 'CURRENT', min_version: '2.1', links: [{ rel: 'self', href: `${base}/v2.1/` }, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }] })
    })
  })

  describe('hints for near misses (#12)', () => {
    const lastNotes = () => running.provider.journal.entries().at(-1)!.notes
    const percentEncoded = `Basic ${Buffer.from(`${encodeURIComponent(credential.id).replace(/-/g, '%2D').replace(/_/g, '%5F')}:${credential.secret.replace(/-/g, '%2D').replace(/_/g, '%5F')}`).toString('base64')}`

    it("hints at basicCredentials: 'lenient' when Basic credentials match only percent-decoded, the answer unchanged", async () => {
      const res = await postToken('grant_type=client_credentials', { Authorization: percentEncoded })
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(lastNotes().hint).toBe(
        "The HTTP Basic credentials name an application credential only once percent-decoded: Keystone does not decode them (werkzeug only base64-decodes), while clients that follow RFC 6749 §2.3.1, such as oauth4webapi and openid-client, encode the '-' and '_' of Keystone's ids and secrets. Send them unencoded, or create the provider with basicCredentials: 'lenient'.",
      )
      await postToken('grant_type=client_credentials', { Authorization: basic(credential.id, 'wrong') })
      expect(lastNotes().hint).toBeUndefined()
    })

    it('hints at the scheme and place keystonemiddleware reads, and at an expired token, the 401 unchanged', async () => {
      const token = await oauth2Token()
      expectIdentityError(await request(base).get('/v2.1/servers').set('Authorization', `bearer ${token}`), 401, 'Unauthorized', AUTH_REQUIRED, base)
      expect(lastNotes().hint).toBe(
        'A token was sent in the "Authorization: bearer" header, which this API does not read; send it as "Authorization: Bearer <token>" (keystonemiddleware\'s oauth2_token filter compares the scheme literally, and strips X-Auth-Token).',
      )
      await request(base).get('/v2.1/servers').set('X-Auth-Token', token)
      expect(lastNotes().hint).toMatch(/^A token was sent in the "X-Auth-Token" header, which this API does not read/)
      running.provider.clock.advance(3600 + 125)
      expectIdentityError(await request(base).get('/v2.1/servers').set('Authorization', `Bearer ${token}`), 401, 'Unauthorized', AUTH_REQUIRED, base)
      expect(lastNotes().hint).toMatch(/^The access token expired 2 minutes 5 seconds ago on the mock clock \(at \d{4}-\d\d-\d\dT[\d:.]+Z\); get a new one/)
    })
  })

  describe('the compute-like API behind keystonemiddleware’s oauth2_token filter', () => {
    it('accepts only Authorization: Bearer, with the scheme compared literally', async () => {
      const token = await oauth2Token()
      for (const headers of [{}, { Authorization: `bearer ${token}` }, { Authorization: `BEARER ${token}` }, { 'X-Auth-Token': token }, { Authorization: 'Bearer ' }, { Authorization: 'Bearer not-a-token' }, { Authorization: appBasic }]) {
        const req = request(base).get('/v2.1/servers')
        for (const [k, v] of Object.entries(headers)) req.set(k, v as string)
        expectIdentityError(await req, 401, 'Unauthorized', AUTH_REQUIRED, base)
      }
    })

    it('hides another project’s server as nova does', async () => {
      const token = await oauth2Token()
      const other = f.servers.find((s) => s.projectId !== f.user.defaultProjectId)!
      const res = await request(base).get(`/v2.1/servers/${other.id}`).set('Authorization', `Bearer ${token}`)
      expect(res.status).toBe(404)
      expect(res.body).toEqual({ itemNotFound: { code: 404, message: `Server ${other.id} could not be found.` } })
    })
  })

  describe('POST/GET/DELETE /v3/auth/tokens', () => {
    it('issues a password token in X-Subject-Token, scoped to the default project', async () => {
      const res = await request(base)
        .post('/v3/auth/tokens')
        .send({ auth: { identity: { methods: ['password'], password: { user: { id: f.user.id, password: f.user.password } } }, scope: { project: { id: f.user.defaultProjectId } } } })
      expect(res.status).toBe(201)
      expectKeystoneHeaders(res)
      expect(res.headers['x-subject-token']).toMatch(/^gAAAAAB/)
      expect(res.body.token).toMatchObject({ methods: ['password'], user: { id: f.user.id, name: 'demo' }, project: { id: f.user.defaultProjectId } })
      const nocatalog = await request(base)
        .post('/v3/auth/tokens?nocatalog')
        .send({ auth: { identity: { methods: ['password'], password: { user: { name: 'demo', domain: { name: 'Default' }, password: 'demo' } } } } })
      expect(nocatalog.status).toBe(201)
      expect(nocatalog.body.token.catalog).toBeUndefined()
    })

    it('issues a token for the application credential method, as keystoneauth does first', async () => {
      const res = await request(base).post('/v3/auth/tokens').send({ auth: { identity: { methods: ['application_credential'], application_credential: { id: credential.id, secret: credential.secret } } } })
      expect(res.status).toBe(201)
      expect(res.body.token.application_credential).toEqual({ id: credential.id, name: credential.name, restricted: true })
      const byName = await request(base)
        .post('/v3/auth/tokens')
        .send({ auth: { identity: { methods: ['application_credential'], application_credential: { name: credential.name, user: { id: f.user.id }, secret: credential.secret } } } })
      expect(byName.status).toBe(201)
      expectIdentityError(
        await request(base).post('/v3/auth/tokens').send({ auth: { identity: { methods: ['application_credential'], application_credential: { id: 'f'.repeat(32), secret: 'x' } } } }),
        404,
        'Not Found',
        `Could not find Application Credential: ${'f'.repeat(32)}.`,
      )
      expectIdentityError(
        await request(base).post('/v3/auth/tokens').send({ auth: { identity: { methods: ['application_credential'], application_credential: { id: credential.id, secret: 'x' } } } }),
        401,
        'Unauthorized',
        AUTH_REQUIRED,
      )
    })

    it('refuses bad passwords, unknown users, foreign projects and unsupported methods with 401', async () => {
      const password = (user: object, scope?: object) => request(base).post('/v3/auth/tokens').send({ auth: { identity: { methods: ['password'], password: { user } }, ...(scope ? { scope } : {}) } })
      expectIdentityError(await password({ id: f.user.id, password: 'nope' }), 401, 'Unauthorized', AUTH_REQUIRED)
      expectIdentityError(await password({ id: 'nobody', password: 'demo' }), 401, 'Unauthorized', AUTH_REQUIRED)
      expectIdentityError(await password({ name: 'demo', domain: { id: 'elsewhere' }, password: 'demo' }), 401, 'Unauthorized', AUTH_REQUIRED)
      expectIdentityError(await password({ id: f.user.id, password: 'demo' }, { project: { id: f.mtlsUser.defaultProjectId } }), 401, 'Unauthorized', AUTH_REQUIRED)
      expectIdentityError(await request(base).post('/v3/auth/tokens').send({ auth: { identity: { methods: ['totp'] } } }), 401, 'Unauthorized', 'Attempted to authenticate with an unsupported method.')
    })

    it('refuses malformed requests with 400', async () => {
      const expecting = (attribute: string, target: string) =>
        `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`
      expectIdentityError(await request(base).post('/v3/auth/tokens').set('Content-Type', FORM).send('auth=1'), 400, 'Bad Request', expecting('application/json', 'Content-Type header'))
      expectIdentityError(await request(base).post('/v3/auth/tokens').set('Content-Type', 'application/json').send('{"auth":'), 400, 'Bad Request', expecting('valid JSON', 'request body'))
      expectIdentityError(await request(base).post('/v3/auth/tokens').send([1]), 400, 'Bad Request', "Invalid input for field '': [1] is not of type 'object'")
      expectIdentityError(await request(base).post('/v3/auth/tokens').send({}), 400, 'Bad Request', "Invalid input for field 'auth': 'auth' is a required property")
      expectIdentityError(await request(base).post('/v3/auth/tokens').send({ auth: {} }), 400, 'Bad Request', "Invalid input for field 'auth': 'identity' is a required property")
      expectIdentityError(
        await request(base).post('/v3/auth/tokens').send({ auth: { identity: { methods: [] } } }),
        400,
        'Bad Request',
        "Invalid input for field 'auth/identity/methods': 'methods' must be a non-empty array of strings",
      )
      expectIdentityError(await request(base).post('/v3/auth/tokens').send({ auth: { identity: { methods: ['password'] } } }), 400, 'Bad Request', expecting('password', 'identity'))
      expectIdentityError(await request(base).post('/v3/auth/tokens').send({ auth: { identity: { methods: ['password'], password: { user: { password: 'x' } } } } }), 400, 'Bad Request', expecting('id or name', 'user'))
      expectIdentityError(await request(base).post('/v3/auth/tokens').send({ auth: { identity: { methods: ['password'], password: { user: { id: f.user.id } } } } }), 400, 'Bad Request', expecting('password', 'user'))
    })

    it('validates only with a live X-Auth-Token and the caller’s own subject token', async () => {
      const own = await passwordToken()
      const other = await passwordToken(f.mtlsUser)
      expectIdentityError(await request(base).get('/v3/auth/tokens').set('X-Subject-Token', own), 401, 'Unauthorized', AUTH_REQUIRED)
      expectIdentityError(await request(base).get('/v3/auth/tokens').set('X-Auth-Token', 'bogus').set('X-Subject-Token', own), 401, 'Unauthorized', AUTH_REQUIRED)
      expectIdentityError(
        await request(base).get('/v3/auth/tokens').set('X-Auth-Token', own),
        400,
        'Bad Request',
        'Expecting to find X-Subject-Token in header. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
      )
      expectIdentityError(await request(base).get('/v3/auth/tokens').set('X-Auth-Token', own).set('X-Subject-Token', 'gAAAAABnope'), 404, 'Not Found', 'Could not find token: gAAAAABnope.')
      expectIdentityError(await request(base).get('/v3/auth/tokens').set('X-Auth-Token', own).set('X-Subject-Token', other), 403, 'Forbidden', 'You are not authorized to perform the requested action: identity:validate_token.')
    })

    it('revokes a token with DELETE', async () => {
      const token = await passwordToken()
      const gone = await request(base).delete('/v3/auth/tokens').set('X-Auth-Token', token).set('X-Subject-Token', token)
      expect(gone.status).toBe(204)
      expect(gone.text ?? '').toBe('')
      expectIdentityError(await request(base).get('/v3/auth/tokens').set('X-Auth-Token', token).set('X-Subject-Token', token), 401, 'Unauthorized', AUTH_REQUIRED)
    })
  })

  describe('the application credentials API (PROVIDERS.md §1.8)', () => {
    const path = `/v3/users/${f.user.id}/application_credentials`

    it('creates a credential, shows its secret once, and it works as an OAuth 2.0 client', async () => {
      const auth = await passwordToken()
      const created = await request(base)
        .post(path)
        .set('X-Auth-Token', auth)
        .send({ application_credential: { name: 'ci-runner', description: 'CI', roles: [{ name: 'reader' }] } })
      expect(created.status).toBe(201)
      expectKeystoneHeaders(created)
      const made = created.body.application_credential
      expect(made).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        name: 'ci-runner',
        description: 'CI',
        secret: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/),
        user_id: f.user.id,
        project_id: f.user.defaultProjectId,
        roles: [{ id: f.roles[1].id, name: 'reader', domain_id: null }],
        expires_at: null,
        unrestricted: false,
        access_rules: [],
        system: null,
        links: { self: `${base}${path}/${made.id}` },
      })

      const token = await oauth2Token(basic(made.id, made.secret))
      const validated = await request(base).get('/v3/auth/tokens').set('X-Auth-Token', token).set('X-Subject-Token', token)
      expect(validated.body.token.roles).toEqual([{ id: f.roles[1].id, name: 'reader' }])

      const list = await request(base).get(path).set('X-Auth-Token', auth)
      expect(list.status).toBe(200)
      expect(list.body.links).toEqual({ self: `${base}${path}`, previous: null, next: null })
      expect(list.body.application_credentials.map((c: { name: string }) => c.name).sort()).toEqual(['broken-backend', 'ci-runner', 'oauth2-client'])
      expect(list.body.application_credentials.every((c: object) => !('secret' in c))).toBe(true)
      const filtered = await request(base).get(`${path}?name=ci-runner`).set('X-Auth-Token', auth)
      expect(filtered.body.application_credentials).toHaveLength(1)

      const shown = await request(base).get(`${path}/${made.id}`).set('X-Auth-Token', auth)
      expect(shown.status).toBe(200)
      const { secret: _secret, ...withoutSecret } = made
      expect(shown.body).toEqual({ application_credential: withoutSecret })

      const deleted = await request(base).delete(`${path}/${made.id}`).set('X-Auth-Token', auth)
      expect(deleted.status).toBe(204)
      // Its tokens die with it; its id is unknown at the token endpoint.
      expectIdentityError(await request(base).get('/v2.1/servers').set('Authorization', `Bearer ${token}`), 401, 'Unauthorized', AUTH_REQUIRED, base)
      expectOAuth2Error(await postToken('grant_type=client_credentials', { Authorization: basic(made.id, made.secret) }), 404, 'other_error', 'An unknown error occurred and failed to get an OAuth2.0 access token.')
      expectIdentityError(await request(base).get(`${path}/${made.id}`).set('X-Auth-Token', auth), 404, 'Not Found', `Could not find Application Credential: ${made.id}.`)
    })

    it('keeps a chosen secret, and a credential that expires refuses the token endpoint with 401', async () => {
      const auth = await passwordToken()
      const expiresAt = new Date(running.provider.clock.nowMs() + 600_000).toISOString()
      const created = await request(base)
        .post(path)
        .set('X-Auth-Token', auth)
        .send({ application_credential: { name: 'short', secret: 'my-own-secret', expires_at: expiresAt } })
      expect(created.status).toBe(201)
      expect(created.body.application_credential.secret).toBe('my-own-secret')
      expect(Date.parse(created.body.application_credential.expires_at)).toBe(Date.parse(expiresAt))
      const token = await oauth2Token(basic(created.body.application_credential.id, 'my-own-secret'))
      running.provider.clock.advance(600)
      expectOAuth2Error(await postToken('grant_type=client_credentials', { Authorization: basic(created.body.application_credential.id, 'my-own-secret') }), 401, 'invalid_client', AUTH_REQUIRED)
      // The token ended with the credential, though expires_in said 3600.
      expectIdentityError(await request(base).get('/v2.1/servers').set('Authorization', `Bearer ${token}`), 401, 'Unauthorized', AUTH_REQUIRED, base)
    })

    it('refuses without a token, for another user, and with a restricted application credential token', async () => {
      expectIdentityError(await request(base).get(path), 401, 'Unauthorized', AUTH_REQUIRED)
      const mtlsUserToken = await passwordToken(f.mtlsUser)
      expectIdentityError(await request(base).get(path).set('X-Auth-Token', mtlsUserToken), 403, 'Forbidden', 'You are not authorized to perform the requested action: identity:list_application_credentials.')
      expectIdentityError(
        await request(base).post(path).set('X-Auth-Token', mtlsUserToken).send({ application_credential: { name: 'x' } }),
        403,
        'Forbidden',
        'You are not authorized to perform the requested action: identity:create_application_credential.',
      )
      const appToken = (
        await request(base).post('/v3/auth/tokens').send({ auth: { identity: { methods: ['application_credential'], application_credential: { id: credential.id, secret: credential.secret } } } })
      ).headers['x-subject-token']
      expectIdentityError(
        await request(base).post(path).set('X-Auth-Token', appToken).send({ application_credential: { name: 'x' } }),
        403,
        'Forbidden',
        "Using method 'application_credential' is not allowed for managing additional application credentials.",
      )
    })

    it('validates the body: 400 for bad fields, 409 for a duplicate name, 403 for a role not held', async () => {
      const auth = await passwordToken()
      const create = (body: unknown) => request(base).post(path).set('X-Auth-Token', auth).send(body as object)
      expectIdentityError(await create({}), 400, 'Bad Request', "Invalid input for field 'application_credential': 'application_credential' is a required property")
      expectIdentityError(await create({ application_credential: { name: '' } }), 400, 'Bad Request', "Invalid input for field 'application_credential/name': 'name' must be a string of 1 to 255 characters")
      expectIdentityError(await create({ application_credential: { name: 'x', colour: 'red' } }), 400, 'Bad Request', "Invalid input for field 'application_credential': Additional properties are not allowed ('colour' was unexpected)")
      expectIdentityError(await create({ application_credential: { name: 'x', unrestricted: 'yes' } }), 400, 'Bad Request', `Invalid input for field 'application_credential/unrestricted': "yes" is not of type 'boolean'`)
      expectIdentityError(await create({ application_credential: { name: 'x', expires_at: 'soon' } }), 400, 'Bad Request', `Invalid input for field 'application_credential/expires_at': "soon" is not a 'date-time'`)
      expectIdentityError(await create({ application_credential: { name: 'x', expires_at: '2001-01-01T00:00:00Z' } }), 400, 'Bad Request', 'Invalid application credential: The expiration time is in the past.')
      expectIdentityError(await create({ application_credential: { name: 'x', roles: [{ name: 'admin' }] } }), 403, 'Forbidden', 'You are not authorized to perform the requested action: roles admin are not held by the token.')
      expectIdentityError(
        await create({ application_credential: { name: credential.name } }),
        409,
        'Conflict',
        `Conflict occurred attempting to store application_credential - Duplicate name, ${credential.name}.`,
      )
      expectIdentityError(await request(base).post(path).set('X-Auth-Token', auth).set('Content-Type', 'text/plain').send('name=x'), 400, 'Bad Request', expect.stringContaining('application/json') as never)
    })
  })

  it('answers the control paths under the mount and restores the seed on reset', async () => {
    const fault = await request(base).post('/__oauth-dance/faults').send({ route: 'keystone.token', action: { type: 'response', status: 503, body: { down: true } } })
    expect(fault.status).toBe(201)
    expect((await postToken('grant_type=client_credentials', { Authorization: appBasic })).status).toBe(503)
    const described = await request(base).get('/__oauth-dance/provider')
    expect(described.body).toMatchObject({ baseUrl: base, clients: [{ id: credential.id, secret: credential.secret, redirectUris: [], scopes: [] }] })
  })
})

describe('Keystone outside the two modes', () => {
  it('is registered for serve on the /identity mount, with DESIGN.md’s --json shape', async () => {
    const running = await serve({ portBase: 0, providers: ['keystone'], log: null })
    try {
      const [listener] = running.listeners
      expect(listener.name).toBe('keystone')
      const { keystone } = running.describe().providers as Record<string, any>
      expect(keystone.baseUrl).toBe(`http://127.0.0.1:${listener.port}/identity`)
      expect(keystone.clients).toEqual([{ id: credential.id, secret: credential.secret, name: credential.name, redirectUris: [], scopes: [] }])
      expect(keystone.users).toEqual([
        { username: 'demo', password: 'demo', id: f.user.id, defaultProjectId: f.user.defaultProjectId },
        { username: 'mtls-client', password: 'demo', id: f.mtlsUser.id, defaultProjectId: f.mtlsUser.defaultProjectId },
      ])
      // Outside the mount there is nothing.
      expect((await request(listener.url).post(TOKEN_PATH).set('Authorization', appBasic).type('form').send('grant_type=client_credentials')).status).toBe(404)
    } finally {
      await running.close()
    }
  })

  it('serves Keystone at the root when the base URL has no path (https://host:5000/v3/...)', async () => {
    const keystone = createKeystone({ baseUrl: 'https://keystone.example.com:5000' })
    const res = await keystone.handle(
      new Request('https://keystone.example.com:5000/v3/OS-OAUTH2/token', { method: 'POST', headers: { 'Content-Type': FORM, Authorization: appBasic }, body: 'grant_type=client_credentials' }),
    )
    expect(res.status).toBe(200)
    const fail = await keystone.handle(new Request('https://keystone.example.com:5000/v3/OS-OAUTH2/token', { method: 'POST', headers: { 'Content-Type': FORM }, body: 'grant_type=client_credentials' }))
    expect(fail.headers.get('www-authenticate')).toBe('Keystone uri="https://keystone.example.com:5000/v3"')
  })

  it('refuses repeated parameters when told to (RFC 6749 §3.2)', async () => {
    const keystone = createKeystone({ repeatedParameters: 'reject' })
    const res = await keystone.handle(
      new Request(`${keystone.baseUrl}${TOKEN_PATH}`, { method: 'POST', headers: { 'Content-Type': FORM, Authorization: appBasic }, body: 'grant_type=client_credentials&grant_type=client_credentials' }),
    )
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'The parameter grant_type was included more than once.' })
  })

  it('honours [token] expiration and [oauth2] oauth2_authn_methods', async () => {
    const keystone = createKeystone({ tokenExpirationSeconds: 60, authnMethods: ['tls_client_auth'] })
    const res = await keystone.handle(new Request(`${keystone.baseUrl}${TOKEN_PATH}`, { method: 'POST', headers: { 'Content-Type': FORM, Authorization: appBasic }, body: 'grant_type=client_credentials' }))
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed.' })
    const short = createKeystone({ tokenExpirationSeconds: 60 })
    const ok = await short.handle(new Request(`${short.baseUrl}${TOKEN_PATH}`, { method: 'POST', headers: { 'Content-Type': FORM, Authorization: appBasic }, body: 'grant_type=client_credentials' }))
    expect((await ok.json()).expires_in).toBe(60)
  })

  it('accepts percent-encoded Basic credentials when told to be lenient (PROVIDERS.md §6)', async () => {
    for (const [basicCredentials, status] of [['raw', 401], ['lenient', 200]] as const) {
      const keystone = createKeystone({ basicCredentials })
      const as: oauth.AuthorizationServer = { issuer: keystone.baseUrl, token_endpoint: `${keystone.baseUrl}${TOKEN_PATH}` }
      const response = await oauth.clientCredentialsGrantRequest(as, { client_id: credential.id }, oauth.ClientSecretBasic(credential.secret), {}, {
        [oauth.customFetch]: (url, init) => keystone.handle(new Request(url, init as RequestInit)),
      })
      expect(response.status).toBe(status)
      expect(keystone.journal.entries().at(-1)!.request.headers.authorization).toContain(Buffer.from(`${credential.id}:`).toString('base64').slice(0, 40))
    }
  })

  it('decodes Basic like werkzeug', () => {
    expect(readWerkzeugBasic('basic ' + Buffer.from('a:b:c').toString('base64'))).toEqual({ username: 'a', password: 'b:c' })
    expect(readWerkzeugBasic('Basic YQ')).toBeUndefined() // incorrect padding
    expect(readWerkzeugBasic('Basic YQ==')).toEqual({ username: 'a', password: '' })
    expect(readWerkzeugBasic('Basic ' + Buffer.from([0xff, 0x3a]).toString('base64'))).toBeUndefined() // not UTF-8
    expect(readWerkzeugBasic('Basic')).toEqual({ username: '', password: '' })
    expect(readWerkzeugBasic('Bearer x')).toBeUndefined()
  })
})
