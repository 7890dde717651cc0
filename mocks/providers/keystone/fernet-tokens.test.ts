import { createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createKeystone } from './index.js'
import { mintFernetToken } from './fernet-tokens.js'

/** The Fernet spec's verification and decryption, written independently of the minting code. */
function openFernet(token: string, key: { signing: Buffer; encryption: Buffer }): { seconds: number; plaintext: Buffer } {
  const raw = Buffer.from(token, 'base64url')
  expect(raw[0]).toBe(0x80)
  const mac = createHmac('sha256', key.signing)
    .update(raw.subarray(0, raw.length - 32))
    .digest()
  expect(timingSafeEqual(mac, raw.subarray(raw.length - 32))).toBe(true)
  const decipher = createDecipheriv('aes-128-cbc', key.encryption, raw.subarray(9, 25)) // PKCS7 checked by final()
  const plaintext = Buffer.concat([decipher.update(raw.subarray(25, raw.length - 32)), decipher.final()])
  return { seconds: Number(raw.readBigUInt64BE(1)), plaintext }
}

describe('Fernet tokens', () => {
  const key = { signing: randomBytes(16), encryption: randomBytes(16) }

  it('verifies and decrypts with the key, carrying the issue time, for every payload length', () => {
    for (const payloadBytes of [0, 1, 15, 16, 17, 64, 70, 96]) {
      for (let i = 0; i < 20; i++) {
        const token = mintFernetToken(key, 1_700_000_123_456, payloadBytes)
        const { seconds, plaintext } = openFernet(token, key)
        expect(seconds).toBe(1_700_000_123)
        expect(plaintext.length).toBe(payloadBytes)
      }
    }
  })

  it('is the api-ref shape, unique, and refused under another key', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => mintFernetToken(key, Date.now(), 64)))
    expect(tokens.size).toBe(1000)
    for (const token of [...tokens].slice(0, 10)) expect(token).toMatch(/^gAAAAAB[A-Za-z0-9_-]{176}$/)
    const other = { signing: randomBytes(16), encryption: key.encryption }
    expect(() => openFernet([...tokens][0], other)).toThrow()
  })

  it('are what the provider issues, under its own key', async () => {
    const keystone = createKeystone()
    await keystone.ready
    const credential = keystone.store.applicationCredentials.collection.all()[0]
    const res = await keystone.handle(
      new Request(`${keystone.baseUrl}/v3/OS-OAUTH2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${credential.id}:${credential.secret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      }),
    )
    expect(res.status).toBe(200)
    const { access_token: token } = (await res.json()) as { access_token: string }
    const { seconds } = openFernet(token, keystone.config.fernetKey)
    expect(Math.abs(seconds - keystone.clock.nowMs() / 1000)).toBeLessThanOrEqual(2)
  })
})
