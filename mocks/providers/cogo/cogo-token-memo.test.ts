import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cogoKeys } from '../../../fixtures/cogo-keys.js'
import { cogoFixtures } from '../../../fixtures/cogo.js'
import { Clock } from '../../core/clock.js'
import { createCogo } from '../../index.js'
import { mintCogoToken, rotateCogoSigningKey } from './index.js'
import { generateSigningKey, importSigningKey, signAccessToken, signJwt } from './keys.js'

// The token endpoint hands out the token already signed for the same key,
// claims and second. These pin that a client cannot tell: the bytes are those
// of a fresh signature, and anything that changes the claims or key changes the token.
const { clientId, clientSecret } = cogoFixtures.client
const AUTH = 'https://auth.sandbox.example.carbonengine.co'
const API = 'https://api.sandbox.example.carbonengine.co'

describe('Cogo tokens within one second', () => {
  const cogo = createCogo({ clock: new Clock({ frozen: true }) })
  const server = setupServer(...cogo.handlers)
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterAll(() => server.close())
  beforeEach(() => cogo.reset())

  async function token(auth = AUTH): Promise<string> {
    const res = await fetch(`${auth}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    })
    expect(res.status).toBe(200)
    return (await res.json()).access_token
  }
  const categories = async (jwt: string, api = API) => (await fetch(`${api}/api/v2/categories`, { headers: { authorization: `Bearer ${jwt}` } })).status

  it('answers the bytes a fresh signature of the same claims gives, to sequential and concurrent requests alike', async () => {
    const first = await token()
    expect(first).toBe(await mintCogoToken(cogo))
    expect(await Promise.all([token(), token(), token()])).toEqual([first, first, first])
  })

  it('signs anew when the mock clock moves, and the same claims again when it moves back', async () => {
    const first = await token()
    cogo.clock.advance(1)
    const later = await token()
    expect(decodeJwt(later).iat).toBe(decodeJwt(first).iat! + 1)
    expect(later).toBe(await mintCogoToken(cogo))
    cogo.clock.advance(-1)
    expect(await token()).toBe(first)
    cogo.clock.advance(3601)
    expect(await categories(first)).toBe(403)
    expect(await categories(await token())).toBe(200)
  })

  it('signs with the new key after a rotation, and the primary again after a reset', async () => {
    const before = await token()
    const { kid } = await rotateCogoSigningKey(cogo)
    const after = await token()
    expect(decodeProtectedHeader(after).kid).toBe(kid)
    expect(after).not.toBe(before)
    await jwtVerify(after, cogo.store.keys.find(kid)!)
    await cogo.reset()
    expect(decodeProtectedHeader(await token()).kid).toBe(cogoKeys.primary.kid)
  })

  it('signs anew within the second when an option changes the claims, and with the created options after a reset', async () => {
    const first = await token()
    const iat = decodeJwt(first).iat!
    const changes: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ audience: 'https://api.example' }, { aud: 'https://api.example' }],
      [{ accessTokenTtlSeconds: 60 }, { exp: iat + 60 }],
      [{ issuer: 'https://cogo.eu.auth0.com/' }, { iss: 'https://cogo.eu.auth0.com/' }],
    ]
    for (const [options, claims] of changes) {
      cogo.options.set(options)
      const changed = await token()
      expect(decodeJwt(changed), JSON.stringify(options)).toMatchObject({ iat, ...claims })
      expect(changed).toBe(await mintCogoToken(cogo))
    }
    // The API requires the audience and issuer now in force.
    expect(await categories(await token())).toBe(200)
    expect(await categories(first)).toBe(403)
    await cogo.reset()
    const again = await token()
    expect(decodeJwt(again)).toMatchObject({ iss: `${AUTH}/`, aud: 'https://api.cogo.co', exp: decodeJwt(again).iat! + 3600 })
    expect(await categories(again)).toBe(200)
  })

  it('mints a broken token when a fault is injected, then the genuine one of the second', async () => {
    const genuine = await token()
    cogo.faults.add({ route: 'cogo.token', times: 'once', action: { type: 'broken-token', kind: 'wrong-audience' } })
    const broken = await token()
    expect(decodeJwt(broken).aud).toBe('https://api.example.com')
    expect(await categories(broken)).toBe(403)
    expect(await token()).toBe(genuine)
  })

  it("gives each tenant its own issuer's token", async () => {
    const other = await token('https://auth.dev.acme.carbonengine.co')
    expect(decodeJwt(other).iss).toBe('https://auth.dev.acme.carbonengine.co/')
    expect(decodeJwt(await token()).iss).toBe(`${AUTH}/`)
    expect(await categories(other, 'https://api.dev.acme.carbonengine.co')).toBe(200)
    expect(await categories(other)).toBe(403)
  })
})

describe('signAccessToken', () => {
  it("gives jose's bytes for every token of a key, the first one (jose's own) and the later ones (node:crypto's)", async () => {
    for (const key of [await importSigningKey(cogoKeys.primary), await generateSigningKey()]) {
      for (let iat = 1_700_000_000; iat < 1_700_000_006; iat++) {
        const claims = {
          iss: 'https://auth.x.carbonengine.co/',
          sub: 'ü@clients',
          aud: 'https://api.cogo.co',
          iat,
          exp: iat + 3600,
          azp: 'ü',
          gty: 'client-credentials',
        }
        expect(await signAccessToken(key, claims)).toBe(await signJwt(key, claims))
      }
    }
  })

  it('refuses a key jose refuses, as before', async () => {
    const { privateKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
    await expect(signAccessToken({ kid: 'ec', privateKey }, { iat: 1 })).rejects.toThrow(TypeError)
    await expect(signAccessToken({ kid: 'ec', privateKey }, { iat: 1 })).rejects.toThrow(TypeError)
  })
})
