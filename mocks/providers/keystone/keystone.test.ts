import * as oauth from 'oauth4webapi'
import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { keystoneFixtures as f } from '../../../fixtures/keystone.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { serve } from '../../server.js'
import { MAX_LIFETIME_SECONDS } from '../../core/options.js'
import type { KeystoneRuntime } from './config.js'
import { createKeystone } from '../../index.js'
import { readWerkzeugBasic } from './token.js'
import { TOKEN_PATH, FORM, credential, basic, appBasic, AUTH_REQUIRED, FERNET, keystoneSuite } from '../../../test/support/keystone-suite.js'

describe.each(bothModes)('Keystone over $name', (mode) => {
  const suite = keystoneSuite(mode)
  const { expectKeystoneHeaders, expectOAuth2Error, expectIdentityError, postToken, oauth2Token } = suite
  let running: Running<KeystoneRuntime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

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
      const bad = await postToken(`grant_type=client_credentials&client_id=${credential.id}&client_secret=${credential.secret}`, {
        Authorization: basic(credential.id, 'wrong'),
      })
      expectOAuth2Error(bad, 401, 'invalid_client', AUTH_REQUIRED)
    })

    it('reads a multipart/form-data body as a form, as flask.request.form does', async () => {
      const res = await request(base).post(TOKEN_PATH).set('Authorization', appBasic).field('grant_type', 'client_credentials')
      expect(res.status).toBe(200)
      expect(res.body.token_type).toBe('Bearer')
    })

    it('takes the first of repeated parameters, as werkzeug MultiDict.get does', async () => {
      expect((await postToken('grant_type=client_credentials&grant_type=password', { Authorization: appBasic })).status).toBe(200)
      expectOAuth2Error(
        await postToken('grant_type=password&grant_type=client_credentials', { Authorization: appBasic }),
        400,
        'unsupported_grant_type',
        'The parameter grant_type password is not supported.',
      )
    })

    it('reads each body as sent when the same body repeats and others come between', async () => {
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 2; i++) expect((await postToken('grant_type=client_credentials', { Authorization: appBasic })).status).toBe(200)
        for (let i = 0; i < 2; i++)
          expectOAuth2Error(
            await postToken('grant_type=password', { Authorization: appBasic }),
            400,
            'unsupported_grant_type',
            'The parameter grant_type password is not supported.',
          )
      }
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
      expectOAuth2Error(
        await postToken('grant_type=password', { Authorization: appBasic }),
        400,
        'unsupported_grant_type',
        'The parameter grant_type password is not supported.',
      )
      expectOAuth2Error(
        await postToken('grant_type=', { Authorization: appBasic }),
        400,
        'unsupported_grant_type',
        'The parameter grant_type  is not supported.',
      )
      expectOAuth2Error(
        await postToken('grant_type=Client_Credentials', { Authorization: appBasic }),
        400,
        'unsupported_grant_type',
        'The parameter grant_type Client_Credentials is not supported.',
      )
      expectOAuth2Error(
        await postToken('grant_type=%ZZ', { Authorization: appBasic }),
        400,
        'unsupported_grant_type',
        'The parameter grant_type %ZZ is not supported.',
      )
    })

    it('checks the grant type before the client: bad grant with bad credentials is 400', async () => {
      expectOAuth2Error(
        await postToken('grant_type=authorization_code', { Authorization: basic('nobody', 'nothing') }),
        400,
        'unsupported_grant_type',
        'The parameter grant_type authorization_code is not supported.',
      )
    })

    it('finds no form in a JSON or text body (the JSON hook is skipped under /v3/OS-OAUTH2/)', async () => {
      const json = await request(base)
        .post(TOKEN_PATH)
        .set('Authorization', appBasic)
        .set('Content-Type', 'application/json')
        .send('{"grant_type":"client_credentials"}')
      expectOAuth2Error(json, 400, 'invalid_request', 'The parameter grant_type is required.')
      const text = await request(base).post(TOKEN_PATH).set('Authorization', appBasic).set('Content-Type', 'text/plain').send('grant_type=client_credentials')
      expectOAuth2Error(text, 400, 'invalid_request', 'The parameter grant_type is required.')
      const malformed = await request(base)
        .post(TOKEN_PATH)
        .set('Authorization', appBasic)
        .set('Content-Type', 'multipart/form-data; boundary=x')
        .send('not multipart at all')
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
      expectOAuth2Error(
        await postToken('grant_type=client_credentials', { Authorization: `Basic ${Buffer.from(credential.id).toString('base64')}` }),
        401,
        'invalid_client',
        failed,
      )
      // Basic (even empty) overrides the form, so the form's good credentials do not count.
      expectOAuth2Error(
        await postToken(`grant_type=client_credentials&client_id=${credential.id}&client_secret=${credential.secret}`, {
          Authorization: basic(credential.id, ''),
        }),
        401,
        'invalid_client',
        failed,
      )
    })

    it('ignores a Basic header it cannot decode and falls back to the form', async () => {
      const res = await postToken(`grant_type=client_credentials&client_id=${credential.id}&client_secret=${credential.secret}`, {
        Authorization: 'Basic abcde',
      })
      expect(res.status).toBe(200)
      expectOAuth2Error(
        await postToken('grant_type=client_credentials', { Authorization: 'Basic abcde' }),
        401,
        'invalid_client',
        'Client authentication failed.',
      )
    })

    it('answers 401 with Keystone’s generic message for a wrong secret', async () => {
      expectOAuth2Error(
        await postToken('grant_type=client_credentials', { Authorization: basic(credential.id, credential.secret + 'x') }),
        401,
        'invalid_client',
        AUTH_REQUIRED,
      )
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
      expectOAuth2Error(
        await postToken('grant_type=client_credentials', { Authorization: basic(broken.id, broken.secret) }),
        500,
        'other_error',
        "'NoneType' object is not subscriptable",
      )
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

  it('answers the control paths under the mount and restores the seed on reset', async () => {
    const fault = await request(base)
      .post('/__oauth-dance/faults')
      .send({ route: 'keystone.token', action: { type: 'response', status: 503, body: { down: true } } })
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
      new Request('https://keystone.example.com:5000/v3/OS-OAUTH2/token', {
        method: 'POST',
        headers: { 'Content-Type': FORM, Authorization: appBasic },
        body: 'grant_type=client_credentials',
      }),
    )
    expect(res.status).toBe(200)
    const fail = await keystone.handle(
      new Request('https://keystone.example.com:5000/v3/OS-OAUTH2/token', {
        method: 'POST',
        headers: { 'Content-Type': FORM },
        body: 'grant_type=client_credentials',
      }),
    )
    expect(fail.headers.get('www-authenticate')).toBe('Keystone uri="https://keystone.example.com:5000/v3"')
  })

  it('refuses repeated parameters when told to (RFC 6749 §3.2)', async () => {
    const keystone = createKeystone({ repeatedParameters: 'reject' })
    const res = await keystone.handle(
      new Request(`${keystone.baseUrl}${TOKEN_PATH}`, {
        method: 'POST',
        headers: { 'Content-Type': FORM, Authorization: appBasic },
        body: 'grant_type=client_credentials&grant_type=client_credentials',
      }),
    )
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'The parameter grant_type was included more than once.' })
  })

  it('honours [token] expiration and [oauth2] oauth2_authn_methods', async () => {
    const keystone = createKeystone({ tokenExpirationSeconds: 60, authnMethods: ['tls_client_auth'] })
    const res = await keystone.handle(
      new Request(`${keystone.baseUrl}${TOKEN_PATH}`, {
        method: 'POST',
        headers: { 'Content-Type': FORM, Authorization: appBasic },
        body: 'grant_type=client_credentials',
      }),
    )
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed.' })
    const short = createKeystone({ tokenExpirationSeconds: 60 })
    const ok = await short.handle(
      new Request(`${short.baseUrl}${TOKEN_PATH}`, {
        method: 'POST',
        headers: { 'Content-Type': FORM, Authorization: appBasic },
        body: 'grant_type=client_credentials',
      }),
    )
    expect((await ok.json()).expires_in).toBe(60)
  })

  it("bounds [token] expiration at 100 years, so a token validated on the mock clock's last day still has an expires_at", async () => {
    const keystone = createKeystone()
    await keystone.ready
    expect(() => keystone.options.set({ tokenExpirationSeconds: MAX_LIFETIME_SECONDS + 1 })).toThrow(
      'Failed to change the options of keystone: keystone.tokenExpirationSeconds must be at most 3155760000 (100 years) (got 3155760001)',
    )
    expect(keystone.options.get().tokenExpirationSeconds).toBe(3600)
    keystone.options.set({ tokenExpirationSeconds: MAX_LIFETIME_SECONDS })
    keystone.clock.set(Date.parse('9999-12-31T23:59:59Z'))
    const issued = await keystone.handle(
      new Request(`${keystone.baseUrl}${TOKEN_PATH}`, {
        method: 'POST',
        headers: { 'Content-Type': FORM, Authorization: appBasic },
        body: 'grant_type=client_credentials',
      }),
    )
    const { access_token: token } = await issued.json()
    const validated = await keystone.handle(new Request(`${keystone.baseUrl}/v3/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } }))
    expect(validated.status).toBe(200)
    // The mock clock runs on from the time set; ECMAScript's expanded years past 9999.
    expect((await validated.json()).token.expires_at).toMatch(/^\+010099-12-31T23:59:\d{2}\.\d{6}Z$/)
  })

  it('accepts percent-encoded Basic credentials when told to be lenient (PROVIDERS.md §6)', async () => {
    for (const [basicCredentials, status] of [
      ['raw', 401],
      ['lenient', 200],
    ] as const) {
      const keystone = createKeystone({ basicCredentials })
      const as: oauth.AuthorizationServer = { issuer: keystone.baseUrl, token_endpoint: `${keystone.baseUrl}${TOKEN_PATH}` }
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        { client_id: credential.id },
        oauth.ClientSecretBasic(credential.secret),
        {},
        {
          [oauth.customFetch]: (url, init) => keystone.handle(new Request(url, init as RequestInit)),
        },
      )
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
    // Answers held for headers seen before (the last one, and others) are the same answers.
    for (let i = 0; i < 3; i++) {
      expect(readWerkzeugBasic('Bearer x')).toBeUndefined()
      expect(readWerkzeugBasic('Basic YQ==')).toEqual({ username: 'a', password: '' })
      expect(readWerkzeugBasic('Basic YQ==')).toEqual({ username: 'a', password: '' })
      expect(readWerkzeugBasic('Basic YQ')).toBeUndefined()
      expect(readWerkzeugBasic('basic ' + Buffer.from('a:b:c').toString('base64'))).toEqual({ username: 'a', password: 'b:c' })
    }
  })
})
