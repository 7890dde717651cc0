import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { basicAuth, CONFIDENTIAL } from '../../../test/support/standard.js'
import type { StandardRuntime } from './config.js'

const APP = 'https://spa.example'
/** The CORS headers of an answer, and only those. */
const corsOf = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-')))
const ON_ANSWERS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'WWW-Authenticate, DPoP-Nonce' }
const preflightFor = (methods: string) => ({
  'access-control-allow-origin': '*',
  'access-control-allow-methods': methods,
  'access-control-allow-headers': 'Authorization, Content-Type, DPoP',
  'access-control-max-age': '600',
})

describe.each(bothModes)('standard CORS over $name', (mode) => {
  let running: Running<StandardRuntime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<StandardRuntime>('standard')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  const preflight = (path: string, method: string) =>
    request(base)
      .options(path)
      .set('Origin', APP)
      .set('Access-Control-Request-Method', method)
      .set('Access-Control-Request-Headers', 'authorization, content-type, dpop')

  it.each([
    ['/token', 'POST', 'POST'],
    ['/userinfo', 'GET', 'GET, POST'],
    ['/revoke', 'POST', 'POST'],
    ['/register', 'POST', 'POST'],
    ['/.well-known/openid-configuration', 'GET', 'GET'],
    ['/.well-known/oauth-authorization-server', 'GET', 'GET'],
    ['/jwks', 'GET', 'GET'],
    ['/.well-known/oauth-protected-resource/api', 'GET', 'GET'],
  ])('answers the preflight of %s with 204 and exactly its CORS headers', async (path, method, allowed) => {
    const answer = await preflight(path, method)
    expect(answer.status).toBe(204)
    expect(corsOf(answer.headers)).toEqual(preflightFor(allowed))
    expect(answer.headers['cache-control']).toBe('no-store')
    expect(answer.text).toBe('')
  })

  it('lets a browser app read token answers, errors included, and the metadata and keys', async () => {
    const issued = await request(base)
      .post('/token')
      .set('Origin', APP)
      .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'api:read' })
    expect(issued.status).toBe(200)
    expect(corsOf(issued.headers)).toEqual(ON_ANSWERS)
    const refused = await request(base)
      .post('/token')
      .set('Origin', APP)
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: 'nope', client_id: 'standard-public-client' })
    expect(refused.status).toBe(400)
    expect(refused.body.error).toBe('invalid_grant')
    expect(corsOf(refused.headers)).toEqual(ON_ANSWERS)
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/jwks', '/.well-known/oauth-protected-resource/api']) {
      const got = await request(base).get(path).set('Origin', APP)
      expect(got.status, path).toBe(200)
      expect(corsOf(got.headers), path).toEqual(ON_ANSWERS)
    }
  })

  it("lets it read UserInfo's 401 challenge and the revocation answer", async () => {
    const challenged = await request(base).get('/userinfo').set('Origin', APP)
    expect(challenged.status).toBe(401)
    expect(challenged.headers['www-authenticate']).toMatch(/^Bearer/)
    expect(corsOf(challenged.headers)).toEqual(ON_ANSWERS)
    const revoked = await request(base).post('/revoke').set('Origin', APP).type('form').send({ token: 'unknown', client_id: 'standard-public-client' })
    expect(revoked.status).toBe(200)
    expect(corsOf(revoked.headers)).toEqual(ON_ANSWERS)
  })

  it('leaves the other endpoints without CORS: introspection (for resource servers) and the authorization endpoint (a navigation)', async () => {
    const introspection = await preflight('/introspect', 'POST')
    expect(introspection.status).toBe(405)
    expect(corsOf(introspection.headers)).toEqual({})
    expect(corsOf((await request(base).get('/authorize').set('Origin', APP)).headers)).toEqual({})
  })

  it('answers the preflight at the moved paths while movedEndpoints is on, and 404 at the usual ones', async () => {
    await request(base).post('/__oauth-dance/options').send({ movedEndpoints: true })
    expect(corsOf((await preflight('/oauth2/v1/token', 'POST')).headers)).toEqual(preflightFor('POST'))
    expect((await preflight('/token', 'POST')).status).toBe(404)
  })
})
