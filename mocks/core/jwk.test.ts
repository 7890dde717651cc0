import { describe, expect, it } from 'vitest'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'
import { cogoKeys } from '../../fixtures/cogo-keys.js'
import { standardInitialRsaKey } from '../../fixtures/standard-keys.js'
import { exportJwk, generateJwkKeyPair, importJwk, jwkThumbprint, type JwkSigningAlg } from './jwk.js'

const shape = (key: CryptoKey) => ({ type: key.type, algorithm: key.algorithm, extractable: key.extractable, usages: key.usages })
const JOSE_GENERATE_OPTIONS = { RS256: { modulusLength: 2048, extractable: true }, ES256: { extractable: true }, EdDSA: { crv: 'Ed25519', extractable: true } }

describe('WebCrypto key operations (what jose does, without loading jose at start)', () => {
  it('imports private and public RSA JWKs as jose importJWK does, extractable only when asked', async () => {
    const { n, e } = cogoKeys.primary
    const cases: Array<[JWK, { extractable?: boolean }]> = [
      [cogoKeys.primary, {}],
      [{ kty: 'RSA', n, e }, {}],
      [{ ...standardInitialRsaKey }, { extractable: true }],
    ]
    for (const [jwk, options] of cases) {
      expect(shape(await importJwk(jwk, 'RS256', options))).toEqual(shape((await importJWK(jwk, 'RS256', options)) as CryptoKey))
    }
  })

  it.each(['RS256', 'ES256', 'EdDSA'] as JwkSigningAlg[])(
    'generates %s key pairs like jose, whose JWK and thumbprint are jose’s, member order included',
    async (alg) => {
      const mine = await generateJwkKeyPair(alg)
      const jose = await generateKeyPair(alg, JOSE_GENERATE_OPTIONS[alg])
      expect(shape(mine.privateKey)).toEqual(shape(jose.privateKey))
      expect(shape(mine.publicKey)).toEqual(shape(jose.publicKey))
      const jwk = await exportJwk(mine.publicKey)
      expect(JSON.stringify(jwk)).toBe(JSON.stringify(await exportJWK(mine.publicKey)))
      expect(await jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk))
    },
  )

  it('refuses to thumbprint a key without its required members', async () => {
    await expect(jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'AQ' })).rejects.toThrow(TypeError)
    await expect(jwkThumbprint({ kty: 'oct', k: 'AQ' })).rejects.toThrow(TypeError)
  })
})
