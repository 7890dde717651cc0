import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { basicAuth, CONFIDENTIAL } from '../../../test/support/standard.js'
import type { StandardRuntime } from './config.js'

describe.each(bothModes)('standard accessTokenFormat over $name', (mode) => {
  let running: Running<StandardRuntime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<StandardRuntime>('standard')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  const clientCredentials = (fields: Record<string, string> = {}) =>
    request(base)
      .post('/token')
      .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'api:read', ...fields })

  it('issues RFC 9068 JWT access tokens with jwt: typ at+jwt, signed by a published key, the resource as audience', async () => {
    expect((await request(base).post('/__oauth-dance/options').send({ accessTokenFormat: 'jwt' })).status).toBe(200)
    const resource = `${base}/api`
    const issued = await clientCredentials({ resource })
    expect(issued.status).toBe(200)
    const token: string = issued.body.access_token
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' })
    const { payload } = await jwtVerify(token, createLocalJWKSet((await request(base).get('/jwks')).body), {
      typ: 'at+jwt',
      issuer: base,
      audience: resource,
      currentDate: running.provider.clock.now(),
    })
    expect(payload).toMatchObject({ iss: base, aud: resource, sub: CONFIDENTIAL.clientId, client_id: CONFIDENTIAL.clientId, scope: 'api:read' })
    expect(payload.exp! - payload.iat!).toBe(3600)
    expect(typeof payload.jti).toBe('string')
    // The server keeps its record: the resource, introspection and revocation work as for opaque tokens.
    expect((await request(base).get('/api/items').set('Authorization', `Bearer ${token}`)).status).toBe(200)
    const introspected = await request(base)
      .post('/introspect')
      .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
      .type('form')
      .send({ token })
    expect(introspected.body).toMatchObject({ active: true, aud: resource, client_id: CONFIDENTIAL.clientId })
    await request(base).post('/revoke').set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret)).type('form').send({ token })
    expect((await request(base).get('/api/items').set('Authorization', `Bearer ${token}`)).status).toBe(401)
  })

  it('names the issuer as audience when no resource was asked for, and the client as subject without a user (RFC 9068 §2.2)', async () => {
    await request(base).post('/__oauth-dance/options').send({ accessTokenFormat: 'jwt' })
    const { payload } = await jwtVerify((await clientCredentials()).body.access_token, createLocalJWKSet((await request(base).get('/jwks')).body), {
      currentDate: running.provider.clock.now(),
    })
    expect(payload.aud).toBe(base)
    expect(payload.sub).toBe(CONFIDENTIAL.clientId)
  })

  it('signs with the idTokenSigningAlg set at run time from the next token on, and with RS256 again after a reset', async () => {
    const options = (changes: Record<string, unknown>) => request(base).post('/__oauth-dance/options').send(changes)
    const signed = async () => {
      const token: string = (await clientCredentials()).body.access_token
      await jwtVerify(token, createLocalJWKSet((await request(base).get('/jwks')).body), { typ: 'at+jwt', currentDate: running.provider.clock.now() })
      return decodeProtectedHeader(token).alg
    }
    expect((await options({ accessTokenFormat: 'jwt' })).status).toBe(200)
    for (const alg of ['ES256', 'EdDSA', 'RS256']) {
      expect((await options({ idTokenSigningAlg: alg })).status).toBe(200)
      expect(await signed()).toBe(alg)
    }
    await options({ idTokenSigningAlg: 'EdDSA' })
    await running.provider.reset()
    await options({ accessTokenFormat: 'jwt' })
    expect(await signed()).toBe('RS256')
  })

  it('issues opaque tokens by default, and refuses a format it does not know, naming the valid ones', async () => {
    expect((await clientCredentials()).body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const refused = await request(base).post('/__oauth-dance/options').send({ accessTokenFormat: 'jws' })
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.body)).toMatch(/accessTokenFormat.*opaque.*jwt/)
  })
})
