import { KeyObject, sign } from 'node:crypto'
import type { JWTHeaderParameters, JWTPayload } from 'jose'
import { exportJwk, generateJwkKeyPair, importJwk, joseSign } from '../../core/jwk.js'
import type { CogoPrivateJwk } from '../../../fixtures/cogo-keys.js'
import { randomBase64Url } from '../../core/secrets.js'

/** A signing key, imported once: the private half signs, the public half verifies and is published. */
export interface SigningKey {
  kid: string
  privateKey: CryptoKey
  publicKey: CryptoKey
  /** As the JWKS lists it, in Auth0's member order (`alg, kty, use, n, e, kid`). */
  publicJwk: { alg: 'RS256'; kty: 'RSA'; use: 'sig'; n: string; e: string; kid: string }
}

// One import per fixture object for the life of the process: resets and new
// providers reuse the CryptoKeys, so no request and no reset pays for an import.
const imported = new WeakMap<CogoPrivateJwk, Promise<SigningKey>>()

/** Imports a private RSA JWK (and its public half) for RS256, once per JWK object. */
export function importSigningKey(jwk: CogoPrivateJwk): Promise<SigningKey> {
  let key = imported.get(jwk)
  if (!key) {
    key = (async () => {
      const { kid, n, e } = jwk
      const [privateKey, publicKey] = await Promise.all([importJwk(jwk, 'RS256'), importJwk({ kty: 'RSA', n, e }, 'RS256')])
      return { kid, privateKey, publicKey, publicJwk: { alg: 'RS256', kty: 'RSA', use: 'sig', n, e, kid } }
    })()
    imported.set(jwk, key)
    key.catch(() => imported.delete(jwk))
  }
  return key
}

/** A fresh RSA-2048 key with a random 21-character kid, for rotations past the shipped `next` key. */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateJwkKeyPair('RS256')
  const { n, e } = await exportJwk(publicKey)
  const kid = randomBase64Url(16).slice(0, 21)
  return { kid, privateKey, publicKey, publicJwk: { alg: 'RS256', kty: 'RSA', use: 'sig', n: n!, e: e!, kid } }
}

/**
 * Tokens a ring remembers (one per client and claims template); a test suite
 * uses a handful of clients and templates at once.
 */
const MAX_ISSUED = 64

/** Everything a token depends on but the key's private half (see {@link CogoKeyRing.issued}), with the token. */
interface IssuedToken {
  clientId: string
  kid: string
  issuer: string
  audience: string
  ttl: number
  iat: number
  token: Promise<string>
  signed?: string
}

/**
 * The keys of one provider: the one that signs, and every one published in the
 * JWKS. Auth0 signs with one key at a time and keeps the previous one
 * published during a rotation (PROVIDERS.md §5.2), so tokens already issued
 * keep verifying until the old key is retired.
 */
export class CogoKeyRing {
  #signing: SigningKey | undefined
  readonly #published = new Map<string, SigningKey>()
  #jwks = '{"keys":[]}'
  /**
   * The last tokens signed (see {@link issued}), in a ring: a new signature
   * takes the slot of the oldest. An array scanned rather than a map by client:
   * with many clients in turn, each signing once, every map insertion and
   * eviction kept the entry and its token alive into the old generation.
   * Emptied with every install and dropped with the ring on reset.
   */
  readonly #issued: Array<IssuedToken | undefined> = new Array(MAX_ISSUED).fill(undefined)
  #nextIssued = 0

