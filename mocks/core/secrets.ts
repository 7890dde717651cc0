import * as cryptoModule from 'node:crypto'
import { createHash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto'

/**
 * CSPRNG bytes for every provider, refilled 8 KiB at a time rather than one
 * `randomBytes` call per token (Node's `randomUUID` caches the same way), and
 * read in place: {@link drawRandom} gives an offset into it, and the hex and
 * base64url forms are read straight out of it, so a draw costs no Buffer view.
 */
export const RANDOM_POOL = Buffer.alloc(8192)
let used = RANDOM_POOL.length

/** The offset in {@link RANDOM_POOL} of `n` (at most 8,192) random bytes not handed out before; read them before the next draw. */
export function drawRandom(n: number): number {
  if (used + n > RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL)
    used = 0
  }
  used += n
  return used - n
}

/** `n` random bytes from the pool (a view: copy it if it must outlive the next draw). */
export function pooledRandomBytes(bytes: number): Buffer {
  if (bytes > RANDOM_POOL.length) return randomBytes(bytes)
  const at = drawRandom(bytes)
  return RANDOM_POOL.subarray(at, at + bytes)
}

/** `n` random bytes as lower-case hex (Doorkeeper and GoCD use `SecureRandom.hex(32)`). */
export function randomHex(bytes = 32): string {
  if (bytes > RANDOM_POOL.length) return randomBytes(bytes).toString('hex')
  const at = drawRandom(bytes)
  return RANDOM_POOL.toString('hex', at, at + bytes)
}

/** `n` random bytes as unpadded base64url. */
export function randomBase64Url(bytes = 32): string {
  if (bytes > RANDOM_POOL.length) return randomBytes(bytes).toString('base64url')
  const at = drawRandom(bytes)
  return RANDOM_POOL.toString('base64url', at, at + bytes)
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
  return timingSafeEqual(digestOf(given, 'given'), holder === undefined ? digestOf(expected, 'expected') : heldDigest(holder, expected))
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
 * Bounded; a full cache starts over as a new Map, small enough to die young
 * when many clients take turns: V8's `clear()` would give the long-lived
 * Map its next table in the old generation, linked from the last, so every
 * secret and digest ever stored would be copied there by the next scavenges.
 */
const digests = { expected: new Map<string, Buffer>(), given: new Map<string, Buffer>() }
const DIGESTS_KEPT = 64
function digestOf(secret: string, which: keyof typeof digests): Buffer {
  let cache = digests[which]
  let digest = cache.get(secret)
  if (!digest) {
    if (cache.size >= DIGESTS_KEPT) digests[which] = cache = new Map()
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
