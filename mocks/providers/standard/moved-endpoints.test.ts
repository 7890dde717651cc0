import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { basicAuth, CONFIDENTIAL } from '../../../test/support/standard.js'
import type { StandardRuntime } from './config.js'

describe.each(bothModes)('standard movedEndpoints over $name', (mode) => {
  let running: Running<StandardRuntime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<StandardRuntime>('standard')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  const clientCredentials = (path: string) =>
    request(base)
      .post(path)
      .set('Authorization', basicAuth(CONFIDENTIAL.clientId, CONFIDENTIAL.clientSecret))
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'api:read' })

  it('serves token, registration, UserInfo, revocation and introspection under /oauth2/v1, lists them so, and answers 404 at the usual paths', async () => {
    expect((await request(base).post('/__oauth-dance/options').send({ movedEndpoints: true })).status).toBe(200)
    const metadata = (await request(base).get('/.well-known/oauth-authorization-server')).body
    expect(metadata).toMatchObject({
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/oauth2/v1/token`,
      registration_endpoint: `${base}/oauth2/v1/register`,
      userinfo_endpoint: `${base}/oauth2/v1/userinfo`,
      revocation_endpoint: `${base}/oauth2/v1/revoke`,
      introspection_endpoint: `${base}/oauth2/v1/introspect`,
      jwks_uri: `${base}/jwks`,
    })
    expect((await request(base).get('/.well-known/openid-configuration')).body).toEqual(metadata)
    expect(running.provider.describe().tokenEndpoint).toBe(`${base}/oauth2/v1/token`)
    const moved = await clientCredentials('/oauth2/v1/token')
    expect(moved.status).toBe(200)
    expect(moved.body.token_type).toBe('Bearer')
    const usual = await clientCredentials('/token')
    expect(usual.status).toBe(404)
    expect(usual.headers['cache-control']).toBe('no-store')
    expect(usual.body).toEqual({
      error: 'not_found',
      error_description:
        'Nothing is served at /token; the server metadata at /.well-known/oauth-authorization-server lists the endpoints (movedEndpoints is on).',
    })
    for (const path of ['/register', '/userinfo', '/revoke', '/introspect']) expect((await request(base).post(path).send({})).status, path).toBe(404)
  })

  it('serves only the usual paths while off (the default), and again after reset', async () => {
    expect((await clientCredentials('/oauth2/v1/token')).body).toEqual({
      error: 'not_found',
      error_description:
        'Nothing is served at /oauth2/v1/token; the server metadata at /.well-known/oauth-authorization-server lists the endpoints (movedEndpoints is off).',
    })
    expect((await clientCredentials('/token')).status).toBe(200)
    expect((await request(base).get('/.well-known/oauth-authorization-server')).body.token_endpoint).toBe(`${base}/token`)
  })

  it('refuses a movedEndpoints that is not a boolean, naming it, and changes nothing', async () => {
    const refused = await request(base).post('/__oauth-dance/options').send({ movedEndpoints: 'yes' })
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.body)).toContain('movedEndpoints')
    expect((await request(base).get('/.well-known/oauth-authorization-server')).body.token_endpoint).toBe(`${base}/token`)
  })
})
