import fc from 'fast-check'
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { setupServer } from 'msw/node'
import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cogoKeys } from '../../../fixtures/cogo-keys.js'
import { cogoFixtures } from '../../../fixtures/cogo.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { CogoRuntime } from './config.js'
import { createCogo } from '../../index.js'
import { BROKEN_COGO_TOKEN_KINDS, mintBrokenCogoToken, mintCogoToken, retireCogoKey, rotateCogoSigningKey, type BrokenCogoTokenKind } from './index.js'

const client = cogoFixtures.client
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
const CLIENT_BASIC = basic(client.clientId, client.clientSecret)
const AUDIENCE = 'https://api.cogo.co'
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

const TOKEN_HEADERS = {
  'content-type': 'application/json;charset=UTF-8',
  'cache-control': 'no-cache, no-store, max-age=0, must-revalidate',
  pragma: 'no-cache',
  expires: '0',
}

/** Why the API refused each broken token, as the journal records it: each is refused for its own defect. */
const REJECTION: Record<BrokenCogoTokenKind, string> = {
  expired: 'ERR_JWT_EXPIRED: "exp" claim timestamp check failed',
  'wrong-issuer': 'ERR_JWT_CLAIM_VALIDATION_FAILED: unexpected "iss" claim value',
  'wrong-audience': 'ERR_JWT_CLAIM_VALIDATION_FAILED: unexpected "aud" claim value',
  'bad-signature': 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature verification failed',
  'tampered-payload': 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature verification failed',
  'unknown-kid': 'ERR_KEY: no published key has kid "unknown-kid-0000000000"',
  'missing-kid': 'ERR_KEY: the token has no kid',
  'missing-exp': 'ERR_JWT_CLAIM_VALIDATION_FAILED: missing required "exp" claim',
  'alg-none': 'ERR_JOSE_ALG_NOT_ALLOWED: "alg" (Algorithm) Header Parameter value not allowed',
  'alg-hs256': 'ERR_JOSE_ALG_NOT_ALLOWED: "alg" (Algorithm) Header Parameter value not allowed',
  'not-a-jwt': 'ERR_JWS_INVALID: Invalid Compact JWS',
}

function expectTokenError(res: request.Response, error: string, status = 400) {
  expect(res.status).toBe(status)
  expect(res.text).toBe(JSON.stringify({ error }))
  expect(res.headers).toMatchObject(TOKEN_HEADERS)
  expect(res.headers['www-authenticate']).toBeUndefined()
}

function expectForbidden(res: request.Response) {
  expect(res.status).toBe(403)
  expect(res.text).toBe('{"message":"Forbidden"}')
  expect(res.headers['content-type']).toBe('application/json')
  expect(res.headers['www-authenticate']).toBeUndefined()
}

function expectApiError(res: request.Response, status: number, message: string) {
  expect(res.status).toBe(status)
  expect(res.body).toEqual({ message })
  expect(res.headers['content-type']).toBe('application/json')
}

