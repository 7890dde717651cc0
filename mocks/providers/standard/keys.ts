import { standardInitialRsaKey } from '../../../fixtures/standard-keys.js'
import type { JWK, JWTHeaderParameters, JWTPayload } from 'jose'
import { exportJwk, generateJwkKeyPair, importJwk, joseSign, jwkThumbprint } from '../../core/jwk.js'

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA'

/** A signing key: the private half signs, the public half is published in the JWKS under `kid`. */
export interface StandardSigningKey {
  kid: string
  alg: SigningAlg
  privateKey: CryptoKey
  publicJwk: JWK
}

/** A fresh key for `alg` (RSA-2048, P-256, Ed25519), its kid the RFC 7638 thumbprint. */
export async function generateStandardKey(alg: SigningAlg): Promise<StandardSigningKey> {
  const { privateKey, publicKey } = await generateJwkKeyPair(alg)
  const jwk = await exportJwk(publicKey)
  const kid = await jwkThumbprint(jwk)
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } }
}

/** The committed RSA key (fixtures/standard-keys.ts) as a signing key: no RSA generation at start. */
async function initialRsaKey(): Promise<StandardSigningKey> {
  const { n, e } = standardInitialRsaKey
  const privateKey = await importJwk({ ...standardInitialRsaKey }, 'RS256', { extractable: true })
  const jwk: JWK = { kty: 'RSA', n, e }
  const kid = await jwkThumbprint(jwk)
  return { kid, alg: 'RS256', privateKey, publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } }
}

/**
 * The first key of each algorithm, made once per process: resets and new
 * providers publish the same JWKS, so a client's cached keys stay right across
 * a test file, and no reset pays for key generation. The RSA one is committed
 * (generating one took 100-500 ms here, more than `serve`'s start-up budget).
 */
let initialKeys: Promise<StandardSigningKey[]> | undefined
export function initialStandardKeys(): Promise<StandardSigningKey[]> {
  initialKeys ??= Promise.all([initialRsaKey(), generateStandardKey('ES256'), generateStandardKey('EdDSA')])
  initialKeys.catch(() => (initialKeys = undefined))
  return initialKeys
}

/** Keys of one algorithm kept in the JWKS; rotating more often than this retires the oldest. */
export const MAX_PUBLISHED_PER_ALG = 5

/**
 * The keys of one provider: one signing key per algorithm, and every key
 * published in the JWKS. A rotation publishes the new key beside the old one
 * (tokens already issued keep verifying) unless told to retire the old one.
 */
export class StandardKeyRing {
  readonly #signing = new Map<SigningAlg, StandardSigningKey>()
  readonly #published = new Map<string, StandardSigningKey>()
  #jwks = '{"keys":[]}'

  signing(alg: SigningAlg): StandardSigningKey {
    const key = this.#signing.get(alg)
    if (!key) throw new Error(`Failed to sign: no ${alg} key is installed (the provider is not seeded yet)`)
    return key
  }

  /** Kids in the JWKS, newest first. */
  get kids(): string[] {
    return [...this.#published.keys()].reverse()
  }

  install(key: StandardSigningKey, options: { retirePrevious?: boolean } = {}): void {
    if (options.retirePrevious) {
      for (const [kid, published] of this.#published) if (published.alg === key.alg) this.#published.delete(kid)
    }
    this.#published.delete(key.kid)
    this.#published.set(key.kid, key)
    this.#signing.set(key.alg, key)
    // Bounded: past MAX_PUBLISHED_PER_ALG keys of an algorithm, the oldest is unpublished.
    const ofAlg = [...this.#published.values()].filter((k) => k.alg === key.alg)
    for (const old of ofAlg.slice(0, Math.max(0, ofAlg.length - MAX_PUBLISHED_PER_ALG))) this.#published.delete(old.kid)
    this.#render()
  }

  /** Unpublishes a key; a signing key cannot be retired (rotate first). */
  retire(kid: string): boolean {
    const key = this.#published.get(kid)
    if (key && this.#signing.get(key.alg) === key) throw new TypeError(`key "${kid}" is the ${key.alg} signing key; rotate it first`)
    const removed = this.#published.delete(kid)
    if (removed) this.#render()
    return removed
  }

  get jwks(): string {
    return this.#jwks
  }

  #render(): void {
    this.#jwks = JSON.stringify({ keys: this.kids.map((kid) => this.#published.get(kid)!.publicJwk) })
  }
}

/** Signs claims as a JWT with `alg`, `kid` and the given `typ` (RFC 7515 §4.1). */
export async function signWith(key: StandardSigningKey, payload: JWTPayload, header: Partial<JWTHeaderParameters> = {}): Promise<string> {
  const { SignJWT } = await joseSign()
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey)
}
