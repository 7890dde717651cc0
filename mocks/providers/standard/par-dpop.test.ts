import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { authorizeCode, basicAuth, CONFIDENTIAL, exchangeCode, followAuthorization, pkcePair, PUBLIC } from '../../../test/support/standard.js'
import type { StandardRuntime } from './config.js'

const REDIRECT = 'http://127.0.0.1:53121/callback'

/** A DPoP key and a maker of proofs for it (RFC 9449 §4.2); `claims` overrides or removes (undefined) members. */
async function dpopKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = await exportJWK(publicKey)
  const jkt = await calculateJwkThumbprint(jwk)
  const proof = (
    htm: string,
    htu: string,
    options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey; accessToken?: string; iat?: number } = {},
  ) => {
    const claims: Record<string, unknown> = {
      htm,
      htu,
      jti: randomUUID(),
      ...(options.accessToken ? { ath: createHash('sha256').update(options.accessToken).digest('base64url') } : {}),
      ...options.claims,
    }
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k]
    const jwt = new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: jwk as JWK, ...options.header })
    if (options.iat !== undefined) jwt.setIssuedAt(options.iat)
    else jwt.setIssuedAt()
    return jwt.sign(options.key ?? privateKey)
  }
  return { jwk, jkt, proof }
}

describe.each(bothModes)('standard PAR (RFC 9126) and DPoP (RFC 9449) over $name', (mode) => {
  let running: Running<StandardRuntime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<StandardRuntime>('standard')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  /** A public client registered (RFC 7591) with the given metadata. */
  async function registerPublic(metadata: Record<string, unknown>): Promise<string> {
    const res = await request(base)
      .post('/register')
      .send({
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        ...metadata,
      })
    expect(res.status).toBe(201)
    return res.body.client_id
  }

  function authorizeQuery(clientId: string, challenge: string): Record<string, string> {
    return {
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid api:read',
      state: 's1',
      nonce: 'n1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      resource: `${base}/api`,
    }
  }

  it('discovery advertises PAR and DPoP; RFC 9728 metadata the DPoP algorithms', async () => {
    const m = (await request(base).get('/.well-known/openid-configuration')).body
    expect(m.pushed_authorization_request_endpoint).toBe(`${base}/par`)
    expect(m.require_pushed_authorization_requests).toBe(false)
    expect(m.dpop_signing_alg_values_supported).toEqual(['ES256', 'RS256', 'PS256', 'EdDSA'])
    const prm = (await request(base).get('/.well-known/oauth-protected-resource/api')).body
    expect(prm.dpop_signing_alg_values_supported).toEqual(['ES256', 'RS256', 'PS256', 'EdDSA'])
  })

  describe('pushed authorization requests', () => {
    it('takes a pushed request from an authenticated client and honours its request_uri once', async () => {
      const { verifier, challenge } = pkcePair()
      const { client_id: _c, ...query } = authorizeQuery(CONFIDENTIAL.clientId, challenge)
      const pushed = await request(base)
        .post('/par')
        .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
        .type('form')
        .send({ ...query, redirect_uri: CONFIDENTIAL.redirectUris[0] })
      expect(pushed.status).toBe(201)
      expect(pushed.headers['cache-control']).toBe('no-store')
      expect(Object.keys(pushed.body).sort()).toEqual(['expires_in', 'request_uri'])
      expect(pushed.body.expires_in).toBe(60)
      expect(pushed.body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:[\w-]{43}$/)
      const agent = browser(base)
      const authorizeUrl = `/authorize?${new URLSearchParams({ client_id: CONFIDENTIAL.clientId, request_uri: pushed.body.request_uri })}`
      const callback = await followAuthorization(agent, authorizeUrl)
      expect(callback.origin + callback.pathname).toBe(CONFIDENTIAL.redirectUris[0])
      expect(callback.searchParams.get('state')).toBe('s1')
      const token = await request(base)
        .post('/token')
        .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
        .type('form')
        .send({
          grant_type: 'authorization_code',
          code: callback.searchParams.get('code'),
          code_verifier: verifier,
          redirect_uri: CONFIDENTIAL.redirectUris[0],
        })
      expect(token.status).toBe(200)
      // The pushed `resource` made it to the token's audience.
      const api = await request(base).get('/api').set('Authorization', `Bearer ${token.body.access_token}`)
      expect(api.status).toBe(200)
      // Used once: the same request_uri is refused on the error page (no redirect URI to trust).
      const again = await agent.get(authorizeUrl)
      expect(again.status).toBe(400)
      expect(again.text).toContain('invalid_request_uri')
    })

    it('refuses, in JSON at the endpoint, what the authorization endpoint would refuse', async () => {
      const { challenge } = pkcePair()
      const query = authorizeQuery(PUBLIC.clientId, challenge)
      const plain = await request(base)
        .post('/par')
        .type('form')
        .send({ ...query, code_challenge_method: 'plain' })
      expect(plain.status).toBe(400)
      expect(plain.body).toEqual({
        error: 'invalid_request',
        error_description: 'The "code_challenge_method" must be S256; plain is not accepted (RFC 9700 §2.1.1).',
      })
      const nested = await request(base)
        .post('/par')
        .type('form')
        .send({ ...query, request_uri: 'urn:ietf:params:oauth:request_uri:x' })
      expect(nested.status).toBe(400)
      expect(nested.body).toEqual({ error: 'invalid_request', error_description: 'The "request_uri" parameter cannot be pushed (RFC 9126 §2.1).' })
      const badSecret = await request(base)
        .post('/par')
        .set('Authorization', basicAuth(CONFIDENTIAL.clientId, 'wrong'))
        .type('form')
        .send({ ...query, client_id: undefined })
      expect(badSecret.status).toBe(401)
      expect(badSecret.body.error).toBe('invalid_client')
      const otherClient = await request(base)
        .post('/par')
        .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
        .type('form')
        .send({ ...query, redirect_uri: CONFIDENTIAL.redirectUris[0] })
      expect(otherClient.status).toBe(400)
      expect(otherClient.body).toEqual({ error: 'invalid_request', error_description: 'The "client_id" parameter does not match the authenticated client.' })
      expect(running.provider.store.pushedRequests.collection.findMany()).toHaveLength(0)
    })

    it('refuses a request_uri of another client, an expired one, and one without client_id', async () => {
      const { challenge } = pkcePair()
      const pushed = await request(base).post('/par').type('form').send(authorizeQuery(PUBLIC.clientId, challenge))
      expect(pushed.status).toBe(201)
      const agent = browser(base)
      const foreign = await agent.get(`/authorize?${new URLSearchParams({ client_id: CONFIDENTIAL.clientId, request_uri: pushed.body.request_uri })}`)
      expect(foreign.status).toBe(400)
      expect(foreign.text).toContain('The &quot;request_uri&quot; is unknown, was already used, or was pushed by another client.')
      const noClient = await agent.get(`/authorize?${new URLSearchParams({ request_uri: pushed.body.request_uri })}`)
      expect(noClient.status).toBe(400)
      expect(noClient.text).toContain('The &quot;client_id&quot; parameter is missing; it accompanies &quot;request_uri&quot; (RFC 9126 §4).')
      running.provider.clock.advance(61)
      const expired = await agent.get(`/authorize?${new URLSearchParams({ client_id: PUBLIC.clientId, request_uri: pushed.body.request_uri })}`)
      expect(expired.status).toBe(400)
      expect(expired.text).toContain('The &quot;request_uri&quot; expired; push the request again.')
    })

    it('sends a client registered with require_pushed_authorization_requests back when it does not push', async () => {
      const clientId = await registerPublic({ require_pushed_authorization_requests: true })
      const { location } = await authorizeCode(browser(base), { client_id: clientId })
      expect(location.searchParams.get('error')).toBe('invalid_request')
      expect(location.searchParams.get('error_description')).toBe(
        'This client must push its authorization requests to the pushed_authorization_request_endpoint (RFC 9126).',
      )
      expect(location.searchParams.get('state')).toBe('state-123')
      const { challenge } = pkcePair()
      const pushed = await request(base).post('/par').type('form').send(authorizeQuery(clientId, challenge))
      expect(pushed.status).toBe(201)
      const callback = await followAuthorization(
        browser(base),
        `/authorize?${new URLSearchParams({ client_id: clientId, request_uri: pushed.body.request_uri })}`,
      )
      expect(callback.searchParams.get('code')).toBeTruthy()
      const bad = await request(base)
        .post('/register')
        .send({ redirect_uris: ['http://127.0.0.1/callback'], require_pushed_authorization_requests: 'yes' })
      expect(bad.status).toBe(400)
      expect(bad.body).toEqual({ error: 'invalid_client_metadata', error_description: '"require_pushed_authorization_requests" must be true or false.' })
    })
  })

  describe('DPoP', () => {
    async function codeFor(clientId = PUBLIC.clientId) {
      const { location, verifier } = await authorizeCode(browser(base), { client_id: clientId, scope: 'openid api:read', resource: `${base}/api` })
      return { code: location.searchParams.get('code')!, verifier }
    }

    it('with dpopNonce, asks for its nonce (use_dpop_nonce and DPoP-Nonce) at the token endpoint and the resource, then takes proofs carrying it', async () => {
      expect((await request(base).post('/__oauth-dance/options').send({ dpopNonce: true })).status).toBe(200)
      const key = await dpopKey()
      const { code, verifier } = await codeFor()
      const first = await exchangeCode(base, code, verifier).set('DPoP', await key.proof('POST', `${base}/token`))
      expect(first.status).toBe(400)
      expect(first.body).toEqual({
        error: 'use_dpop_nonce',
        error_description: 'The DPoP proof has no "nonce"; this server requires the one in the DPoP-Nonce header (RFC 9449 §8).',
      })
      const nonce = first.headers['dpop-nonce']
      expect(nonce).toMatch(/^[\w-]{32}$/)
      // The code was not spent on the refused request: the retry with the nonce redeems it.
      const res = await exchangeCode(base, code, verifier).set('DPoP', await key.proof('POST', `${base}/token`, { claims: { nonce } }))
      expect(res.status).toBe(200)
      expect(res.body.token_type).toBe('DPoP')
      const at = res.body.access_token

      const stale = await request(base)
        .get('/api')
        .set('Authorization', `DPoP ${at}`)
        .set('DPoP', await key.proof('GET', `${base}/api`, { accessToken: at, claims: { nonce: 'not-the-nonce' } }))
      expect(stale.status).toBe(401)
      expect(stale.headers['dpop-nonce']).toBe(nonce)
      expect(stale.headers['www-authenticate']).toBe(
        'DPoP error="use_dpop_nonce", error_description="The DPoP proof\'s \'nonce\' is not current; use the one in the DPoP-Nonce header (RFC 9449 section 8).", algs="ES256 RS256 PS256 EdDSA"',
      )
      const ok = await request(base)
        .get('/api')
        .set('Authorization', `DPoP ${at}`)
        .set('DPoP', await key.proof('GET', `${base}/api`, { accessToken: at, claims: { nonce } }))
      expect(ok.status).toBe(200)

      // A new nonce after its lifetime on the mock clock; the one it replaced still works, once more.
      running.provider.clock.advance(300)
      const renewed = await request(base)
        .get('/userinfo')
        .set('Authorization', `DPoP ${at}`)
        .set('DPoP', await key.proof('GET', `${base}/userinfo`, { accessToken: at, iat: Math.floor(running.provider.clock.nowMs() / 1000) }))
      expect(renewed.status).toBe(401)
      expect(renewed.headers['dpop-nonce']).not.toBe(nonce)
    })

    it('binds tokens to the proof key: token_type DPoP, cnf.jkt, and the resource takes them only as DPoP with a proof', async () => {
      const key = await dpopKey()
      const { code, verifier } = await codeFor()
      const res = await exchangeCode(base, code, verifier).set('DPoP', await key.proof('POST', `${base}/token`))
      expect(res.status).toBe(200)
      expect(res.body.token_type).toBe('DPoP')
      const at = res.body.access_token
      const introspected = await request(base)
        .post('/introspect')
        .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
        .type('form')
        .send({ token: at })
      expect(introspected.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } })

      const ok = await request(base)
        .get('/api/items?x=1')
        .set('Authorization', `DPoP ${at}`)
        .set('DPoP', await key.proof('GET', `${base}/api/items`, { accessToken: at }))
      expect(ok.status).toBe(200)

      const asBearer = await request(base).get('/api').set('Authorization', `Bearer ${at}`)
      expect(asBearer.status).toBe(401)
      expect(asBearer.body).toEqual({
        error: 'invalid_token',
        error_description: 'This access token is DPoP-bound: present it with "Authorization: DPoP" and a DPoP proof (RFC 9449 §7.1).',
      })

      const noProof = await request(base).get('/api').set('Authorization', `DPoP ${at}`)
      expect(noProof.status).toBe(401)
      expect(noProof.headers['www-authenticate']).toBe(
        'DPoP error="invalid_dpop_proof", error_description="The DPoP proof is missing: a DPoP-bound token needs a \'DPoP\' header (RFC 9449 section 7.1).", algs="ES256 RS256 PS256 EdDSA"',
      )
      expect(noProof.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'The DPoP proof is missing: a DPoP-bound token needs a "DPoP" header (RFC 9449 §7.1).',
      })

      const noAth = await request(base)
        .get('/api')
        .set('Authorization', `DPoP ${at}`)
        .set('DPoP', await key.proof('GET', `${base}/api`))
      expect(noAth.status).toBe(401)
      expect(noAth.body.error_description).toBe('The DPoP proof\'s "ath" is not the hash of the access token presented.')

      const other = await dpopKey()
      const otherKey = await request(base)
        .get('/api')
        .set('Authorization', `DPoP ${at}`)
        .set('DPoP', await other.proof('GET', `${base}/api`, { accessToken: at }))
      expect(otherKey.status).toBe(401)
      expect(otherKey.body.error_description).toBe('The DPoP proof was made with another key than the one the access token is bound to (RFC 9449 §7.1).')

      const info = await request(base)
        .get('/userinfo')
        .set('Authorization', `DPoP ${at}`)
        .set('DPoP', await key.proof('GET', `${base}/userinfo`, { accessToken: at }))
      expect(info.status).toBe(200)
      const infoBearer = await request(base).get('/userinfo').set('Authorization', `Bearer ${at}`)
      expect(infoBearer.status).toBe(401)
      expect(infoBearer.body.error).toBe('invalid_token')
    })

    it('refuses a bad proof at the token endpoint with invalid_dpop_proof, issuing nothing', async () => {
      const key = await dpopKey()
      const now = running.provider.clock.nowSeconds()
      const cases: Array<[string, Promise<string> | string]> = [
        ['The DPoP proof is not a JWT.', 'not-a-jwt'],
        ['The DPoP proof\'s "typ" must be dpop+jwt.', key.proof('POST', `${base}/token`, { header: { typ: 'JWT' } })],
        ['The DPoP proof\'s "htm" must be POST.', key.proof('GET', `${base}/token`)],
        [`The DPoP proof's "htu" must be ${base}/token.`, key.proof('POST', `${base}/other`)],
        ['The DPoP proof\'s "iat" must be within 60 seconds of the server\'s time.', key.proof('POST', `${base}/token`, { iat: now - 3600 })],
        ['The DPoP proof has no "jti".', key.proof('POST', `${base}/token`, { claims: { jti: undefined } })],
        [
          'The DPoP proof\'s signature does not verify with its "jwk".',
          key.proof('POST', `${base}/token`, { key: (await generateKeyPair('ES256')).privateKey }),
        ],
      ]
      for (const [description, proof] of cases) {
        const { code, verifier } = await codeFor()
        const res = await exchangeCode(base, code, verifier).set('DPoP', await proof)
        expect(res.status, description).toBe(400)
        expect(res.body, description).toEqual({ error: 'invalid_dpop_proof', error_description: description })
      }
      // A replayed proof (same jti) is refused.
      const proof = await key.proof('POST', `${base}/token`)
      const first = await codeFor()
      expect((await exchangeCode(base, first.code, first.verifier).set('DPoP', proof)).status).toBe(200)
      const second = await codeFor()
      const replay = await exchangeCode(base, second.code, second.verifier).set('DPoP', proof)
      expect(replay.status).toBe(400)
      expect(replay.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'The DPoP proof was already used ("jti" replay, RFC 9449 §11.1).' })
      expect(running.provider.store.tokens.collection.findMany()).toHaveLength(1)
    })

    it('requires a proof of a client registered with dpop_bound_access_tokens, and of the refresh of a bound public client', async () => {
      const clientId = await registerPublic({ dpop_bound_access_tokens: true })
      const { code, verifier } = await codeFor(clientId)
      const bearer = await exchangeCode(base, code, verifier, { client_id: clientId })
      expect(bearer.status).toBe(400)
      expect(bearer.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'This client is registered with "dpop_bound_access_tokens": its token requests need a DPoP proof (RFC 9449 §5.2).',
      })
      const key = await dpopKey()
      const bound = await exchangeCode(base, code, verifier, { client_id: clientId }).set('DPoP', await key.proof('POST', `${base}/token`))
      expect(bound.status).toBe(200)
      expect(bound.body.token_type).toBe('DPoP')
      const refresh = (dpop?: string) => {
        const req = request(base)
          .post('/token')
          .type('form')
          .send({ grant_type: 'refresh_token', refresh_token: bound.body.refresh_token, client_id: clientId })
        return dpop ? req.set('DPoP', dpop) : req
      }
      const other = await dpopKey()
      const wrongKey = await refresh(await other.proof('POST', `${base}/token`))
      expect(wrongKey.status).toBe(400)
      expect(wrongKey.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'The DPoP proof was made with another key than the one this refresh token is bound to (RFC 9449 §5.0).',
      })
      const refreshed = await refresh(await key.proof('POST', `${base}/token`))
      expect(refreshed.status).toBe(200)
      expect(refreshed.body.token_type).toBe('DPoP')
    })

    it('binds the code to dpop_jkt, or to the key of a proof sent with the push (RFC 9449 §10)', async () => {
      const key = await dpopKey()
      const other = await dpopKey()
      const { location, verifier } = await authorizeCode(browser(base), { dpop_jkt: key.jkt })
      const code = location.searchParams.get('code')!
      const unbound = await exchangeCode(base, code, verifier)
      expect(unbound.status).toBe(400)
      expect(unbound.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'The authorization code is bound to a DPoP key ("dpop_jkt"); send a DPoP proof made with it (RFC 9449 §10).',
      })
      const wrongKey = await exchangeCode(base, code, verifier).set('DPoP', await other.proof('POST', `${base}/token`))
      expect(wrongKey.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'The DPoP proof was made with another key than the one the authorization code is bound to ("dpop_jkt", RFC 9449 §10).',
      })
      expect((await exchangeCode(base, code, verifier).set('DPoP', await key.proof('POST', `${base}/token`))).status).toBe(200)
      const malformed = await authorizeCode(browser(base), { dpop_jkt: 'short' })
      expect(malformed.location.searchParams.get('error_description')).toBe(
        'The "dpop_jkt" parameter must be a base64url SHA-256 JWK thumbprint (RFC 9449 §10).',
      )

      const pkce = pkcePair()
      const mismatch = await request(base)
        .post('/par')
        .set('DPoP', await key.proof('POST', `${base}/par`))
        .type('form')
        .send({ ...authorizeQuery(PUBLIC.clientId, pkce.challenge), dpop_jkt: other.jkt })
      expect(mismatch.status).toBe(400)
      expect(mismatch.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'The "dpop_jkt" differs from the thumbprint of the DPoP proof\'s key (RFC 9449 §10.1).',
      })
      const pushed = await request(base)
        .post('/par')
        .set('DPoP', await key.proof('POST', `${base}/par`))
        .type('form')
        .send(authorizeQuery(PUBLIC.clientId, pkce.challenge))
      expect(pushed.status).toBe(201)
      const callback = await followAuthorization(
        browser(base),
        `/authorize?${new URLSearchParams({ client_id: PUBLIC.clientId, request_uri: pushed.body.request_uri })}`,
      )
      const pushedCode = callback.searchParams.get('code')!
      expect((await exchangeCode(base, pushedCode, pkce.verifier).set('DPoP', await other.proof('POST', `${base}/token`))).status).toBe(400)
      const bound = await exchangeCode(base, pushedCode, pkce.verifier).set('DPoP', await key.proof('POST', `${base}/token`))
      expect(bound.status).toBe(200)
      expect(bound.body.token_type).toBe('DPoP')
    })

    it('takes both requirements for clients added on the control path', async () => {
      const added = await request(base)
        .post('/__oauth-dance/clients')
        .send({
          id: 'strict-app',
          name: 'Strict',
          redirectUris: ['http://127.0.0.1/callback'],
          tokenEndpointAuthMethod: 'none',
          requirePushedAuthorizationRequests: true,
          dpopBoundAccessTokens: true,
        })
      expect(added.status).toBe(201)
      const direct = await authorizeCode(browser(base), { client_id: 'strict-app' })
      expect(direct.location.searchParams.get('error')).toBe('invalid_request')
      const pkce = pkcePair()
      const pushed = await request(base).post('/par').type('form').send(authorizeQuery('strict-app', pkce.challenge))
      const callback = await followAuthorization(
        browser(base),
        `/authorize?${new URLSearchParams({ client_id: 'strict-app', request_uri: pushed.body.request_uri })}`,
      )
      const bearer = await exchangeCode(base, callback.searchParams.get('code')!, pkce.verifier, { client_id: 'strict-app' })
      expect(bearer.status).toBe(400)
      expect(bearer.body.error).toBe('invalid_dpop_proof')
    })
  })
})