  /** The key new tokens are signed with. */
  get signing(): SigningKey {
    if (!this.#signing) throw new Error('Failed to sign a Cogo token: no signing key is installed (the provider is not seeded yet)')
    return this.#signing
  }

  /** Kids in the JWKS, newest first. */
  get kids(): string[] {
    return [...this.#published.keys()].reverse()
  }

  /** Makes `key` the signing key and publishes it; `retirePrevious` unpublishes every other key. */
  install(key: SigningKey, options: { retirePrevious?: boolean } = {}): void {
    if (options.retirePrevious) this.#published.clear()
    this.#published.delete(key.kid)
    this.#published.set(key.kid, key)
    this.#signing = key
    this.#issued.fill(undefined)
    this.#render()
  }

  /**
   * The token for `clientId` and the rest of its claims template (everything
   * the claims and header depend on but `iat`) issued at second `iat` by key
   * `kid`: the one already signed if there is one, else `sign()`'s,
   * remembered. RS256 (RSASSA-PKCS1-v1_5) is deterministic and the claims
   * carry no jti, so signing the same claims again would give the same bytes:
   * remembering changes nothing a client can see, and saves a ~0.3 ms
   * signature per request within a second. Concurrent requests share one
   * signature in flight. Bounded: a new signature takes the oldest one's slot.
   */
  issued(kid: string, clientId: string, issuer: string, audience: string, ttl: number, iat: number, sign: () => Promise<string>): string | Promise<string> {
    const issued = this.#issued
    for (let i = 0; i < MAX_ISSUED; i++) {
      const t = issued[i]
      if (t !== undefined && t.iat === iat && t.clientId === clientId && t.kid === kid && t.issuer === issuer && t.audience === audience && t.ttl === ttl) {
        // Once signed, the token itself: a caller with it in hand needs no microtask turn.
        return t.signed ?? t.token
      }
    }
    const token = sign()
    const entry: IssuedToken = { clientId, kid, issuer, audience, ttl, iat, token }
    const slot = this.#nextIssued
    issued[slot] = entry
    this.#nextIssued = slot === MAX_ISSUED - 1 ? 0 : slot + 1
    token.then(
      (signed) => {
        entry.signed = signed
      },
      // A failed signature is not remembered: the next request signs again.
      () => {
        if (issued[slot] === entry) issued[slot] = undefined
      },
    )
    return token
  }

  /** Removes a key from the JWKS (tokens it signed stop verifying). The signing key cannot be retired. */
  retire(kid: string): boolean {
    if (kid === this.#signing?.kid) throw new Error(`Failed to retire key "${kid}": it is the signing key; rotate first`)
    const removed = this.#published.delete(kid)
    if (removed) this.#render()
    return removed
  }

  /** The public key published under `kid`, if any. O(1): the API's verification needs no store lookup. */
  find(kid: unknown): CryptoKey | undefined {
    return typeof kid === 'string' ? this.#published.get(kid)?.publicKey : undefined
  }

  /** The JWKS document, rendered once per change. */
  get jwks(): string {
    return this.#jwks
  }

  #render(): void {
    this.#jwks = JSON.stringify({ keys: this.kids.map((kid) => this.#published.get(kid)!.publicJwk) })
  }
}

/** Signs claims as an RS256 JWT with the header of the document's sample (`alg`, `typ`, `kid`). */
export async function signJwt(key: Pick<SigningKey, 'kid' | 'privateKey'>, payload: JWTPayload, header: Partial<JWTHeaderParameters> = {}): Promise<string> {
  const { SignJWT } = await joseSign()
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header }).sign(key.privateKey)
}

interface NodeSigner {
  keyObject: KeyObject
  /** The encoded protected header, fixed per key. */
  header: string
}

/** Per private key and kid: the node:crypto signer once it has proved itself, or null while (or if) jose signs. */
const signers = new WeakMap<CryptoKey, { kid: string; signer: NodeSigner | null }>()

/**
 * The token endpoint's RS256 JWT: `signJwt(key, payload)`'s bytes. node:crypto's
 * callback `sign` queues the RSA work on libuv's thread pool with about half
 * the main-thread time of the WebCrypto `subtle.sign` jose uses (~40 µs vs
 * ~90 µs per token, ~8% of a signed round trip in-process), so it signs here.
 * jose keeps the rest: a key's first token is jose's, which checks the key
 * and throws as before for an unfit one; node:crypto takes over only once its
 * token for the same claims came out identical.
 */
export function signAccessToken(key: Pick<SigningKey, 'kid' | 'privateKey'>, payload: JWTPayload): Promise<string> {
  const known = signers.get(key.privateKey)
  if (known?.kid === key.kid) {
    // Not an async function: the signature's own promise, with no wrapper around it.
    if (known.signer) return nodeSign(known.signer, payload)
    return signJwt(key, payload)
  }
  return firstSignature(key, payload)
}

/** A key's first token, by jose; node:crypto is tried beside it and takes over if its bytes agree. */
async function firstSignature(key: Pick<SigningKey, 'kid' | 'privateKey'>, payload: JWTPayload): Promise<string> {
  const token = await signJwt(key, payload)
  const entry: { kid: string; signer: NodeSigner | null } = { kid: key.kid, signer: null }
  signers.set(key.privateKey, entry)
  try {
    const candidate = { keyObject: KeyObject.from(key.privateKey), header: base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid })) }
    // In the background: the request has its token already.
    nodeSign(candidate, payload).then(
      (same) => {
        if (same === token) entry.signer = candidate
      },
      () => {},
    )
  } catch {
    // Not a key node:crypto can use: jose goes on signing.
  }
  return token
}

/**
 * Where {@link nodeSign} encodes: the claims' UTF-8, then the signing input.
 * node:crypto's asynchronous `sign` copies its data before it returns, so one
 * buffer serves every call. `Buffer.from` would take both from Node's shared
 * 8 KiB pool, whose slabs the journal's reply bodies keep alive long enough
 * to be copied into the old generation.
 */
let scratch = Buffer.allocUnsafeSlow(4096)

function nodeSign({ keyObject, header }: NodeSigner, payload: JWTPayload): Promise<string> {
  const json = JSON.stringify(payload)
  // At most 3 UTF-8 bytes a UTF-16 unit, and the signing input's base64url is 4/3 of those plus the header.
  const room = header.length + 1 + json.length * 4
  if (room > scratch.length) scratch = Buffer.allocUnsafeSlow(room)
  const input = `${header}.${scratch.toString('base64url', 0, scratch.write(json))}`
  // The input is base64url and a dot: ASCII, one byte a character.
  const data = scratch.subarray(0, scratch.write(input, 'latin1'))
  return new Promise((resolve, reject) => {
    sign('sha256', data, keyObject, (error, signature) => (error ? reject(error) : resolve(`${input}.${signature.toString('base64url')}`)))
  })
}

const base64url = (text: string) => Buffer.from(text).toString('base64url')
