import { describe, expect, it } from 'vitest'
import { createStore, PURGE_GRACE_MS, tokenExpired, codeExpired } from '../../mocks/store/index.js'
import { attachStoreClock } from '../../mocks/store/indexed.js'

const HOUR = 3600_000

function token(i: number, fields: Partial<{ refreshToken: string | null; expiresAtMs: number | null; revokedAtMs: number | null }> = {}) {
  return { token: `t${i}`, refreshToken: null, clientId: 'c', userId: null, scopes: [], issuedAtMs: 0, expiresAtMs: HOUR, ...fields }
}

describe('expiry policy', () => {
  it('keeps a token until its grace period after expiry has passed', () => {
    const t = { refreshToken: null, expiresAtMs: HOUR, revokedAtMs: null }
    expect(tokenExpired(t, HOUR + PURGE_GRACE_MS - 1)).toBe(false)
    expect(tokenExpired(t, HOUR + PURGE_GRACE_MS)).toBe(true)
  })
  it('keeps an expired access token whose refresh token is still good, and drops it once that is revoked', () => {
    const live = { refreshToken: 'r', expiresAtMs: HOUR, revokedAtMs: null }
    expect(tokenExpired(live, 1000 * HOUR)).toBe(false)
    expect(tokenExpired({ ...live, revokedAtMs: 2 * HOUR }, 2 * HOUR + PURGE_GRACE_MS - 1)).toBe(false)
    expect(tokenExpired({ ...live, revokedAtMs: 2 * HOUR }, 2 * HOUR + PURGE_GRACE_MS)).toBe(true)
  })
  it('never drops a token that never expires unless it is revoked', () => {
    expect(tokenExpired({ refreshToken: null, expiresAtMs: null, revokedAtMs: null }, Number.MAX_SAFE_INTEGER)).toBe(false)
    expect(tokenExpired({ refreshToken: null, expiresAtMs: null, revokedAtMs: 0 }, PURGE_GRACE_MS)).toBe(true)
  })
  it('drops a code, redeemed or not, once expired past the grace period', () => {
    expect(codeExpired({ expiresAtMs: 600_000 }, 600_000 + PURGE_GRACE_MS - 1)).toBe(false)
    expect(codeExpired({ expiresAtMs: 600_000 }, 600_000 + PURGE_GRACE_MS)).toBe(true)
  })
})

describe('indexed collection sweeps', () => {
  it('purges expired records from the collection and every index, keeping the rest findable', async () => {
    const store = createStore()
    for (let i = 0; i < 100; i++) await store.tokens.collection.create(token(i, i % 2 ? { expiresAtMs: 10 * HOUR } : {}))
    await store.tokens.collection.create(token(1000, { refreshToken: 'refresh-1000' }))
    expect(store.tokens.purgeExpired(HOUR + PURGE_GRACE_MS)).toBe(50)
    expect(store.tokens.collection.count()).toBe(51)
    expect(store.tokens.size).toBe(51)
    for (let i = 0; i < 100; i++) expect(store.tokens.by('token', `t${i}`)?.token).toBe(i % 2 ? `t${i}` : undefined)
    expect(store.tokens.by('refreshToken', 'refresh-1000')?.token).toBe('t1000')
    // The collection's own queries agree with the index.
    expect(
      store.tokens.collection
        .findMany()
        .map((t) => t.token)
        .sort(),
    ).toEqual([...store.tokens.collection.all()].map((t) => t.token).sort())
    expect(store.tokens.collection.findFirst((q) => q.where({ token: 't2' }))).toBeUndefined()
    expect(store.tokens.collection.findFirst((q) => q.where({ token: 't3' }))?.token).toBe('t3')
  })

  it('sweeps on its own as records are created, so the store follows the live records', async () => {
    const store = createStore()
    let now = 0
    attachStoreClock(store, () => now)
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 2000; i++) await store.tokens.collection.create(token(round * 2000 + i, { issuedAtMs: now, expiresAtMs: now + HOUR }))
      now += HOUR + PURGE_GRACE_MS
    }
    // 20,000 issued; only the last rounds' can still be there (sweeps every max(1024, live) creations).
    expect(store.tokens.collection.count()).toBeLessThanOrEqual(4000)
    expect(store.tokens.size).toBe(store.tokens.collection.count())
    expect(store.tokens.by('token', 't19999')?.token).toBe('t19999')
  })

  it('patches a record in place in O(1), re-indexing changed keys', async () => {
    const store = createStore()
    const created = await store.tokens.collection.create(token(1, { refreshToken: 'r1' }))
    const patched = store.tokens.patch(created, { revokedAtMs: 5, refreshToken: 'r2' })
    expect(patched).toBe(store.tokens.by('token', 't1'))
    expect(patched.revokedAtMs).toBe(5)
    expect(store.tokens.by('refreshToken', 'r1')).toBeUndefined()
    expect(store.tokens.by('refreshToken', 'r2')?.token).toBe('t1')
    expect(store.tokens.collection.findFirst((q) => q.where({ token: 't1' }))?.revokedAtMs).toBe(5)
    // A stale reference (from before a collection.update) still patches the live record.
    const updated = await store.tokens.collection.update(patched, { data: (t) => void (t.scopes = ['x']) })
    store.tokens.patch(patched, { revokedAtMs: 7 })
    expect(store.tokens.by('token', 't1')).toBe(updated)
    expect(updated!.revokedAtMs).toBe(7)
  })
})
