import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { cogoFixtures } from '../../../fixtures/cogo.js'
import type { CogoRuntime } from './config.js'

const { clientId, clientSecret } = cogoFixtures.client
const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`

describe.each(bothModes)('Cogo broken-token faults over $name', (mode) => {
  let running: Running<CogoRuntime>
  beforeAll(async () => {
    running = await mode.start<CogoRuntime>('cogo')
  })
  afterAll(() => running.close())

  const token = async () => {
    const response = await request(running.origins.auth).post('/oauth2/token').set('Authorization', basic).type('form').send('grant_type=client_credentials')
    expect([response.status, Object.keys(response.body)]).toEqual([200, ['access_token', 'expires_in', 'token_type']])
    return response.body.access_token as string
  }
  const categories = async (accessToken: string) =>
    (await request(running.origins.api).get('/api/v2/categories').set('Authorization', `Bearer ${accessToken}`)).status

  it.each(['expired', 'wrong-issuer', 'wrong-audience', 'bad-signature', 'unknown-kid'])(
    'issues a %s token once when injected over /__oauth-dance/faults, then genuine ones',
    async (kind) => {
      const injected = await request(running.origins.auth)
        .post('/__oauth-dance/faults')
        .send({ route: 'cogo.token', times: 'once', action: { type: 'broken-token', kind } })
      expect(injected.status).toBe(201)
      expect(await categories(await token())).toBe(403)
      expect(
        running.provider.journal
          .entries()
          .filter((e) => e.route === 'cogo.token')
          .at(-1)!.notes,
      ).toMatchObject({ fault: 'broken-token', brokenToken: kind })
      expect(await categories(await token())).toBe(200)
    },
  )

  it('works from vitest through provider.faults, and a rotation that retires the old key stops a cached token', async () => {
    running.provider.faults.add({ route: 'cogo.token', times: 'once', action: { type: 'broken-token', kind: 'alg-none' } })
    expect(await categories(await token())).toBe(403)
    const cached = await token()
    expect(await categories(cached)).toBe(200)
    await request(running.origins.auth).post('/__oauth-dance/rotate-key').send({ retirePrevious: true }).expect(200)
    expect(await categories(cached)).toBe(403)
    expect(await categories(await token())).toBe(200)
  })

  it('answers 400 naming the kinds for a kind it does not know', async () => {
    const response = await request(running.origins.auth)
      .post('/__oauth-dance/faults')
      .send({ route: 'cogo.token', action: { type: 'broken-token', kind: 'stale' } })
    expect([response.status, response.body]).toEqual([
      400,
      {
        error:
          '"action.kind" must be one of expired, wrong-issuer, wrong-audience, bad-signature, tampered-payload, unknown-kid, missing-kid, missing-exp, alg-none, alg-hs256, not-a-jwt',
      },
    ])
  })
})
