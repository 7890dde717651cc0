import { describe, expect, it } from 'vitest'
import { createStore, PURGE_GRACE_MS, tokenSchema } from './index.js'
import { attachStoreClock } from './indexed.js'
import { TokenRecord } from '../core/token.js'

const HOUR = 3600_000

/** tokenSchema's output for a token, every default filled in, as a provider builds it for `insert`. */
function built(i: number, fields: Partial<{ refreshToken: string | null; expiresAtMs: number | null; scopes: string[] }> = {}) {
  return {
    token: `t${i}`,
    refreshToken: null,
    clientId: 'c',
    userId: 'u',
    scopes: ['a', 'b'],
    issuedAtMs: 0,
    expiresAtMs: HOUR,
    revokedAtMs: null,
    code: null,
    refreshedFrom: null,
    meta: { projectId: 'p' },
    ...fields,
  }
}

describe('insert (records the provider built itself)', () => {
  it('stores the same record create would, with the internal keys the collection needs', async () => {
    const store = createStore()
    const inserted = store.tokens.insert(built(1, { refreshToken: 'r1' }))
    const created = await store.tokens.collection.create(built(2, { refreshToken: 'r2' }))
    // The builder's record is the schema's output: validation keeps it as it is.
    expect(tokenSchema.parse(built(1, { refreshToken: 'r1' }))).toStrictEqual(built(1, { refreshToken: 'r1' }))
    expect({ ...inserted, token: 't2', refreshToken: 'r2' }).toStrictEqual({ ...created })
    expect(Object.getOwnPropertySymbols(inserted).map(String).sort()).toEqual(Object.getOwnPropertySymbols(created).map(String).sort())
    expect(Object.keys(inserted)).toEqual(Object.keys(created))
    expect(store.tokens.by('token', 't1')).toBe(inserted)
    expect(store.tokens.by('refreshToken', 'r1')).toBe(inserted)
    expect(store.tokens.size).toBe(2)
    expect(store.tokens.collection.count()).toBe(2)
  })

  it("stores a TokenRecord (the core's token constructor) as it stores a literal: same prototype, keys, order and internal keys", async () => {
    const store = createStore()
    const f = built(1, { refreshToken: 'r1' })
    const record = new TokenRecord(
      f.token,
      f.refreshToken,
      f.clientId,
      f.userId,
      f.scopes,
      f.issuedAtMs,
      f.expiresAtMs,
      f.revokedAtMs,
      f.code,
      f.refreshedFrom,
      f.meta,
    )
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
    expect(record.constructor).toBe(Object)
    const inserted = store.tokens.insert(record)
    const created = await store.tokens.collection.create(built(2, { refreshToken: 'r2' }))
    expect(Object.keys(inserted)).toEqual(Object.keys(created))
    expect({ ...inserted, token: 't2', refreshToken: 'r2' }).toStrictEqual({ ...created })
    expect(Object.getOwnPropertySymbols(inserted).map(String).sort()).toEqual(Object.getOwnPropertySymbols(created).map(String).sort())
    expect(JSON.stringify({ ...inserted, token: 't2', refreshToken: 'r2' })).toBe(JSON.stringify(created))
    expect(store.tokens.by('refreshToken', 'r1')).toBe(inserted)
  })

  it("gives each TokenRecord exactly the times it was made with, whether they repeat the last record's or not", () => {
    const times: [number, number | null][] = [
      [1_765_000_000_123, 1_765_003_600_123],
      [1_765_000_000_123, 1_765_003_600_123],
      [1_765_000_000_123, null],
      [1_765_000_000_124, 1_765_000_000_124],
      [0, -0],
      [-0, 0],
      [NaN, NaN],
      [1.5, 2 ** 53],
    ]
    const records = times.map(([issuedAtMs, expiresAtMs], i) => new TokenRecord(`t${i}`, null, 'c', null, [], issuedAtMs, expiresAtMs, null, null, null, {}))
    for (const [i, [issuedAtMs, expiresAtMs]] of times.entries()) {
      expect(Object.is(records[i].issuedAtMs, issuedAtMs)).toBe(true)
      expect(Object.is(records[i].expiresAtMs, expiresAtMs)).toBe(true)
    }
    expect(Object.keys(records[0])).toEqual(Object.keys(tokenSchema.shape))
  })

  it('leaves the collection own queries, update and delete working on inserted records', async () => {
    const store = createStore()
    for (let i = 0; i < 5; i++) store.tokens.insert(built(i))
    expect(store.tokens.collection.findFirst((q) => q.where({ token: 't3' }))?.token).toBe('t3')
    expect(store.tokens.collection.findMany((q) => q.where({ clientId: 'c' }))).toHaveLength(5)
    const updated = await store.tokens.collection.update((q) => q.where({ token: 't3' }), { data: (t) => void (t.revokedAtMs = 9) })
    expect(updated?.revokedAtMs).toBe(9)
    expect(store.tokens.by('token', 't3')).toBe(updated)
    // Updating one record leaves the others alone (their primary keys are distinct).
    expect(store.tokens.collection.findMany((q) => q.where({ revokedAtMs: 9 })).map((t) => t.token)).toEqual(['t3'])
    store.tokens.collection.delete((q) => q.where({ token: 't1' }))
    expect(store.tokens.by('token', 't1')).toBeUndefined()
    expect(
      store.tokens.collection
        .all()
        .map((t) => t.token)
        .sort(),
    ).toEqual(['t0', 't2', 't3', 't4'])
    store.tokens.patch(store.tokens.by('token', 't4')!, { revokedAtMs: 1 })
    expect(store.tokens.collection.findFirst((q) => q.where({ token: 't4' }))?.revokedAtMs).toBe(1)
  })

  it('sweeps expired records as inserts go on, so memory follows the live records', () => {
    const store = createStore()
    let now = 0
    attachStoreClock(store, () => now)
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 2000; i++) store.tokens.insert(built(round * 2000 + i, { expiresAtMs: now + HOUR }))
      now += HOUR + PURGE_GRACE_MS
    }
    expect(store.tokens.collection.count()).toBeLessThanOrEqual(4000)
    expect(store.tokens.size).toBe(store.tokens.collection.count())
    expect(store.tokens.by('token', 't19999')?.token).toBe('t19999')
    expect(store.tokens.by('token', 't0')).toBeUndefined()
  })
})

