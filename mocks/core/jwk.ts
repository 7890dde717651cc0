import type { JWK } from 'jose'
import { lazy } from './lazy-dependency.js'

/**
 * The key operations a provider needs to start (importing the committed RSA
 * keys, generating the first ES256 and Ed25519 keys, their RFC 7638 kids),
 * made with WebCrypto directly, as jose's importJWK, generateKeyPair, exportJWK
 * and calculateJwkThumbprint make them: the same calls, so the same CryptoKeys
 * and the same JWK members in the same order. jose's modules then load with
 * the first request that signs or verifies, not at start.
 */
const { subtle } = globalThis.crypto

export type JwkSigningAlg = 'RS256' | 'ES256' | 'EdDSA'

const ALGORITHMS = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
} as const

/** jose's `importJWK(jwk, alg, { extractable })`: private keys sign, public keys verify; a private key is extractable only if asked. */
export function importJwk(jwk: JWK, alg: JwkSigningAlg, options: { extractable?: boolean } = {}): Promise<CryptoKey> {
  const isPrivate = Boolean(jwk.d)
  const keyData: JWK = { ...jwk, ext: options.extractable ?? jwk.ext }
  delete keyData.alg
  delete keyData.use
  return subtle.importKey(
    'jwk',
    keyData as JsonWebKey,
    ALGORITHMS[alg],
    keyData.ext ?? !isPrivate,
    (jwk.key_ops as KeyUsage[] | undefined) ?? [isPrivate ? 'sign' : 'verify'],
  )
}

/** jose's `generateKeyPair(alg, { extractable: true })` (RSA: 2048 bits, exponent 65537). */
export function generateJwkKeyPair(alg: JwkSigningAlg): Promise<CryptoKeyPair> {
  const algorithm = alg === 'RS256' ? { ...ALGORITHMS.RS256, publicExponent: Uint8Array.of(1, 0, 1), modulusLength: 2048 } : ALGORITHMS[alg]
  return subtle.generateKey(algorithm, true, ['sign', 'verify']) as Promise<CryptoKeyPair>
}

/** jose's `exportJWK(key)`: the key's JWK without `ext`, `key_ops`, `use` and `alg`. */
export async function exportJwk(key: CryptoKey): Promise<JWK> {
  const jwk = (await subtle.exportKey('jwk', key)) as Record<string, unknown>
  delete jwk.ext
  delete jwk.key_ops
  delete jwk.use
  delete jwk.alg
  for (const member of Object.keys(jwk)) if (jwk[member] === undefined) delete jwk[member]
  return jwk as JWK
}

/** The RFC 7638 SHA-256 thumbprint of a public RSA, EC or OKP key, as jose's `calculateJwkThumbprint(jwk)`. */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  const required =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : jwk.kty === 'OKP'
          ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
          : undefined
  if (!required || Object.values(required).some((value) => typeof value !== 'string' || !value))
    throw new TypeError(`Failed to compute a JWK thumbprint: unsupported or incomplete ${jwk.kty} key`)
  return Buffer.from(await subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(required)))).toString('base64url')
}

/** jose's JWT signing (SignJWT), loaded with the first token signed rather than at start. */
export const joseSign = lazy(() => import('jose/jwt/sign'))
