import { createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose'
import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { ALICE, authorizeCode, basicAuth, CONFIDENTIAL, exchangeCode, PUBLIC, signIn } from '../../../test/support/standard.js'
import type { StandardRuntime } from './config.js'
import { halfHash } from './token.js'

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

describe.each(bothModes)('standard over $name', (mode) => {
  let running: Running<StandardRuntime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<StandardRuntime>('standard')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  const jwks = async () => createLocalJWKSet((await request(base).get('/jwks')).body)

  describe('discovery', () => {
    it('serves the same metadata at RFC 8414 and OIDC Discovery paths, naming only what the server does', async () => {
      const oidc = await request(base).get('/.well-known/openid-configuration')
      const oauth = await request(base).get('/.well-known/oauth-authorization-server')
      expect(oidc.status).toBe(200)
      expect(oauth.body).toEqual(oidc.body)
      const m = oidc.body
      expect(m.issuer).toBe(base)
      expect(m.authorization_endpoint).toBe(`${base}/authorize`)
      expect(m.token_endpoint).toBe(`${base}/token`)
      expect(m.code_challenge_methods_supported).toEqual(['S256'])
      expect(m.response_types_supported).toEqual(['code'])
      expect(m.authorization_response_iss_parameter_supported).toBe(true)
      expect(m.request_uri_parameter_supported).toBe(false)
      expect(m.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'])
      expect(m.id_token_signing_alg_values_supported).toEqual(['RS256', 'ES256', 'EdDSA'])
      expect(m.grant_types_supported).toEqual(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'])
      // Every advertised endpoint answers something other than 404.
      for (const key of [
        'authorization_endpoint',
        'token_endpoint',
        'jwks_uri',
        'userinfo_endpoint',
        'registration_endpoint',
        'revocation_endpoint',
        'introspection_endpoint',
        'device_authorization_endpoint',
      ]) {
        const url = new URL(m[key])
        const res =
          key === 'jwks_uri' || key === 'authorization_endpoint' || key === 'userinfo_endpoint'
            ? await request(base).get(url.pathname)
            : await request(base).post(url.pathname).type('form').send({})
        expect(res.status, key).not.toBe(404)
      }
      const keys = (await request(base).get('/jwks')).body.keys
      expect(keys.map((k: { alg: string }) => k.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256'])
      expect(keys.every((k: Record<string, unknown>) => k.kid && k.use === 'sig' && !('d' in k))).toBe(true)
    })

    it('answers unknown paths 404 and wrong methods 405 in JSON', async () => {
      const missing = await request(base).get('/nope')
      expect(missing.status).toBe(404)
      expect(missing.body.error).toBe('not_found')
      const wrong = await request(base).get('/token')
      expect(wrong.status).toBe(405)
      // OPTIONS is served for CORS preflights (cors.ts), so Allow lists it too (RFC 9110 §10.2.1).
      expect(wrong.headers.allow).toBe('POST, OPTIONS')
      expect(wrong.body).toEqual({ error: 'invalid_request', error_description: 'This endpoint accepts POST, OPTIONS.' })
    })
  })

  describe('authorization code with PKCE', () => {
    it('issues a code with state and iss to a loopback redirect on any port, then tokens with a valid ID token and UserInfo', async () => {
      const agent = browser(base)
      const { location, verifier } = await authorizeCode(agent)
      expect(location.origin + location.pathname).toBe('http://127.0.0.1:53121/callback')
      expect(location.searchParams.get('state')).toBe('state-123')
      expect(location.searchParams.get('iss')).toBe(base)
      const code = location.searchParams.get('code')!
      const res = await exchangeCode(base, code, verifier)
      expect(res.status).toBe(200)
      expect(res.headers).toMatchObject(NO_STORE)
      expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type'])
      expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email' })
      const { payload, protectedHeader } = await jwtVerify(res.body.id_token, await jwks(), { issuer: base, audience: PUBLIC.clientId })
      expect(protectedHeader.alg).toBe('RS256')
      expect(payload).toMatchObject({ sub: ALICE.id, nonce: 'nonce-456', at_hash: halfHash(res.body.access_token, 'RS256') })
      expect(typeof payload.auth_time).toBe('number')
      const info = await request(base).get('/userinfo').set('Authorization', `Bearer ${res.body.access_token}`)
      expect(info.status).toBe(200)
      expect(info.body).toEqual({
        sub: ALICE.id,
        name: 'Alice Example',
        given_name: 'Alice',
        family_name: 'Example',
        preferred_username: 'alice',
        email: 'alice@example.com',
        email_verified: true,
      })
    })

    it('skips consent once granted, shows it again for prompt=consent, and sends the denial back with iss', async () => {
      const agent = browser(base)
      await authorizeCode(agent)
      const again = await authorizeCode(agent)
      expect(again.location.searchParams.get('code')).toBeTruthy()
      expect(running.provider.journal.entries().some((e) => e.notes.consentSkipped)).toBe(true)
      const denied = await authorizeCode(agent, { prompt: 'consent' }, 'deny')
      expect(Object.fromEntries(denied.location.searchParams)).toEqual({
        error: 'access_denied',
        error_description: 'The user denied the request.',
        state: 'state-123',
        iss: base,
      })
    })

    it.each([
      ['plain', { code_challenge_method: 'plain' }, 'The "code_challenge_method" must be S256; plain is not accepted (RFC 9700 §2.1.1).'],
      ['no method', { code_challenge_method: undefined }, 'The "code_challenge_method" parameter is missing; this server requires S256 (RFC 9700 §2.1.1).'],
      ['no challenge', { code_challenge: undefined, code_challenge_method: undefined }, 'The "code_challenge" parameter is required (PKCE, RFC 7636).'],
      ['prompt=none with login', { prompt: 'none login' }, 'The prompt value "none" cannot be combined with other values.'],
      ['request object', { request: 'eyJ.x.y' }, 'Request objects ("request") are not supported.'],
      ['unknown resource', { resource: 'https://elsewhere.example/' }, undefined],
    ])('refuses %s with an error redirect carrying state and iss', async (_name, query, description) => {
      const { location } = await authorizeCode(browser(base), query)
      const params = Object.fromEntries(location.searchParams)
      expect(params.state).toBe('state-123')
      expect(params.iss).toBe(base)
      if (description) expect(params).toEqual({ error: params.error, error_description: description, state: 'state-123', iss: base })
      else expect(params.error).toBe('invalid_target')
      expect(params.error).toBe(_name === 'request object' ? 'request_not_supported' : _name === 'unknown resource' ? 'invalid_target' : 'invalid_request')
    })

    it('never redirects to an unregistered redirect URI: an error page instead', async () => {
      for (const redirect of [
        'https://app.example/callback/',
        'https://app.example:8443/callback',
        'http://localhost:53121/callback',
        'http://127.0.0.1:53121/other',
      ]) {
        const client = redirect.startsWith('https') ? CONFIDENTIAL.clientId : PUBLIC.clientId
        const res = await request(base).get('/authorize').query({ client_id: client, redirect_uri: redirect, response_type: 'code' })
        expect(res.status, redirect).toBe(400)
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
        expect(res.text).toContain('The &quot;redirect_uri&quot; does not match any redirect URI registered for this application.')
      }
    })

    it('prompt=none: login_required without a session, consent_required without a grant, a code with both', async () => {
      const noSession = await authorizeCode(browser(base), { prompt: 'none' })
      expect(noSession.location.searchParams.get('error')).toBe('login_required')
      const agent = browser(base)
      await signIn(agent)
      const noGrant = await authorizeCode(agent, { prompt: 'none' })
      expect(noGrant.location.searchParams.get('error')).toBe('consent_required')
      expect(noGrant.location.searchParams.get('iss')).toBe(base)
      await authorizeCode(agent)
      const silent = await authorizeCode(agent, { prompt: 'none' })
      expect(silent.location.searchParams.get('code')).toBeTruthy()
    })

    it('prompt=login and an exceeded max_age send a signed-in user to the login page again', async () => {
      const agent = browser(base)
      await authorizeCode(agent)
      const forced = await agent.get('/authorize').query({
        client_id: PUBLIC.clientId,
        redirect_uri: 'http://127.0.0.1:1/callback',
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
        prompt: 'login',
      })
      expect(forced.status).toBe(302)
      const returnTo = new URL(forced.headers.location).searchParams.get('return_to')!
      expect(returnTo).toMatch(/^\/authorize\?/)
      expect(new URLSearchParams(returnTo.split('?')[1]).get('prompt')).toBeNull()
      running.provider.clock.advance(120)
      const stale = await authorizeCode(agent, { max_age: '60', prompt: 'none' })
      expect(stale.location.searchParams.get('error')).toBe('login_required')
      const fresh = await authorizeCode(agent, { max_age: '300', prompt: 'none' })
      expect(fresh.location.searchParams.get('code')).toBeTruthy()
    })
  })

  describe('token endpoint', () => {
    it('refuses a wrong verifier, a wrong redirect URI, an expired code; a replayed code revokes what it issued', async () => {
      const agent = browser(base)
      const first = await authorizeCode(agent)
      const code = first.location.searchParams.get('code')!
      const wrong = await exchangeCode(base, code, 'a'.repeat(43))
      expect(wrong.status).toBe(400)
      expect(wrong.body).toEqual({ error: 'invalid_grant', error_description: 'The "code_verifier" does not match the code_challenge (RFC 7636 §4.6).' })
      const redirect = await exchangeCode(base, code, first.verifier, { redirect_uri: 'http://127.0.0.1:9/callback' })
      expect(redirect.body).toEqual({ error: 'invalid_grant', error_description: 'The "redirect_uri" differs from the one of the authorization request.' })
      const ok = await exchangeCode(base, code, first.verifier)
      expect(ok.status).toBe(200)
      const replay = await exchangeCode(base, code, first.verifier)
      expect(replay.status).toBe(400)
      expect(replay.body).toEqual({
        error: 'invalid_grant',
        error_description: 'The authorization code was already used; the tokens issued for it are revoked.',
      })
      expect((await request(base).get('/userinfo').set('Authorization', `Bearer ${ok.body.access_token}`)).status).toBe(401)

      const second = await authorizeCode(agent)
      running.provider.clock.advance(61)
      const expired = await exchangeCode(base, second.location.searchParams.get('code')!, second.verifier)
      expect(expired.body).toEqual({ error: 'invalid_grant', error_description: 'The authorization code expired.' })
    })

    it('rotates refresh tokens; reusing a rotated one revokes the whole family (RFC 9700 §4.14.2)', async () => {
      const { location, verifier } = await authorizeCode(browser(base))
      const first = (await exchangeCode(base, location.searchParams.get('code')!, verifier)).body
      const refresh = (token: string) =>
        request(base).post('/token').type('form').send({ grant_type: 'refresh_token', refresh_token: token, client_id: PUBLIC.clientId })
      const second = await refresh(first.refresh_token)
      expect(second.status).toBe(200)
      expect(second.body.refresh_token).not.toBe(first.refresh_token)
      const { payload } = await jwtVerify(second.body.id_token, await jwks(), { issuer: base, audience: PUBLIC.clientId })
      expect(payload.sub).toBe(ALICE.id)
      const reuse = await refresh(first.refresh_token)
      expect(reuse.status).toBe(400)
      expect(reuse.body).toEqual({
        error: 'invalid_grant',
        error_description: 'The refresh token was already used; every token of this grant is revoked (RFC 9700 §4.14.2).',
      })
      expect((await refresh(second.body.refresh_token)).body).toEqual({ error: 'invalid_grant', error_description: 'The refresh token was revoked.' })
      expect((await request(base).get('/userinfo').set('Authorization', `Bearer ${second.body.access_token}`)).status).toBe(401)
      expect((await refresh(second.body.refresh_token)).status).toBe(400)
    })

    it('refuses a refresh that widens the scope', async () => {
      const { location, verifier } = await authorizeCode(browser(base), { scope: 'openid' })
      const first = (await exchangeCode(base, location.searchParams.get('code')!, verifier)).body
      const wider = await request(base)
        .post('/token')
        .type('form')
        .send({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: PUBLIC.clientId, scope: 'openid email' })
      expect(wider.body).toEqual({ error: 'invalid_scope', error_description: 'The scope email was not granted; a refresh may only narrow the scope.' })
    })

    it('answers the grant-type and client errors of RFC 6749 §5.2 exactly', async () => {
      const post = (body: Record<string, string>, auth?: string) => {
        const req = request(base).post('/token').type('form')
        if (auth) req.set('Authorization', auth)
        return req.send(body)
      }
      expect((await post({})).body).toEqual({ error: 'invalid_request', error_description: 'The "grant_type" parameter is missing.' })
      expect((await post({ grant_type: 'password' })).body).toEqual({
        error: 'unsupported_grant_type',
        error_description:
          'The grant_type "password" is not supported (authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:device_code).',
      })
      const noAuth = await post({ grant_type: 'client_credentials' })
      expect(noAuth.status).toBe(401)
      expect(noAuth.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed: no client authentication included.' })
      const badSecret = await post({ grant_type: 'client_credentials' }, basicAuth(CONFIDENTIAL.clientId, 'wrong'))
      expect(badSecret.status).toBe(401)
      expect(badSecret.headers['www-authenticate']).toBe('Basic realm="standard"')
      const twice = await post(
        { grant_type: 'client_credentials', client_id: CONFIDENTIAL.clientId, client_secret: CONFIDENTIAL.clientSecret },
        basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret),
      )
      expect(twice.body).toEqual({
        error: 'invalid_request',
        error_description: 'The client used more than one authentication method (HTTP Basic, "client_secret"); RFC 6749 §2.3 allows one.',
      })
      const publicCc = await post({ grant_type: 'client_credentials', client_id: PUBLIC.clientId })
      expect(publicCc.body).toEqual({ error: 'unauthorized_client', error_description: 'This client is not registered for the client_credentials grant.' })
      const confidentialAsPublic = await post({ grant_type: 'client_credentials', client_id: CONFIDENTIAL.clientId })
      expect(confidentialAsPublic.status).toBe(401)
      expect(confidentialAsPublic.body).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed: this client is registered for client_secret_basic, not none.',
      })
    })

    it('decodes Basic credentials as RFC 6749 §2.3.1 says, and only so', async () => {
      await running.provider.store.clients.collection.create({
        clientId: 'id:with+chars',
        clientSecret: 'se cr%et+/=',
        name: 'Encoded',
        grantTypes: ['client_credentials'],
        createdAtMs: 0,
        meta: { token_endpoint_auth_method: 'client_secret_basic' },
      })
      const encoded = await request(base)
        .post('/token')
        .type('form')
        .set('Authorization', basicAuth('id:with+chars', 'se cr%et+/='))
        .send({ grant_type: 'client_credentials' })
      expect(encoded.status).toBe(200)
      const raw = await request(base)
        .post('/token')
        .type('form')
        .set('Authorization', `Basic ${Buffer.from('id:with+chars:se cr%et+/=').toString('base64')}`)
        .send({ grant_type: 'client_credentials' })
      expect(raw.status).toBe(401)
      const post = await request(base)
        .post('/token')
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: CONFIDENTIAL.clientId, client_secret: CONFIDENTIAL.clientSecret })
      expect(post.status).toBe(200)
      expect(post.body).toEqual({ access_token: post.body.access_token, token_type: 'Bearer', expires_in: 3600 })
    })

    it("grants client credentials only scopes that are not about a user and are the client's, or the server's for a client registered with none", async () => {
      for (const [clientId, scopes] of [
        ['cc-scoped', ['api:read', 'openid']],
        ['cc-any', []],
      ] as const)
        await running.provider.store.clients.collection.create({
          clientId,
          clientSecret: 'secret',
          name: clientId,
          scopes: [...scopes],
          grantTypes: ['client_credentials'],
          createdAtMs: 0,
          meta: { token_endpoint_auth_method: 'client_secret_basic' },
        })
      const ask = (clientId: string, scope: string) =>
        request(base).post('/token').type('form').set('Authorization', basicAuth(clientId, 'secret')).send({ grant_type: 'client_credentials', scope })
      const scoped = await ask('cc-scoped', 'openid api:read api:write')
      expect([scoped.status, scoped.body]).toEqual([
        400,
        { error: 'invalid_scope', error_description: 'The scope openid api:write is not available to the client_credentials grant.' },
      ])
      const any = await ask('cc-any', 'api:write profile nope api:read')
      expect(any.body).toEqual({ error: 'invalid_scope', error_description: 'The scope profile nope is not available to the client_credentials grant.' })
      const granted = await ask('cc-any', 'api:read api:write')
      expect([granted.status, granted.body.scope]).toEqual([200, 'api:read api:write'])
      expect((await ask('cc-scoped', 'api:read')).body.scope).toBe('api:read')
    })
  })

  describe('protected resource (RFC 9728, RFC 8707)', () => {
    it('answers 401 with resource_metadata until given a token issued for it', async () => {
      const resource = `${base}/api`
      const bare = await request(base).get('/api/things')
      expect(bare.status).toBe(401)
      expect(bare.headers['www-authenticate']).toBe(`Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/api"`)
      expect(bare.text).toBe('')
      const metadata = await request(base).get('/.well-known/oauth-protected-resource/api')
      expect(metadata.body).toEqual({
        resource,
        authorization_servers: [base],
        scopes_supported: ['api:read', 'api:write'],
        bearer_methods_supported: ['header'],
        dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
        resource_name: 'oauth-dance standard API',
      })
      const cc = (extra: Record<string, string>) =>
        request(base)
          .post('/token')
          .type('form')
          .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
          .send({ grant_type: 'client_credentials', scope: 'api:read', ...extra })
      const unbound = (await cc({})).body.access_token
      const wrongAudience = await request(base).get('/api/things').set('Authorization', `Bearer ${unbound}`)
      expect(wrongAudience.status).toBe(401)
      expect(wrongAudience.body).toEqual({
        error: 'invalid_token',
        error_description: 'The access token was not issued for this resource (its audience: none; RFC 8707).',
      })
      expect(wrongAudience.headers['www-authenticate']).toContain('error="invalid_token"')
      const bound = (await cc({ resource })).body.access_token
      const ok = await request(base).get('/api/things').set('Authorization', `Bearer ${bound}`)
      expect(ok.status).toBe(200)
      expect(ok.body).toMatchObject({ resource, path: '/api/things', client_id: CONFIDENTIAL.clientId, sub: null })
      const write = await request(base).post('/api/things').set('Authorization', `Bearer ${bound}`)
      expect(write.status).toBe(403)
      expect(write.body.error).toBe('insufficient_scope')
      expect((await cc({ resource: 'https://elsewhere.example/api' })).body).toEqual({
        error: 'invalid_target',
        error_description: `The "resource" https://elsewhere.example/api is not a resource this server issues tokens for (known: ${resource}).`,
      })
    })

    it('binds code-flow tokens to the resource named at authorization, and refuses another at the token endpoint', async () => {
      const resource = `${base}/api`
      const { location, verifier } = await authorizeCode(browser(base), { scope: 'openid api:read', resource })
      const tokens = await exchangeCode(base, location.searchParams.get('code')!, verifier, { resource })
      expect(tokens.status).toBe(200)
      expect((await request(base).get('/api').set('Authorization', `Bearer ${tokens.body.access_token}`)).status).toBe(200)
      const introspected = await request(base)
        .post('/introspect')
        .type('form')
        .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
        .send({ token: tokens.body.access_token })
      expect(introspected.body).toMatchObject({
        active: true,
        aud: resource,
        client_id: PUBLIC.clientId,
        sub: ALICE.id,
        scope: 'openid api:read',
        username: 'alice',
        iss: base,
      })
    })
  })

  describe('private_key_jwt (RFC 7523)', () => {
    it('registers a client with its keys, authenticates it by assertion, and refuses a replayed jti', async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }
      const registered = await request(base)
        .post('/register')
        .send({ token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: { keys: [jwk] }, client_name: 'Signer' })
      expect(registered.status).toBe(201)
      expect(registered.body.client_secret).toBeUndefined()
      const clientId = registered.body.client_id
      const assertion = (jti: string, aud = base) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setIssuer(clientId)
          .setSubject(clientId)
          .setAudience(aud)
          .setJti(jti)
          .setIssuedAt()
          .setExpirationTime('2m')
          .sign(privateKey)
      const send = async (jti: string, aud?: string) =>
        request(base)
          .post('/token')
          .type('form')
          .send({
            grant_type: 'client_credentials',
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: await assertion(jti, aud),
          })
      expect((await send('one')).status).toBe(200)
      const replay = await send('one')
      expect(replay.status).toBe(401)
      expect(replay.body).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed: the client assertion was already used ("jti" replay, RFC 7523 §3).',
      })
      const wrongAud = await send('two', 'https://other.example')
      expect(wrongAud.body).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed: the client assertion was refused: its "aud" claim is invalid (check_failed).',
      })
      expect((await send('three', `${base}/token`)).status).toBe(200)
      const secret = await request(base).post('/token').type('form').send({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'x' })
      expect(secret.status).toBe(401)
    })
  })

  describe('device authorization grant (RFC 8628)', () => {
    it('answers for a scripted user (device-user control): a slow_down first, then the decision once its time has come', async () => {
      const poll = (deviceCode: string) =>
        request(base)
          .post('/token')
          .type('form')
          .send({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: PUBLIC.clientId })
      const start = async () =>
        (await request(base).post('/device_authorization').type('form').send({ client_id: PUBLIC.clientId, scope: 'openid' })).body.device_code as string
      expect((await request(base).post('/__oauth-dance/device-user').send({ decision: 'approve', afterSeconds: 20, slowDown: true })).body).toEqual({
        decision: 'approve',
        afterSeconds: 20,
        slowDown: true,
      })
      const approved = await start()
      expect((await poll(approved)).body).toEqual({ error: 'slow_down', error_description: 'Polling too fast: wait at least 10 seconds between requests.' })
      running.provider.clock.advance(10)
      expect((await poll(approved)).body.error).toBe('authorization_pending')
      running.provider.clock.advance(10)
      expect(Object.keys((await poll(approved)).body)).toContain('access_token')

      await request(base).post('/__oauth-dance/device-user').send({ decision: 'deny' })
      const denied = await start()
      expect((await poll(denied)).body).toEqual({ error: 'access_denied', error_description: 'The user denied the request.' })

      const refused = await request(base).post('/__oauth-dance/device-user').send({ decision: 'maybe' })
      expect(refused.status).toBe(400)
      expect(refused.body).toEqual({ error: '"decision" must be one of approve, deny, none' })
      expect((await request(base).post('/__oauth-dance/device-user').send({ decision: 'none', afterSeconds: -1 })).body).toEqual({
        error: '"afterSeconds" must be an integer of seconds from 0 to 86400',
      })
    })

    it('polls pending, slows down, and issues tokens once the user allows on the verification page', async () => {
      const started = await request(base).post('/device_authorization').type('form').send({ client_id: PUBLIC.clientId, scope: 'openid profile' })
      expect(started.status).toBe(200)
      expect(started.body).toMatchObject({ verification_uri: `${base}/device`, expires_in: 600, interval: 5 })
      expect(started.body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/)
      const poll = () =>
        request(base)
          .post('/token')
          .type('form')
          .send({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: started.body.device_code, client_id: PUBLIC.clientId })
      expect((await poll()).body).toEqual({ error: 'authorization_pending', error_description: 'The user has not completed the authorization yet.' })
      expect((await poll()).body).toEqual({ error: 'slow_down', error_description: 'Polling too fast: wait at least 10 seconds between requests.' })
      running.provider.clock.advance(10)
      expect((await poll()).body.error).toBe('authorization_pending')

      const agent = browser(base)
      const anonymous = await agent.get(`/device?user_code=${started.body.user_code}`)
      expect(anonymous.status).toBe(302)
      await signIn(agent)
      const page = await agent.get(`/device?user_code=${started.body.user_code.toLowerCase()}`)
      expect(page.status).toBe(200)
      expect(page.text).toContain('Example Native App')
      const csrf = /name="authenticity_token" value="([^"]+)"/.exec(page.text)![1]
      const forged = await agent.post('/device').type('form').send({ user_code: started.body.user_code, decision: 'authorize' })
      expect(forged.status).toBe(403)
      const decided = await agent.post('/device').type('form').send({ authenticity_token: csrf, user_code: started.body.user_code, decision: 'authorize' })
      expect(decided.text).toContain('Device connected')
      running.provider.clock.advance(10)
      const tokens = await poll()
      expect(tokens.status).toBe(200)
      expect(decodeJwt(tokens.body.id_token).sub).toBe(ALICE.id)
      running.provider.clock.advance(10)
      expect((await poll()).body).toEqual({ error: 'invalid_grant', error_description: 'The device code was already used.' })
    })

    it('stops with access_denied and expired_token', async () => {
      const start = async () => (await request(base).post('/device_authorization').type('form').send({ client_id: PUBLIC.clientId })).body
      const poll = (deviceCode: string) =>
        request(base)
          .post('/token')
          .type('form')
          .send({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode, client_id: PUBLIC.clientId })
      const denied = await start()
      const agent = browser(base)
      await signIn(agent)
      const page = await agent.get(`/device?user_code=${denied.user_code}`)
      const csrf = /name="authenticity_token" value="([^"]+)"/.exec(page.text)![1]
      await agent.post('/device').type('form').send({ authenticity_token: csrf, user_code: denied.user_code, decision: 'deny' })
      expect((await poll(denied.device_code)).body).toEqual({ error: 'access_denied', error_description: 'The user denied the request.' })
      const late = await start()
      running.provider.clock.advance(601)
      expect((await poll(late.device_code)).body).toEqual({
        error: 'expired_token',
        error_description: 'The device code expired; start a new device authorization request.',
      })
      const wrongCode = await agent.get('/device?user_code=ZZZZ-ZZZZ')
      expect(wrongCode.status).toBe(400)
      expect(wrongCode.text).toContain('That code is not valid, or was already used.')
    })
  })

  describe('revocation (RFC 7009) and introspection (RFC 7662)', () => {
    it('revokes a refresh token with its grant, answers 200 for unknown tokens, and introspects inactive ones as active: false', async () => {
      const { location, verifier } = await authorizeCode(browser(base))
      const tokens = (await exchangeCode(base, location.searchParams.get('code')!, verifier)).body
      const introspect = (token: string) =>
        request(base).post('/introspect').type('form').set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret)).send({ token })
      expect((await introspect(tokens.refresh_token)).body).toMatchObject({ active: true, token_type: 'refresh_token' })
      const revoke = (token: string, extra: Record<string, string> = {}) =>
        request(base)
          .post('/revoke')
          .type('form')
          .send({ token, client_id: PUBLIC.clientId, ...extra })
      expect((await revoke('unknown')).status).toBe(200)
      expect((await revoke(tokens.refresh_token, { token_type_hint: 'bogus' })).body).toEqual({
        error: 'unsupported_token_type',
        error_description: 'The token_type_hint "bogus" is not supported (access_token, refresh_token).',
      })
      const revoked = await revoke(tokens.refresh_token, { token_type_hint: 'refresh_token' })
      expect(revoked.status).toBe(200)
      expect(revoked.text).toBe('')
      expect((await introspect(tokens.refresh_token)).body).toEqual({ active: false })
      expect((await introspect(tokens.access_token)).body).toEqual({ active: false })
      const publicIntrospect = await request(base).post('/introspect').type('form').send({ token: tokens.access_token, client_id: PUBLIC.clientId })
      expect(publicIntrospect.status).toBe(401)
      expect(publicIntrospect.body).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed: public clients cannot use this endpoint.',
      })
    })
  })

  describe('dynamic client registration (RFC 7591)', () => {
    it('registers at most maxRegisteredClients, a count from 1 to 10000, until a reset', async () => {
      const options = () => request(base).post('/__oauth-dance/options')
      for (const [value, problem] of [
        [0, 'must be a positive integer (got 0)'],
        [10_001, 'must be at most 10000 (got 10001)'],
        ['5', 'must be a number (got "5")'],
      ] as const) {
        const refused = await options().send({ maxRegisteredClients: value })
        expect(refused.status).toBe(400)
        expect(refused.body).toEqual({ error: `Failed to change the options of standard: standard.maxRegisteredClients ${problem}` })
      }
      expect((await options().send({ maxRegisteredClients: 2 })).status).toBe(200)
      const register = () =>
        request(base)
          .post('/register')
          .send({ redirect_uris: ['https://rp.example/cb'] })
      expect((await register()).status).toBe(201)
      expect((await register()).status).toBe(201)
      const full = await register()
      expect(full.status).toBe(400)
      expect(full.body).toEqual({
        error: 'invalid_request',
        error_description: 'This server holds at most 2 registered clients; reset it (POST /__oauth-dance/reset) to register more.',
      })
    })

    it('registers a confidential client that then completes the code flow', async () => {
      const res = await request(base)
        .post('/register')
        .send({
          redirect_uris: ['https://rp.example/cb'],
          grant_types: ['authorization_code', 'refresh_token'],
          client_name: 'RP',
          scope: 'openid email',
          unknown_member: 1,
        })
      expect(res.status).toBe(201)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.body).toMatchObject({
        client_name: 'RP',
        redirect_uris: ['https://rp.example/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret_expires_at: 0,
        scope: 'openid email',
      })
      expect(res.body.unknown_member).toBeUndefined()
      const { location, verifier } = await authorizeCode(browser(base), {
        client_id: res.body.client_id,
        redirect_uri: 'https://rp.example/cb',
        scope: 'openid email',
      })
      const tokens = await request(base)
        .post('/token')
        .type('form')
        .set('Authorization', basicAuth(res.body.client_id, res.body.client_secret))
        .send({ grant_type: 'authorization_code', code: location.searchParams.get('code'), code_verifier: verifier, redirect_uri: 'https://rp.example/cb' })
      expect(tokens.status).toBe(200)
      expect(tokens.body.refresh_token).toBeTruthy()
    })

    it.each([
      [
        { redirect_uris: ['http://rp.example/cb'] },
        'invalid_redirect_uri',
        'The redirect URI http://rp.example/cb uses http on a host that is not loopback; use https (RFC 9700 §2.6).',
      ],
      [{ redirect_uris: ['https://rp.example/cb#x'] }, 'invalid_redirect_uri', 'The redirect URI https://rp.example/cb#x has a fragment (RFC 6749 §3.1.2).'],
      [{}, 'invalid_redirect_uri', '"redirect_uris" is required for the authorization_code grant.'],
      [
        { redirect_uris: ['https://rp.example/cb'], token_endpoint_auth_method: 'tls_client_auth' },
        'invalid_client_metadata',
        '"token_endpoint_auth_method" must be one of client_secret_basic, client_secret_post, private_key_jwt, none.',
      ],
      [
        { redirect_uris: ['https://rp.example/cb'], grant_types: ['implicit'] },
        'invalid_client_metadata',
        'The grant type "implicit" is not supported (authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:device_code).',
      ],
      [
        { token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'] },
        'invalid_client_metadata',
        '"private_key_jwt" needs the client\'s public keys in "jwks".',
      ],
      [
        { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
        'invalid_client_metadata',
        'A public client ("token_endpoint_auth_method": "none") cannot use client_credentials.',
      ],
    ])('refuses %j with %s', async (metadata, error, description) => {
      const res = await request(base).post('/register').send(metadata)
      expect(res.status).toBe(400)
      expect(res.body).toEqual({ error, error_description: description })
      expect(running.provider.store.clients.size).toBe(2)
    })
  })

  describe('UserInfo', () => {
    it('answers a signed JWT to a client registered with userinfo_signed_response_alg, and 401/403 without a fit token', async () => {
      const registered = (
        await request(base)
          .post('/register')
          .send({ redirect_uris: ['https://rp.example/cb'], userinfo_signed_response_alg: 'ES256', token_endpoint_auth_method: 'none' })
      ).body
      const { location, verifier } = await authorizeCode(browser(base), {
        client_id: registered.client_id,
        redirect_uri: 'https://rp.example/cb',
        scope: 'openid email',
      })
      const tokens = (
        await request(base)
          .post('/token')
          .type('form')
          .send({
            grant_type: 'authorization_code',
            code: location.searchParams.get('code'),
            code_verifier: verifier,
            redirect_uri: 'https://rp.example/cb',
            client_id: registered.client_id,
          })
      ).body
      const info = await request(base)
        .get('/userinfo')
        .set('Authorization', `Bearer ${tokens.access_token}`)
        .buffer(true)
        .parse((res, done) => {
          let text = ''
          res.on('data', (chunk: Buffer) => (text += chunk))
          res.on('end', () => done(null, text))
        })
      expect(info.headers['content-type']).toBe('application/jwt')
      const { payload, protectedHeader } = await jwtVerify(info.body as string, await jwks(), { issuer: base, audience: registered.client_id })
      expect(protectedHeader.alg).toBe('ES256')
      expect(payload).toMatchObject({ sub: ALICE.id, email: 'alice@example.com', email_verified: true })
      const none = await request(base).get('/userinfo')
      expect(none.status).toBe(401)
      expect(none.headers['www-authenticate']).toBe(`Bearer realm="${base}"`)
      const cc = (
        await request(base)
          .post('/token')
          .type('form')
          .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
          .send({ grant_type: 'client_credentials' })
      ).body
      const noOpenid = await request(base).get('/userinfo').set('Authorization', `Bearer ${cc.access_token}`)
      expect(noOpenid.status).toBe(403)
      expect(noOpenid.body.error).toBe('insufficient_scope')
    })
  })

  describe('broken ID tokens', () => {
    it('breaks the next ID token once (control), or every one while a broken-token fault is on the token endpoint', async () => {
      const idToken = async () => {
        const { location, verifier } = await authorizeCode(browser(base))
        return (await exchangeCode(base, location.searchParams.get('code')!, verifier)).body.id_token as string
      }
      const armed = await request(base).post('/__oauth-dance/break-next-id-token').send({ kind: 'wrong-nonce' })
      expect(armed.body).toEqual({ kind: 'wrong-nonce' })
      expect(decodeJwt(await idToken()).nonce).toBe('not-the-nonce-the-client-sent')
      expect(decodeJwt(await idToken()).nonce).toBe('nonce-456')
      expect((await request(base).post('/__oauth-dance/break-next-id-token').send({ kind: 'nope' })).body.error).toMatch(
        /^"kind" must be one of expired, wrong-issuer, wrong-audience, .*, wrong-nonce, missing-nonce, future-iat, unexpected-azp, wrong-at-hash$/,
      )
      await request(base)
        .post('/__oauth-dance/faults')
        .send({ route: 'standard.token', times: 'always', action: { type: 'broken-token', kind: 'alg-none' } })
      expect((await idToken()).endsWith('.')).toBe(true)
      expect(JSON.parse(Buffer.from((await idToken()).split('.')[0], 'base64url').toString())).toEqual({ alg: 'none', typ: 'JWT' })
    })
  })

  describe('runtime clients, users and options (control paths)', () => {
    it('adds a public client and a user that complete the code flow, and changes the token lifetime', async () => {
      const added = await request(base)
        .post('/__oauth-dance/clients')
        .send({ id: 'cli-app', name: 'CLI', redirectUris: ['http://127.0.0.1/cb'], tokenEndpointAuthMethod: 'none' })
      expect(added.status).toBe(201)
      expect(added.body).toMatchObject({ id: 'cli-app', secret: '', redirectUris: ['http://127.0.0.1/cb'] })
      expect((await request(base).post('/__oauth-dance/users').send({ username: 'bob', password: 'pw', email: 'bob@example.com' })).status).toBe(201)
      expect((await request(base).post('/__oauth-dance/options').send({ accessTokenTtlSeconds: 60 })).status).toBe(200)
      const { location, verifier } = await authorizeCode(browser(base), { client_id: 'cli-app', redirect_uri: 'http://127.0.0.1:5000/cb' })
      const tokens = await request(base)
        .post('/token')
        .type('form')
        .send({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code'),
          code_verifier: verifier,
          redirect_uri: 'http://127.0.0.1:5000/cb',
          client_id: 'cli-app',
        })
      expect(tokens.body.expires_in).toBe(60)
      const bad = await request(base).post('/__oauth-dance/options').send({ idTokenSigningAlg: 'HS256' })
      expect(bad.status).toBe(400)
      expect(bad.body.error).toContain('idTokenSigningAlg')
    })
  })

  describe('signing keys', () => {
    it('rotates and retires keys over the control path; ID tokens follow the new key', async () => {
      const before = (await request(base).get('/jwks')).body.keys.map((k: { kid: string }) => k.kid)
      const rotated = await request(base).post('/__oauth-dance/rotate-key').send({ retirePrevious: false })
      expect(rotated.status).toBe(200)
      expect(rotated.body.alg).toBe('RS256')
      const after = (await request(base).get('/jwks')).body.keys.map((k: { kid: string }) => k.kid)
      expect(after).toEqual([rotated.body.kid, ...before])
      const { location, verifier } = await authorizeCode(browser(base))
      const tokens = (await exchangeCode(base, location.searchParams.get('code')!, verifier)).body
      const { protectedHeader } = await jwtVerify(tokens.id_token, await jwks())
      expect(protectedHeader.kid).toBe(rotated.body.kid)
      const oldRsa = before.find((kid: string) => kid !== rotated.body.kid && running.provider.store.keys.jwks.includes(`"kid":"${kid}","alg":"RS256"`))
      const retired = await request(base).post('/__oauth-dance/retire-key').send({ kid: oldRsa })
      expect(retired.body).toEqual({ retired: true, published: after.filter((k: string) => k !== oldRsa) })
      expect((await request(base).post('/__oauth-dance/retire-key').send({ kid: rotated.body.kid })).body).toEqual({
        error: `key "${rotated.body.kid}" is the RS256 signing key; rotate it first`,
      })
      expect((await request(base).post('/__oauth-dance/rotate-key').send({ alg: 'HS256' })).body).toEqual({ error: '"alg" must be one of RS256, ES256, EdDSA' })
      // Bounded: at most five keys of an algorithm stay published.
      for (let i = 0; i < 6; i++) await request(base).post('/__oauth-dance/rotate-key').send({ alg: 'ES256' })
      const algs = (await request(base).get('/jwks')).body.keys.map((k: { alg: string }) => k.alg)
      expect(algs.filter((a: string) => a === 'ES256')).toHaveLength(5)
    })
  })
})

describe('standard with ES256 and EdDSA ID tokens', () => {
  it.each(['ES256', 'EdDSA'] as const)('%s: signs ID tokens with the chosen algorithm and at_hash by its hash', async (alg) => {
    const { inProcess } = await import('../../../test/support/modes.js')
    const running = await inProcess.start<StandardRuntime>('standard', { idTokenSigningAlg: alg } as never)
    try {
      const base = running.baseUrl
      const { location, verifier } = await authorizeCode(browser(base))
      const tokens = (await exchangeCode(base, location.searchParams.get('code')!, verifier)).body
      const { protectedHeader, payload } = await jwtVerify(tokens.id_token, createLocalJWKSet((await request(base).get('/jwks')).body), { issuer: base })
      expect(protectedHeader.alg).toBe(alg)
      expect(payload.at_hash).toBe(halfHash(tokens.access_token, alg))
    } finally {
      await running.close()
    }
  })
})
