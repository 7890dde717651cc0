import { standardForeignRsaKey, standardInitialRsaKey, standardNextRsaKey } from '../../../fixtures/standard-keys.js'
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

/** A committed RSA key (fixtures/standard-keys.ts) as a signing key: no RSA generation. */
async function committedRsaKey(committed: Readonly<Record<'kty' | 'n' | 'e' | 'd' | 'p' | 'q' | 'dp' | 'dq' | 'qi', string>>): Promise<StandardSigningKey> {
  const { n, e } = committed
  const privateKey = await importJwk({ ...committed }, 'RS256', { extractable: true })
  const jwk: JWK = { kty: 'RSA', n, e }
  const kid = await jwkThumbprint(jwk)
  return { kid, alg: 'RS256', privateKey, publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } }
}

const initialRsaKey = () => committedRsaKey(standardInitialRsaKey)

/** `make()`'s promise, made once per process (again after a failure). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined
  return () => {
    made ??= make()
    made.catch(() => (made = undefined))
    return made
  }
}

const nextRsaKey = once(() => committedRsaKey(standardNextRsaKey))

/** The RS256 key that signs `bad-signature` ID tokens: committed, never published. */
export const foreignRsaKey = once(() => committedRsaKey(standardForeignRsaKey))

/**
 * The key a rotation of `alg` installs in `ring`: a fresh one, except a ring's first RS256 rotation, which installs the
 * committed next key (generating an RSA key costs more CPU than a whole scenario, and a key-rotation scenario rotates once).
 */
export async function rotationKey(ring: StandardKeyRing, alg: SigningAlg): Promise<StandardSigningKey> {
  if (alg === 'RS256') {
    const next = await nextRsaKey()
    if (!ring.everInstalled(next.kid)) return next
  }
  return generateStandardKey(alg)
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
  /** Every kid installed here, published still or not. */
  readonly #installed = new Set<string>()
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
    this.#installed.add(key.kid)
    // Bounded: past MAX_PUBLISHED_PER_ALG keys of an algorithm, the oldest is unpublished.
    const ofAlg = [...this.#published.values()].filter((k) => k.alg === key.alg)
    for (const old of ofAlg.slice(0, Math.max(0, ofAlg.length - MAX_PUBLISHED_PER_ALG))) this.#published.delete(old.kid)
    this.#render()
  }

  /** Whether a key of this kid was ever installed here (a rotation never brings one back). */
  everInstalled(kid: string): boolean {
    return this.#installed.has(kid)
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