describe('createNow (seeding without awaiting)', () => {
  it('stores the validated record at once, defaults filled in, found by its index and by the collection', () => {
    const store = createStore()
    const client = store.clients.createNow({ clientId: 'c1', clientSecret: 's', name: 'App', createdAtMs: 0 })
    expect(client).toMatchObject({ clientId: 'c1', redirectUris: [], scopes: [], grantTypes: [], ownerId: null, meta: {} })
    expect(store.clients.by('clientId', 'c1')).toBe(client)
    expect(store.clients.collection.findFirst((q) => q.where({ clientId: 'c1' }))).toBe(client)
  })

  it('refuses values the schema refuses, naming the field, and stores nothing', () => {
    const store = createStore()
    expect(() => store.clients.createNow({ clientId: 'c1', name: 'App', createdAtMs: 0 } as never)).toThrow(/clientSecret/)
    expect(store.clients.size).toBe(0)
  })
})

describe('release by time (expiry queue)', () => {
  it('releases expired records at a cost that follows what expired: the live ones are never read', () => {
    const store = createStore()
    let now = 0
    attachStoreClock(store, () => now)
    // 5,000 live for a day, whose expiry is read once each when stored and never again while they live.
    for (let i = 0; i < 5000; i++) store.tokens.insert(built(i, { expiresAtMs: 24 * HOUR }))
    let reads = 0
    const short = (i: number) => {
      const token = built(100_000 + i, { expiresAtMs: now + HOUR })
      return new Proxy(token, { get: (t, k) => (k === 'expiresAtMs' && reads++, Reflect.get(t, k)) })
    }
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 100; i++) store.tokens.insert(short(round * 100 + i) as never)
      now += HOUR + PURGE_GRACE_MS
    }
    store.tokens.purgeExpired(now)
    expect(store.tokens.size).toBe(5000)
    // Each short-lived token's expiry is read when stored and when released: the 5,000 live ones add nothing.
    expect(reads).toBeLessThanOrEqual(500 * 3)
    expect(store.tokens.collection.count()).toBe(5000)
  })

  it('releases after an advance past expiry as soon as anything is stored, without waiting for as many new records as live ones', () => {
    const store = createStore()
    let now = 0
    attachStoreClock(store, () => now)
    for (let i = 0; i < 3000; i++) store.tokens.insert(built(i, { expiresAtMs: now + HOUR }))
    now += 3 * HOUR
    store.tokens.insert(built(99_999, { expiresAtMs: now + HOUR }))
    expect(store.tokens.size).toBe(1)
    expect(store.tokens.collection.all().map((t) => t.token)).toEqual(['t99999'])
  })

  it('takes a revocation into account (patch) and a refresh token keeps its record until revoked', () => {
    const store = createStore()
    let now = 0
    attachStoreClock(store, () => now)
    const kept = store.tokens.insert(built(1, { refreshToken: 'r1', expiresAtMs: HOUR }))
    now = 10 * HOUR
    store.tokens.purgeExpired(now)
    expect(store.tokens.by('token', 't1')).toBe(kept)
    store.tokens.patch(kept, { revokedAtMs: now })
    now += PURGE_GRACE_MS
    expect(store.tokens.purgeExpired(now)).toBe(1)
    expect(store.tokens.by('refreshToken', 'r1')).toBeUndefined()
  })

  it('hides records dropped but not yet compacted from every query', async () => {
    const store = createStore()
    let now = 0
    attachStoreClock(store, () => now)
    for (let i = 0; i < 10; i++) store.tokens.insert(built(i, { expiresAtMs: i < 3 ? HOUR : 100 * HOUR }))
    now = 2 * HOUR + PURGE_GRACE_MS
    await store.tokens.collection.create(built(50, { expiresAtMs: 100 * HOUR }))
    expect(store.tokens.collection.findMany((q) => q.where({ clientId: 'c' })).map((t) => t.token)).toEqual(['t3', 't4', 't5', 't6', 't7', 't8', 't9', 't50'])
    expect(store.tokens.collection.count()).toBe(8)
  })

  it('keeps each collection to its own records, drops and clock, and starts afresh after clear()', () => {
    const [first, second] = [createStore(), createStore()]
    let now = 0
    attachStoreClock(first, () => now)
    for (let i = 0; i < 4; i++) first.tokens.insert(built(i, { expiresAtMs: i < 2 ? HOUR : 100 * HOUR }))
    second.tokens.insert(built(7, { expiresAtMs: HOUR }))
    now = 2 * HOUR + PURGE_GRACE_MS
    first.tokens.insert(built(4, { expiresAtMs: 100 * HOUR }))
    expect(first.tokens.collection.all().map((t) => t.token)).toEqual(['t2', 't3', 't4'])
    expect(second.tokens.collection.all().map((t) => t.token)).toEqual(['t7'])
    expect(second.tokens.purgeExpired(now)).toBe(1)
    first.tokens.remove(first.tokens.by('token', 't3')!)
    first.tokens.collection.clear()
    expect([first.tokens.size, first.tokens.collection.count()]).toEqual([0, 0])
    first.tokens.insert(built(5, { expiresAtMs: now + HOUR }))
    now += 2 * HOUR + PURGE_GRACE_MS
    expect(first.tokens.purgeExpired(now)).toBe(1)
    expect(first.tokens.collection.all()).toEqual([])
  })
})
