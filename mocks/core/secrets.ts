import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** `n` random bytes as lower-case hex (Doorkeeper and GoCD use `SecureRandom.hex(32)`). */
export function randomHex(bytes = 32): string {
  return randomBytes(bytes).toString('hex')
}

/** `n` random bytes as unpadded base64url. */
export function randomBase64Url(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/**
 * Compares two secrets in time independent of where they differ.
 * Both sides are hashed first so the comparison also hides the length.
 */
export function secretsEqual(given: string | undefined | null, expected: string | undefined | null): boolean {
  if (typeof given !== 'string' || typeof expected !== 'string') return false
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}
