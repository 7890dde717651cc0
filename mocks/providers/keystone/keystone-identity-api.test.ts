import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { keystoneFixtures as f } from '../../../fixtures/keystone.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { KeystoneRuntime } from './config.js'
import { FORM, credential, basic, appBasic, AUTH_REQUIRED, REQUEST_ID, keystoneSuite } from '../../../test/support/keystone-suite.js'

describe.each(bothModes)('Keystone over $name', (mode) => {
  const suite = keystoneSuite(mode)
  const { expectKeystoneHeaders, expectOAuth2Error, expectIdentityError, postToken, oauth2Token, passwordToken } = suite
  let running: Running<KeystoneRuntime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

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
      expect(res.body.version).toMatchObject({
        id: 'v2.1',
        status: 'CURRENT',
        min_version: '2.1',
        links: [
          { rel: 'self', href: `${base}/v2.1/` },
          { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
        ],
      })
    })
  })

  describe('the compute-like API behind keystonemiddleware’s oauth2_token filter', () => {
    it('accepts only Authorization: Bearer, with the scheme compared literally', async () => {
      const token = await oauth2Token()
      for (const headers of [
        {},
        { Authorization: `bearer ${token}` },
        { Authorization: `BEARER ${token}` },
        { 'X-Auth-Token': token },
        { Authorization: 'Bearer ' },
        { Authorization: 'Bearer not-a-token' },
        { Authorization: appBasic },
      ]) {
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
        .send({
          auth: {
            identity: { methods: ['password'], password: { user: { id: f.user.id, password: f.user.password } } },
            scope: { project: { id: f.user.defaultProjectId } },
          },
        })
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
      const res = await request(base)
        .post('/v3/auth/tokens')
        .send({ auth: { identity: { methods: ['application_credential'], application_credential: { id: credential.id, secret: credential.secret } } } })
      expect(res.status).toBe(201)
      expect(res.body.token.application_credential).toEqual({ id: credential.id, name: credential.name, restricted: true })
      const byName = await request(base)
        .post('/v3/auth/tokens')
        .send({
          auth: {
            identity: {
              methods: ['application_credential'],
              application_credential: { name: credential.name, user: { id: f.user.id }, secret: credential.secret },
            },
          },
        })
      expect(byName.status).toBe(201)
      expectIdentityError(
        await request(base)
          .post('/v3/auth/tokens')
          .send({ auth: { identity: { methods: ['application_credential'], application_credential: { id: 'f'.repeat(32), secret: 'x' } } } }),
        404,
        'Not Found',
        `Could not find Application Credential: ${'f'.repeat(32)}.`,
      )
      expectIdentityError(
        await request(base)
          .post('/v3/auth/tokens')
          .send({ auth: { identity: { methods: ['application_credential'], application_credential: { id: credential.id, secret: 'x' } } } }),
        401,
        'Unauthorized',
        AUTH_REQUIRED,
      )
    })

    it('refuses bad passwords, unknown users, foreign projects and unsupported methods with 401', async () => {
      const password = (user: object, scope?: object) =>
        request(base)
          .post('/v3/auth/tokens')
          .send({ auth: { identity: { methods: ['password'], password: { user } }, ...(scope ? { scope } : {}) } })
      expectIdentityError(await password({ id: f.user.id, password: 'nope' }), 401, 'Unauthorized', AUTH_REQUIRED)
      expectIdentityError(await password({ id: 'nobody', password: 'demo' }), 401, 'Unauthorized', AUTH_REQUIRED)
      expectIdentityError(await password({ name: 'demo', domain: { id: 'elsewhere' }, password: 'demo' }), 401, 'Unauthorized', AUTH_REQUIRED)
      expectIdentityError(
        await password({ id: f.user.id, password: 'demo' }, { project: { id: f.mtlsUser.defaultProjectId } }),
        401,
        'Unauthorized',
        AUTH_REQUIRED,
      )
      expectIdentityError(
        await request(base)
          .post('/v3/auth/tokens')
          .send({ auth: { identity: { methods: ['totp'] } } }),
        401,
        'Unauthorized',
        'Attempted to authenticate with an unsupported method.',
      )
    })

    it('refuses malformed requests with 400', async () => {
      const expecting = (attribute: string, target: string) =>
        `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`
      expectIdentityError(
        await request(base).post('/v3/auth/tokens').set('Content-Type', FORM).send('auth=1'),
        400,
        'Bad Request',
        expecting('application/json', 'Content-Type header'),
      )
      expectIdentityError(
        await request(base).post('/v3/auth/tokens').set('Content-Type', 'application/json').send('{"auth":'),
        400,
        'Bad Request',
        expecting('valid JSON', 'request body'),
      )
      expectIdentityError(await request(base).post('/v3/auth/tokens').send([1]), 400, 'Bad Request', "Invalid input for field '': [1] is not of type 'object'")
      expectIdentityError(
        await request(base).post('/v3/auth/tokens').send({}),
        400,
        'Bad Request',
        "Invalid input for field 'auth': 'auth' is a required property",
      )
      expectIdentityError(
        await request(base).post('/v3/auth/tokens').send({ auth: {} }),
        400,
        'Bad Request',
        "Invalid input for field 'auth': 'identity' is a required property",
      )
      expectIdentityError(
        await request(base)
          .post('/v3/auth/tokens')
          .send({ auth: { identity: { methods: [] } } }),
        400,
        'Bad Request',
        "Invalid input for field 'auth/identity/methods': 'methods' must be a non-empty array of strings",
      )
      expectIdentityError(
        await request(base)
          .post('/v3/auth/tokens')
          .send({ auth: { identity: { methods: ['password'] } } }),
        400,
        'Bad Request',
        expecting('password', 'identity'),
      )
      expectIdentityError(
        await request(base)
          .post('/v3/auth/tokens')
          .send({ auth: { identity: { methods: ['password'], password: { user: { password: 'x' } } } } }),
        400,
        'Bad Request',
        expecting('id or name', 'user'),
      )
      expectIdentityError(
        await request(base)
          .post('/v3/auth/tokens')
          .send({ auth: { identity: { methods: ['password'], password: { user: { id: f.user.id } } } } }),
        400,
        'Bad Request',
        expecting('password', 'user'),
      )
    })

    it('validates only with a live X-Auth-Token and the caller’s own subject token', async () => {
      const own = await passwordToken()
      const other = await passwordToken(f.mtlsUser)
      expectIdentityError(await request(base).get('/v3/auth/tokens').set('X-Subject-Token', own), 401, 'Unauthorized', AUTH_REQUIRED)
      expectIdentityError(
        await request(base).get('/v3/auth/tokens').set('X-Auth-Token', 'bogus').set('X-Subject-Token', own),
        401,
        'Unauthorized',
        AUTH_REQUIRED,
      )
      expectIdentityError(
        await request(base).get('/v3/auth/tokens').set('X-Auth-Token', own),
        400,
        'Bad Request',
        'Expecting to find X-Subject-Token in header. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
      )
      expectIdentityError(
        await request(base).get('/v3/auth/tokens').set('X-Auth-Token', own).set('X-Subject-Token', 'gAAAAABnope'),
        404,
        'Not Found',
        'Could not find token: gAAAAABnope.',
      )
      expectIdentityError(
        await request(base).get('/v3/auth/tokens').set('X-Auth-Token', own).set('X-Subject-Token', other),
        403,
        'Forbidden',
        'You are not authorized to perform the requested action: identity:validate_token.',
      )
    })

    it('revokes a token with DELETE', async () => {
      const token = await passwordToken()
      const gone = await request(base).delete('/v3/auth/tokens').set('X-Auth-Token', token).set('X-Subject-Token', token)
      expect(gone.status).toBe(204)
      expect(gone.text ?? '').toBe('')
      expectIdentityError(
        await request(base).get('/v3/auth/tokens').set('X-Auth-Token', token).set('X-Subject-Token', token),
        401,
        'Unauthorized',
        AUTH_REQUIRED,
      )
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
      expectOAuth2Error(
        await postToken('grant_type=client_credentials', { Authorization: basic(made.id, made.secret) }),
        404,
        'other_error',
        'An unknown error occurred and failed to get an OAuth2.0 access token.',
      )
      expectIdentityError(
        await request(base).get(`${path}/${made.id}`).set('X-Auth-Token', auth),
        404,
        'Not Found',
        `Could not find Application Credential: ${made.id}.`,
      )
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
      expectOAuth2Error(
        await postToken('grant_type=client_credentials', { Authorization: basic(created.body.application_credential.id, 'my-own-secret') }),
        401,
        'invalid_client',
        AUTH_REQUIRED,
      )
      // The token ended with the credential, though expires_in said 3600.
      expectIdentityError(await request(base).get('/v2.1/servers').set('Authorization', `Bearer ${token}`), 401, 'Unauthorized', AUTH_REQUIRED, base)
    })

    it('refuses without a token, for another user, and with a restricted application credential token', async () => {
      expectIdentityError(await request(base).get(path), 401, 'Unauthorized', AUTH_REQUIRED)
      const mtlsUserToken = await passwordToken(f.mtlsUser)
      expectIdentityError(
        await request(base).get(path).set('X-Auth-Token', mtlsUserToken),
        403,
        'Forbidden',
        'You are not authorized to perform the requested action: identity:list_application_credentials.',
      )
      expectIdentityError(
        await request(base)
          .post(path)
          .set('X-Auth-Token', mtlsUserToken)
          .send({ application_credential: { name: 'x' } }),
        403,
        'Forbidden',
        'You are not authorized to perform the requested action: identity:create_application_credential.',
      )
      const appToken = (
        await request(base)
          .post('/v3/auth/tokens')
          .send({ auth: { identity: { methods: ['application_credential'], application_credential: { id: credential.id, secret: credential.secret } } } })
      ).headers['x-subject-token']
      expectIdentityError(
        await request(base)
          .post(path)
          .set('X-Auth-Token', appToken)
          .send({ application_credential: { name: 'x' } }),
        403,
        'Forbidden',
        "Using method 'application_credential' is not allowed for managing additional application credentials.",
      )
    })

    it('validates the body: 400 for bad fields, 409 for a duplicate name, 403 for a role not held', async () => {
      const auth = await passwordToken()
      const create = (body: unknown) =>
        request(base)
          .post(path)
          .set('X-Auth-Token', auth)
          .send(body as object)
      expectIdentityError(
        await create({}),
        400,
        'Bad Request',
        "Invalid input for field 'application_credential': 'application_credential' is a required property",
      )
      expectIdentityError(
        await create({ application_credential: { name: '' } }),
        400,
        'Bad Request',
        "Invalid input for field 'application_credential/name': 'name' must be a string of 1 to 255 characters",
      )
      expectIdentityError(
        await create({ application_credential: { name: 'x', colour: 'red' } }),
        400,
        'Bad Request',
        "Invalid input for field 'application_credential': Additional properties are not allowed ('colour' was unexpected)",
      )
      expectIdentityError(
        await create({ application_credential: { name: 'x', unrestricted: 'yes' } }),
        400,
        'Bad Request',
        `Invalid input for field 'application_credential/unrestricted': "yes" is not of type 'boolean'`,
      )
      expectIdentityError(
        await create({ application_credential: { name: 'x', expires_at: 'soon' } }),
        400,
        'Bad Request',
        `Invalid input for field 'application_credential/expires_at': "soon" is not a 'date-time'`,
      )
      expectIdentityError(
        await create({ application_credential: { name: 'x', expires_at: '2001-01-01T00:00:00Z' } }),
        400,
        'Bad Request',
        'Invalid application credential: The expiration time is in the past.',
      )
      expectIdentityError(
        await create({ application_credential: { name: 'x', roles: [{ name: 'admin' }] } }),
        403,
        'Forbidden',
        'You are not authorized to perform the requested action: roles admin are not held by the token.',
      )
      expectIdentityError(
        await create({ application_credential: { name: credential.name } }),
        409,
        'Conflict',
        `Conflict occurred attempting to store application_credential - Duplicate name, ${credential.name}.`,
      )
      expectIdentityError(
        await request(base).post(path).set('X-Auth-Token', auth).set('Content-Type', 'text/plain').send('name=x'),
        400,
        'Bad Request',
        expect.stringContaining('application/json') as never,
      )
    })
  })
})
