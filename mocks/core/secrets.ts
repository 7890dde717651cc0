import * as cryptoModule from 'node:crypto'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Random bytes drawn from one CSPRNG buffer refilled 8 KiB at a time rather
 * than one `randomBytes` call per 32-byte token (Node's `randomUUID` caches
 * the same way).
 */
const POOL_SIZE = 8192
let pool = Buffer.alloc(0)
let offset = 0
function take(bytes: number): Buffer {
  if (bytes > POOL_SIZE) return randomBytes(bytes)
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL_SIZE)
    offset = 0
  }
  const slice = pool.subarray(offset, offset + bytes)
  offset += bytes
  return slice
}

/** `n` random bytes from the pool (a view: copy it if it must outlive the next draw). */
export function pooledRandomBytes(bytes: number): Buffer {
  return take(bytes)
}

/** `n` random bytes as lower-case hex (Doorkeeper and GoCD use `SecureRandom.hex(32)`). */
export function randomHex(bytes = 32): string {
  return take(bytes).toString('hex')
}

/** `n` random bytes as unpadded base64url. */
export function randomBase64Url(bytes = 32): string {
  return take(bytes).toString('base64url')
}

/**
 * Compares two secrets in time independent of where they differ.
 * Both sides are hashed first so the comparison also hides the length.
 * `holder`: the record the expected secret belongs to (a client), which then
 * keeps its digest: with more clients than the cache below holds, each would
 * otherwise be hashed again on every request.
 */
export function secretsEqual(given: string | undefined | null, expected: string | undefined | null, holder?: object): boolean {
  if (typeof given !== 'string' || typeof expected !== 'string') return false
  return timingSafeEqual(digestOf(given, givenDigests), holder === undefined ? digestOf(expected, expectedDigests) : heldDigest(holder, expected))
}

type OneShotHash = (algorithm: string, data: string | Uint8Array, encoding: 'binary') => string
const oneShotHash = (cryptoModule as unknown as { hash?: OneShotHash }).hash

/**
 * SHA-256 as a binary (latin1) string, one character per byte, through the one-shot
 * `crypto.hash` where this Node has it (20.12+; read off the namespace, as
 * older 20s lack the export). A binary string, not a Buffer: Node 20 makes
 * it faster (docs/performance.md, "Hot paths"), and it writes back into a
 * buffer byte for byte.
 */
export const sha256Binary: (data: string | Uint8Array) => string =
  typeof oneShotHash === 'function' ? (data) => oneShotHash('sha256', data, 'binary') : (data) => createHash('sha256').update(data).digest('binary')

/**
 * Digests of secrets compared, stored ones and presented ones apart: a
 * provider holds few secrets and its clients present the same ones on every
 * token request. Whether a presented secret's digest was cached says nothing
 * about the stored one; the comparison itself is of digests, in constant time.
 * Bounded; a full cache starts over.
 */
const expectedDigests = new Map<string, Buffer>()
const givenDigests = new Map<string, Buffer>()
function digestOf(secret: string, cache: Map<string, Buffer>): Buffer {
  let digest = cache.get(secret)
  if (!digest) {
    if (cache.size >= 1024) cache.clear()
    digest = Buffer.from(sha256Binary(secret), 'binary')
    cache.set(secret, digest)
  }
  return digest
}

/**
 * Stored secrets' digests by the record holding them, with the secret they are
 * of (`of`): a changed secret is hashed afresh. Checking `of` compares two
 * stored values, never a presented one.
 */
const heldDigests = new WeakMap<object, { of: string; digest: Buffer }>()
function heldDigest(holder: object, stored: string): Buffer {
  const held = heldDigests.get(holder)
  if (held !== undefined && held.of === stored) return held.digest
  const digest = Buffer.from(sha256Binary(stored), 'binary')
  heldDigests.set(holder, { of: stored, digest })
  return digest
}
