import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { CogoRuntime } from './config.js'

describe.each(bothModes)('Cogo control actions over $name', (mode) => {
  let running: Running<CogoRuntime>
  beforeAll(async () => {
    running = await mode.start<CogoRuntime>('cogo')
  })
  afterAll(() => running.close())

  it('rotates the signing key and mints broken tokens over /__oauth-dance/', async () => {
    const auth = running.origins.auth
    const api = running.origins.api
    const jwks = async () => (await request(auth).get('/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid)
    const before = await jwks()
    const rotated = await request(auth).post('/__oauth-dance/rotate-key').send({ retirePrevious: true })
    expect(rotated.status).toBe(200)
    expect(rotated.body.published).toEqual([rotated.body.kid])
    expect(await jwks()).toEqual([rotated.body.kid])
    expect(before).not.toContain(rotated.body.kid)

    const good = await request(auth).post('/__oauth-dance/mint-token').send({})
    expect((await request(api).get('/api/v2/categories').set('Authorization', `Bearer ${good.body.access_token}`)).status).toBe(200)
    const expired = await request(auth).post('/__oauth-dance/mint-token').send({ kind: 'expired' })
    expect((await request(api).get('/api/v2/categories').set('Authorization', `Bearer ${expired.body.access_token}`)).status).toBe(403)

    const bad = await request(auth).post('/__oauth-dance/mint-token').send({ kind: 'nope' })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/^"kind" must be one of expired, wrong-issuer/)
    expect((await request(auth).post('/__oauth-dance/retire-key').send({})).body).toEqual({ error: '"kid" must be the key id to unpublish' })
    expect((await request(auth).post('/__oauth-dance/reset')).status).toBe(200)
    expect(await jwks()).toEqual(before)
  })
})