describe.each(bothModes)('Cogo over $name', (mode) => {
  let running: Running<CogoRuntime>
  let auth: string
  let api: string
  let cogo: CogoRuntime
  beforeAll(async () => {
    running = await mode.start<CogoRuntime>('cogo')
    cogo = running.provider
    auth = running.origins.auth
    api = running.origins.api
  })
  afterAll(() => running.close())
  beforeEach(() => cogo.reset())

  const lastNotes = () => cogo.journal.entries().at(-1)!.notes

  /** The document's curl: `--user client_id:client_secret --data 'grant_type=client_credentials'`. */
  function requestToken() {
    return request(auth).post('/oauth2/token').set('Authorization', CLIENT_BASIC).type('form').send('grant_type=client_credentials')
  }

  async function token(): Promise<string> {
    const res = await requestToken()
    expect(res.status).toBe(200)
    return res.body.access_token
  }

  const categories = (value: string) => request(api).get('/api/v2/categories').set('Authorization', value)

  describe("the document's examples, only the host changed", () => {
    it('issues exactly the documented token response to the curl token request', async () => {
      const res = await requestToken()
      expect(res.status).toBe(200)
      expect(res.headers).toMatchObject(TOKEN_HEADERS)
      expect(Object.keys(res.body)).toEqual(['access_token', 'expires_in', 'token_type'])
      expect(res.body).toEqual({ access_token: expect.stringMatching(JWT), expires_in: 3600, token_type: 'Bearer' })
      expect(lastNotes()).toMatchObject({
        clientAuthMethod: 'client_secret_basic',
        clientId: client.clientId,
        grantType: 'client_credentials',
        kid: cogoKeys.primary.kid,
      })
    })

    it("shapes the JWT like the document's sample, living one hour as the text says", async () => {
      const before = cogo.clock.nowSeconds()
      const jwt = await token()
      expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'RS256', typ: 'JWT', kid: cogoKeys.primary.kid })
      const claims = decodeJwt(jwt)
      expect(Object.keys(claims)).toEqual(['iss', 'sub', 'aud', 'iat', 'exp', 'azp', 'gty'])
      expect(claims).toEqual({
        iss: `${auth}/`,
        sub: `${client.clientId}@clients`,
        aud: AUDIENCE,
        iat: expect.any(Number),
        exp: claims.iat! + 3600,
        azp: client.clientId,
        gty: 'client-credentials',
      })
      expect(claims.iat).toBeGreaterThanOrEqual(before)
      expect(claims.iat).toBeLessThanOrEqual(cogo.clock.nowSeconds())
      // RSA-2048: a 256-byte signature, as in the sample.
      expect(Buffer.from(jwt.split('.')[2], 'base64url')).toHaveLength(256)
    })

    it('issues a token a client verifies with jose against the published JWKS', async () => {
      const jwt = await token()
      const jwksUri = new URL('/.well-known/jwks.json', `${auth}/`)
      const { payload, protectedHeader } = await jwtVerify(jwt, createRemoteJWKSet(jwksUri), { issuer: `${auth}/`, audience: AUDIENCE, algorithms: ['RS256'] })
      expect(protectedHeader.kid).toBe(cogoKeys.primary.kid)
      expect(payload.sub).toBe(`${client.clientId}@clients`)

      const jwks = await request(auth).get('/.well-known/jwks.json')
      expect(jwks.status).toBe(200)
      expect(jwks.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(jwks.headers['cache-control']).toBe('public, max-age=60')
      const { kid, n, e } = cogoKeys.primary
      expect(jwks.body).toEqual({ keys: [{ alg: 'RS256', kty: 'RSA', use: 'sig', n, e, kid }] })
      expect(jwks.text).not.toContain('"d"')
    })

    it('answers the curl categories call with the Bearer header', async () => {
      const res = await categories(`Bearer ${await token()}`)
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('application/json')
      expect(res.body).toEqual({
        data: cogoFixtures.categories.map(({ id, name, sector }) => ({ id, name, sector })),
        total: 7,
        limit: 50,
        offset: 0,
      })
      expect(lastNotes()).toMatchObject({ clientId: client.clientId })
    })

    it('lets a token expire after exactly one hour of the mock clock, and a new one can be requested', async () => {
      const jwt = await token()
      // From the token's own iat, not "now + 3599 s": the clock follows real time, and a JWT counts whole seconds (RFC 7519 §2),
      // so a second boundary passed since issuance would make "one hour" end early.
      cogo.clock.set((decodeJwt(jwt).iat! + 3599) * 1000)
      expect((await categories(`Bearer ${jwt}`)).status).toBe(200)
      cogo.clock.advance(1)
      expectForbidden(await categories(`Bearer ${jwt}`))
      expect(lastNotes().tokenRejected).toBe(REJECTION.expired)
      expect((await categories(`Bearer ${await token()}`)).status).toBe(200)
    })
  })

  describe('token endpoint errors (Cognito: HTTP 400, {"error": code}, no challenge)', () => {
    const form = (body: string, authorization: string | null = CLIENT_BASIC) => {
      const req = request(auth).post('/oauth2/token').type('form')
      if (authorization !== null) req.set('Authorization', authorization)
      return req.send(body)
    }

    it('refuses a request without client authentication', async () => {
      expectTokenError(await form('grant_type=client_credentials', null), 'invalid_client')
    })

    it('refuses credentials in the body: HTTP Basic only', async () => {
      const body = `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}`
      expectTokenError(await form(body, null), 'invalid_client')
      expect(cogo.journal.entries().at(-1)!.error).toMatchObject({ error: 'invalid_client', detail: 'client_secret_post not allowed' })
    })

    it('refuses Basic and a body secret together (two methods, RFC 6749 §2.3)', async () => {
      expectTokenError(await form(`grant_type=client_credentials&client_secret=${client.clientSecret}`), 'invalid_request')
    })

    it('accepts a body client_id that repeats the Basic one, and refuses one that differs', async () => {
      expect((await form(`grant_type=client_credentials&client_id=${client.clientId}`)).status).toBe(200)
      expectTokenError(await form('grant_type=client_credentials&client_id=someone-else'), 'invalid_request')
    })

    it('refuses a wrong secret, an unknown client, an empty secret and a malformed or non-Basic header', async () => {
      expectTokenError(await form('grant_type=client_credentials', basic(client.clientId, 'wrong')), 'invalid_client')
      expectTokenError(await form('grant_type=client_credentials', basic(client.clientId, `${client.clientSecret}x`)), 'invalid_client')
      expectTokenError(await form('grant_type=client_credentials', basic('unknown-client', client.clientSecret)), 'invalid_client')
      expectTokenError(await form('grant_type=client_credentials', basic(client.clientId, '')), 'invalid_client')
      expectTokenError(await form('grant_type=client_credentials', 'Basic not*base64'), 'invalid_client')
      expectTokenError(await form('grant_type=client_credentials', `Basic ${Buffer.from('no-colon').toString('base64')}`), 'invalid_client')
      expectTokenError(await form('grant_type=client_credentials', `Bearer ${client.clientSecret}`), 'invalid_client')
    })

    it('requires grant_type, once, and only client_credentials', async () => {
      expectTokenError(await form(''), 'invalid_request')
      expectTokenError(await form('grant_type='), 'invalid_request')
      expectTokenError(await form('scope=x'), 'invalid_request')
      expectTokenError(await form('grant_type=client_credentials&grant_type=client_credentials'), 'invalid_request')
      expectTokenError(await form('grant_type=authorization_code&code=abc'), 'unsupported_grant_type')
      expectTokenError(await form('grant_type=password&username=a&password=b'), 'unsupported_grant_type')
      expectTokenError(await form('grant_type=CLIENT_CREDENTIALS'), 'unsupported_grant_type')
      // The grant type is checked before the client, as the core's order has it.
      expectTokenError(await form('grant_type=password', basic('unknown', 'x')), 'unsupported_grant_type')
    })

    it('ignores parameters it does not know (scope, audience)', async () => {
      const res = await form(`grant_type=client_credentials&scope=read&audience=${encodeURIComponent('https://elsewhere')}`)
      expect(res.status).toBe(200)
      expect(decodeJwt(res.body.access_token).aud).toBe(AUDIENCE)
    })

    it('requires application/x-www-form-urlencoded, with or without a charset', async () => {
      const send = (type: string | null, body: string) => {
        const req = request(auth).post('/oauth2/token').set('Authorization', CLIENT_BASIC)
        if (type !== null) req.set('Content-Type', type)
        return req.send(body)
      }
      expect((await send('application/x-www-form-urlencoded; charset=UTF-8', 'grant_type=client_credentials')).status).toBe(200)
      expectTokenError(await send('application/json', '{"grant_type":"client_credentials"}'), 'invalid_request')
      expectTokenError(await send('text/plain', 'grant_type=client_credentials'), 'invalid_request')
      expectTokenError(
        await send('multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--x--\r\n'),
        'invalid_request',
      )
      expectTokenError(await send('application/json', '{not json'), 'invalid_request')
    })

    it('refuses a body without a Content-Type', async () => {
      const res = await fetch(`${auth}/oauth2/token`, {
        method: 'POST',
        headers: { Authorization: CLIENT_BASIC },
        body: new TextEncoder().encode('grant_type=client_credentials'),
      })
      expect(res.status).toBe(400)
      expect(await res.text()).toBe('{"error":"invalid_request"}')
      expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8')
    })

    it('answers an oversized body 413 in the same format', async () => {
      expectTokenError(await form(`grant_type=client_credentials&pad=${'a'.repeat(70 * 1024)}`), 'invalid_request', 413)
    })

    it('refuses a client not allowed the client credentials grant with unauthorized_client', async () => {
      await cogo.store.clients.collection.create({
        clientId: 'code-only',
        clientSecret: 's3cret',
        name: 'Code only',
        grantTypes: ['authorization_code'],
        createdAtMs: cogo.clock.nowMs(),
      })
      expectTokenError(await form('grant_type=client_credentials', basic('code-only', 's3cret')), 'unauthorized_client')
    })

    it('answers another method 405 with Allow: POST', async () => {
      const res = await request(auth).get('/oauth2/token')
      expectTokenError(res, 'invalid_request', 405)
      expect(res.headers.allow).toBe('POST')
    })

    it('never answers arbitrary bodies and headers with a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ maxLength: 200 }),
          fc.constantFrom(CLIENT_BASIC, 'Basic', 'Basic =', `Basic ${'A'.repeat(300)}`, 'Negotiate x', ''),
          async (body, authorization) => {
            const req = request(auth).post('/oauth2/token').type('form')
            if (authorization) req.set('Authorization', authorization)
            const res = await req.send(body)
            expect([200, 400]).toContain(res.status)
            expect(res.headers['content-type']).toBe('application/json;charset=UTF-8')
            if (res.status === 400) expect(Object.keys(res.body)).toEqual(['error'])
          },
        ),
        { numRuns: 40 },
      )
    })
  })

  describe('the API refuses anything but a valid token with 403', () => {
    it('refuses a missing, empty or non-Bearer Authorization header, and a token in the query', async () => {
      expectForbidden(await request(api).get('/api/v2/categories'))
      expect(lastNotes().tokenRejected).toBe('no Authorization header')
      expectForbidden(await categories('Bearer'))
      expectForbidden(await categories('Bearer '))
      expectForbidden(await categories(CLIENT_BASIC))
      expect(lastNotes().tokenRejected).toBe('the Authorization header is not "Bearer <token>"')
      const jwt = await token()
      expectForbidden(await categories(`Token ${jwt}`))
      expectForbidden(await categories(jwt))
      expectForbidden(await categories(`Bearer ${jwt} extra`))
      expectForbidden(await request(api).get(`/api/v2/categories?access_token=${jwt}`))
    })

    it('accepts the scheme in any case (RFC 7235) but notes one other than "Bearer" for the conformance report', async () => {
      const res = await categories(`bearer ${await token()}`)
      expect(res.status).toBe(200)
      expect(lastNotes().bearerScheme).toBe('bearer')
    })

    it('accepts a token minted by the helper as the endpoint would mint it (so the broken ones fail for their defect)', async () => {
      const res = await categories(`Bearer ${await mintCogoToken(cogo)}`)
      expect(res.status).toBe(200)
    })

    it.each(BROKEN_COGO_TOKEN_KINDS)('refuses a %s token', async (kind) => {
      expectForbidden(await categories(`Bearer ${await mintBrokenCogoToken(cogo, kind)}`))
      expect(lastNotes().tokenRejected).toBe(REJECTION[kind])
    })

    it('checks the token on every API path and method before anything else', async () => {
      expectForbidden(await request(api).get('/api/v2/categories/groceries'))
      expectForbidden(await request(api).post('/api/v2/footprints').send({ category_id: 'groceries', amount: 1 }))
      expectForbidden(await request(api).get('/api/v2/nothing-here'))
      expectForbidden(await request(api).delete('/api/v2/categories'))
      expectForbidden(await request(api).get('/'))
    })

    it('does not accept the token on the auth origin as an API', async () => {
      const res = await request(auth)
        .get('/api/v2/categories')
        .set('Authorization', `Bearer ${await token()}`)
      expect(res.status).toBe(404)
      expect(res.text).toBe('{"error":"not_found"}')
    })
  })

  describe('API resources (invented beyond the categories call)', () => {
    let bearer: string
    beforeEach(async () => {
      bearer = `Bearer ${await token()}`
    })

    it('pages the categories with limit and offset', async () => {
      const res = await request(api).get('/api/v2/categories?limit=2&offset=3').set('Authorization', bearer)
      expect(res.status).toBe(200)
      expect(res.body).toEqual({
        data: [
          { id: 'public-transport', name: 'Public transport', sector: 'Transport' },
          { id: 'flights', name: 'Flights', sector: 'Travel' },
        ],
        total: 7,
        limit: 2,
        offset: 3,
      })
      const past = await request(api).get('/api/v2/categories?offset=7').set('Authorization', bearer)
      expect(past.body).toEqual({ data: [], total: 7, limit: 50, offset: 7 })
    })

    it.each([
      ['limit=0', '"limit" must be an integer from 1 to 100.'],
      ['limit=101', '"limit" must be an integer from 1 to 100.'],
      ['limit=abc', '"limit" must be an integer from 1 to 100.'],
      ['limit=1.5', '"limit" must be an integer from 1 to 100.'],
      ['limit=', '"limit" must be an integer from 1 to 100.'],
      ['offset=-1', '"offset" must be an integer from 0 to 1000000.'],
      ['offset=99999999999999999999', '"offset" must be an integer from 0 to 1000000.'],
      ['limit=1&limit=2', 'The "limit" parameter was included more than once.'],
    ])('refuses the query %s with 400', async (query, message) => {
      expectApiError(await request(api).get(`/api/v2/categories?${query}`).set('Authorization', bearer), 400, message)
    })

    it('shows one category with its emission factor, and 404 for an unknown one', async () => {
      const res = await request(api).get('/api/v2/categories/fuel').set('Authorization', bearer)
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ data: { id: 'fuel', name: 'Fuel', sector: 'Transport', emission_factor: { value: 2.1, unit: 'kgCO2e/GBP' } } })
      expectApiError(await request(api).get('/api/v2/categories/nope').set('Authorization', bearer), 404, 'Category "nope" not found.')
      expectApiError(await request(api).get('/api/v2/categories/%E2%9C%93').set('Authorization', bearer), 404, 'Category "✓" not found.')
    })

    it('estimates a footprint', async () => {
      const res = await request(api).post('/api/v2/footprints').set('Authorization', bearer).send({ category_id: 'groceries', amount: 42.5, currency: 'GBP' })
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ data: { category_id: 'groceries', amount: 42.5, currency: 'GBP', co2e: { value: 19.125, unit: 'kg' } } })
      const defaulted = await request(api).post('/api/v2/footprints').set('Authorization', bearer).send({ category_id: 'flights', amount: 0 })
      expect(defaulted.body).toEqual({ data: { category_id: 'flights', amount: 0, currency: 'GBP', co2e: { value: 0, unit: 'kg' } } })
    })

    it.each([
      [{ amount: 1 }, '"category_id" must be a non-empty string.'],
      [{ category_id: '', amount: 1 }, '"category_id" must be a non-empty string.'],
      [{ category_id: 7, amount: 1 }, '"category_id" must be a non-empty string.'],
      [{ category_id: 'fuel' }, '"amount" must be a non-negative number.'],
      [{ category_id: 'fuel', amount: '12' }, '"amount" must be a non-negative number.'],
      [{ category_id: 'fuel', amount: -1 }, '"amount" must be a non-negative number.'],
      [{ category_id: 'fuel', amount: 1, currency: 'USD' }, '"currency" must be "GBP": the sandbox prices emission factors in GBP only.'],
      [{ category_id: 'fuel', amount: 1, currency: null }, '"currency" must be "GBP": the sandbox prices emission factors in GBP only.'],
      [{ category_id: 'caviar', amount: 1 }, '"category_id" names no category: "caviar".'],
    ])('refuses the footprint %j with 400', async (body, message) => {
      expectApiError(await request(api).post('/api/v2/footprints').set('Authorization', bearer).send(body), 400, message)
    })

    it('refuses footprint bodies that are not a JSON object', async () => {
      const post = (type: string, body: string) => request(api).post('/api/v2/footprints').set('Authorization', bearer).set('Content-Type', type).send(body)
      expectApiError(await post('text/plain', '{"category_id":"fuel","amount":1}'), 415, 'The request body must be application/json.')
      expectApiError(await post('application/x-www-form-urlencoded', 'category_id=fuel&amount=1'), 415, 'The request body must be application/json.')
      expectApiError(await post('application/json', '{"category_id":'), 400, 'The request body is not valid JSON.')
      expectApiError(await post('application/json', ''), 400, 'The request body is not valid JSON.')
      expectApiError(await post('application/json', '[1,2]'), 400, 'The request body must be a JSON object.')
      expectApiError(await post('application/json', 'null'), 400, 'The request body must be a JSON object.')
      const oversized = JSON.stringify({ category_id: 'fuel', amount: 1, pad: 'a'.repeat(70 * 1024) })
      expectApiError(await post('application/json', oversized), 413, 'The request body exceeds the limit of 65536 bytes.')
    })

    it('answers an unknown path 404 and a wrong method 405 with Allow, once the token is valid', async () => {
      expectApiError(await request(api).get('/api/v2/emissions').set('Authorization', bearer), 404, 'Not Found')
      expectApiError(await request(api).get('/').set('Authorization', bearer), 404, 'Not Found')
      const wrong = await request(api).put('/api/v2/categories').set('Authorization', bearer).send({})
      expectApiError(wrong, 405, 'Method Not Allowed')
      expect(wrong.headers.allow).toBe('GET, HEAD')
      const footprints = await request(api).get('/api/v2/footprints').set('Authorization', bearer)
      expectApiError(footprints, 405, 'Method Not Allowed')
      expect(footprints.headers.allow).toBe('POST')
    })

    it('answers HEAD like GET, without a body', async () => {
      const res = await request(api).head('/api/v2/categories').set('Authorization', bearer)
      expect(res.status).toBe(200)
      expect(res.text ?? '').toBe('')
      const refused = await request(api).head('/api/v2/categories')
      expect(refused.status).toBe(403)
      expect(refused.headers['content-type']).toBe('application/json')
    })
  })

  describe('key rotation', () => {
    const jwksKids = async () => ((await request(auth).get('/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((k) => k.kid)

    it('signs with the new key, keeps the previous one published, and refuses old tokens once it is retired', async () => {
      const old = await token()
      const { kid, published } = await rotateCogoSigningKey(cogo)
      expect(kid).toBe(cogoKeys.next.kid)
      expect(published).toEqual([cogoKeys.next.kid, cogoKeys.primary.kid])
      expect(await jwksKids()).toEqual([cogoKeys.next.kid, cogoKeys.primary.kid])

      const fresh = await token()
      expect(decodeProtectedHeader(fresh).kid).toBe(cogoKeys.next.kid)
      expect((await categories(`Bearer ${old}`)).status).toBe(200)
      expect((await categories(`Bearer ${fresh}`)).status).toBe(200)
      await jwtVerify(fresh, createRemoteJWKSet(new URL('/.well-known/jwks.json', `${auth}/`)), { issuer: `${auth}/`, audience: AUDIENCE })

      expect(await retireCogoKey(cogo, cogoKeys.primary.kid)).toBe(true)
      expect(await retireCogoKey(cogo, cogoKeys.primary.kid)).toBe(false)
      await expect(retireCogoKey(cogo, cogoKeys.next.kid)).rejects.toThrow(/it is the signing key/)
      expect(await jwksKids()).toEqual([cogoKeys.next.kid])
      expectForbidden(await categories(`Bearer ${old}`))
      expect(lastNotes().tokenRejected).toBe(`ERR_KEY: no published key has kid "${cogoKeys.primary.kid}"`)
      expect((await categories(`Bearer ${fresh}`)).status).toBe(200)
    })

    it('can retire the previous key at once, generate further keys, and goes back to the primary key on reset', async () => {
      const old = await token()
      await rotateCogoSigningKey(cogo)
      const third = await rotateCogoSigningKey(cogo, { retirePrevious: true })
      expect(third.kid).toMatch(/^[A-Za-z0-9_-]{21}$/)
      expect(third.kid).not.toBe(cogoKeys.next.kid)
      expect(await jwksKids()).toEqual([third.kid])
      expectForbidden(await categories(`Bearer ${old}`))
      const fresh = await token()
      expect(decodeProtectedHeader(fresh).kid).toBe(third.kid)
      expect((await categories(`Bearer ${fresh}`)).status).toBe(200)

      await cogo.reset()
      expect(await jwksKids()).toEqual([cogoKeys.primary.kid])
      expect((await categories(`Bearer ${old}`)).status).toBe(200)
      expectForbidden(await categories(`Bearer ${fresh}`))
    })
  })

  describe('the rest of the auth origin', () => {
    it('answers an unknown path 404 and a wrong method on the JWKS 405', async () => {
      const missing = await request(auth).get('/oauth/token')
      expect(missing.status).toBe(404)
      expect(missing.text).toBe('{"error":"not_found"}')
      const wrong = await request(auth).post('/.well-known/jwks.json')
      expectTokenError(wrong, 'invalid_request', 405)
      expect(wrong.headers.allow).toBe('GET, HEAD')
    })

    it('describes itself in the serve --json shape of DESIGN.md', () => {
      expect(cogo.describe()).toEqual({
        baseUrl: auth,
        apiBaseUrl: api,
        tokenEndpoint: `${auth}/oauth2/token`,
        jwksUri: `${auth}/.well-known/jwks.json`,
        issuer: `${auth}/`,
        audience: AUDIENCE,
        clients: [{ id: client.clientId, secret: client.clientSecret, name: client.name, redirectUris: [], scopes: [] }],
        users: [],
      })
    })

    it('serves the control paths on both origins', async () => {
      const advanced = await request(api).post('/__oauth-dance/clock').send({ advance: 3600 })
      expect(advanced.status).toBe(200)
      expect(Math.abs(cogo.clock.nowMs() - Date.now() - 3_600_000)).toBeLessThan(60_000)
      expect((await request(auth).post('/__oauth-dance/reset')).status).toBe(200)
      expect((await request(auth).get('/__oauth-dance/provider')).body.apiBaseUrl).toBe(api)
    })
  })
})

describe('Cogo in-process: the document’s production hosts', () => {
  const cogo = createCogo()
  const server = setupServer(...cogo.handlers)
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterAll(() => server.close())
  beforeEach(() => cogo.reset())

  const tokenFrom = async (authBase: string) => {
    const res = await fetch(`${authBase}/oauth2/token`, {
      method: 'POST',
      headers: { Authorization: CLIENT_BASIC, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { access_token: string }).access_token
  }

  it('defaults to a concrete auth.[env].[name] / api.[env].[name] pair', () => {
    expect(cogo.origins).toEqual({ auth: 'https://auth.sandbox.example.carbonengine.co', api: 'https://api.sandbox.example.carbonengine.co' })
  })

  it('answers any env and name, with that tenant as issuer, and refuses its tokens at another tenant', async () => {
    const jwt = await tokenFrom('https://auth.dev.acme.carbonengine.co')
    expect(decodeJwt(jwt).iss).toBe('https://auth.dev.acme.carbonengine.co/')
    await jwtVerify(jwt, createRemoteJWKSet(new URL('https://auth.dev.acme.carbonengine.co/.well-known/jwks.json')), {
      issuer: 'https://auth.dev.acme.carbonengine.co/',
      audience: AUDIENCE,
    })
    const own = await fetch('https://api.dev.acme.carbonengine.co/api/v2/categories', { headers: { Authorization: `Bearer ${jwt}` } })
    expect(own.status).toBe(200)
    const other = await fetch('https://api.sandbox.example.carbonengine.co/api/v2/categories', { headers: { Authorization: `Bearer ${jwt}` } })
    expect(other.status).toBe(403)
    expect(cogo.journal.entries().at(-1)!.notes.tokenRejected).toBe(REJECTION['wrong-issuer'])
  })

  it('fails plain-HTTP calls to either origin with a network error, as a host without a plain-HTTP listener', async () => {
    const jwt = await tokenFrom('https://auth.sandbox.example.carbonengine.co')
    await expect(fetch('http://api.sandbox.example.carbonengine.co/api/v2/categories', { headers: { Authorization: `Bearer ${jwt}` } })).rejects.toThrow(
      TypeError,
    )
    expect(cogo.journal.entries().at(-1)!.notes.refused).toBe('plain HTTP to an HTTPS-only origin')
    await expect(fetch('http://api.dev.acme.carbonengine.co/anything')).rejects.toThrow(TypeError)
    await expect(
      fetch('http://auth.sandbox.example.carbonengine.co/oauth2/token', {
        method: 'POST',
        headers: { Authorization: CLIENT_BASIC, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      }),
    ).rejects.toThrow(TypeError)
    await expect(fetch('http://auth.sandbox.example.carbonengine.co/.well-known/jwks.json')).rejects.toThrow(TypeError)
    await expect(fetch('http://auth.sandbox.example.carbonengine.co/nope')).rejects.toThrow(TypeError)
    await expect(request('http://auth.sandbox.example.carbonengine.co').get('/.well-known/jwks.json')).rejects.toThrow()
  })

  it('can pin the issuer to the sample token’s Auth0 tenant', async () => {
    const pinned = createCogo({
      issuer: 'https://cogo.eu.auth0.com/',
      baseUrl: { auth: 'https://auth.prod.pinned.carbonengine.co', api: 'https://api.prod.pinned.carbonengine.co' },
    })
    await pinned.ready
    const req = new Request('https://auth.prod.pinned.carbonengine.co/oauth2/token', {
      method: 'POST',
      headers: { Authorization: CLIENT_BASIC, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    })
    const { access_token: jwt } = (await (await pinned.handle(req, 'auth')).json()) as { access_token: string }
    expect(decodeJwt(jwt).iss).toBe('https://cogo.eu.auth0.com/')
    const call = await pinned.handle(
      new Request('https://api.prod.pinned.carbonengine.co/api/v2/categories', { headers: { Authorization: `Bearer ${jwt}` } }),
      'api',
    )
    expect(call.status).toBe(200)
    expect(pinned.describe().issuer).toBe('https://cogo.eu.auth0.com/')
  })

  it('uses exactly the configured origins, and their issuer, when they are not carbonengine.co hosts', async () => {
    const custom = createCogo({ baseUrl: { auth: 'https://login.test', api: 'https://carbon.test' }, accessTokenTtlSeconds: 60 })
    await custom.ready
    const req = new Request('https://login.test/oauth2/token', {
      method: 'POST',
      headers: { Authorization: CLIENT_BASIC, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    })
    const res = await custom.handle(req, 'auth')
    const body = (await res.json()) as { access_token: string; expires_in: number }
    expect(body.expires_in).toBe(60)
    const claims = decodeJwt(body.access_token)
    expect(claims.iss).toBe('https://login.test/')
    expect(claims.exp! - claims.iat!).toBe(60)
    expect(() => createCogo({ accessTokenTtlSeconds: 0 })).toThrow(/accessTokenTtlSeconds must be a positive integer/)
  })
})
