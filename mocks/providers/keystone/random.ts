import { randomFillSync } from 'node:crypto'

/**
 * Keystone's own CSPRNG bytes, refilled 8 KiB at a time and read in place by
 * offset: a token or a request id then costs no Buffer view, where the core's
 * `pooledRandomBytes` hands out one per call.
 */
export const RANDOM_POOL = Buffer.alloc(8192)
let used = RANDOM_POOL.length

/** The offset in {@link RANDOM_POOL} of `n` (at most 8,192) random bytes not handed out before. */
export function drawRandom(n: number): number {
  if (used + n > RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL)
    used = 0
  }
  used += n
  return used - n
}
