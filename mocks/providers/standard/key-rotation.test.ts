import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { createStandard, rotateStandardSigningKey } from './index.js'
import { brokenIdToken } from './broken-id-tokens.js'

describe('standard key rotation', () => {
  it('installs a key never installed before at every RS256 rotation, the first one committed, across a reset too', async () => {
    const provider = createStandard()
    await provider.ready
    const initial = provider.store.keys.signing('RS256').kid
    const first = await rotateStandardSigningKey(provider, { retirePrevious: true })
    const second = await rotateStandardSigningKey(provider, { retirePrevious: true })
    expect(new Set([initial, first.kid, second.kid]).size).toBe(3)
    expect(second.published).not.toContain(first.kid)
    await provider.reset()
    // A fresh store: its first rotation is the committed key again, as in a new provider.
    expect((await rotateStandardSigningKey(provider)).kid).toBe(first.kid)
  })

  it('signs bad-signature ID tokens with a key that is not in the JWKS, before a rotation and after it', async () => {
    const provider = createStandard()
    await provider.ready
    for (let round = 0; round < 2; round++) {
      const key = provider.store.keys.signing('RS256')
      const token = await brokenIdToken('bad-signature', key, { sub: 'alice' })
      expect(decodeProtectedHeader(token).kid).toBe(key.kid)
      const jwks = createLocalJWKSet(JSON.parse(provider.store.keys.jwks))
      await expect(jwtVerify(token, jwks)).rejects.toThrow(/signature verification failed/)
      await expect(jwtVerify(await brokenIdToken('future-iat', key, { sub: 'alice' }), jwks)).resolves.toBeDefined()
      await rotateStandardSigningKey(provider)
    }
  })
})
