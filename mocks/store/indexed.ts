import { Collection } from '@msw/data'
import { defineExtension, type Extension } from '@msw/data/extensions'
import type { StandardSchemaV1 } from '@standard-schema/spec'

type Output<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>

/**
 * @msw/data's own record keys (the primary key and the relation map), which it
 * does not export: `insert` must store records indistinguishable from
 * `create`'s. `create` reads both keys off its argument synchronously (to
 * sanitize it) before its first `await`, so a probe object that notes the
 * symbols it is asked for learns them at import time, without a top-level
 * `await` (which would make the package unloadable through `require`).
 */
const [kPrimaryKey, kRelationMap] = (() => {
  const seen = new Set<symbol>()
  const note = (key: string | symbol) => typeof key === 'symbol' && seen.add(key)
  const probe = new Proxy(
    {},
    {
      has: (_target, key) => (note(key), true),
      get: (_target, key) => void note(key),
      ownKeys: () => [],
    },
  )
  const passthrough: StandardSchemaV1 = { '~standard': { version: 1, vendor: 'oauth-dance', validate: () => ({ value: {} }) } }
  new Collection({ schema: passthrough }).create(probe).catch(() => {})
  const named = (name: string) => {
    const symbol = [...seen].find((s) => s.description === name)
    if (!symbol) throw new Error(`@msw/data no longer reads ${name} synchronously in create(): indexedCollection's insert needs updating`)
    return symbol
  }
  return [named('kPrimaryKey'), named('kRelationMap')] as const
})()

/**
 * The relation map of every record stored with `insert`: they have no
 * relations (tokens and codes refer to clients and users by id), so they share
 * one empty map instead of one each; one that tried to gain a relation
 * would fail loudly here rather than corrupt the others.
 */
const NO_RELATIONS: Map<unknown, unknown> = new (class NoRelations extends Map<unknown, unknown> {
  override set(): never {
    throw new Error('a record stored with insert() cannot have relations')
  }
})()
/** A stored record (with the collection's internal keys), as `findFirst` returns it. */
export type StoredRecord<S extends StandardSchemaV1> = NonNullable<ReturnType<Collection<S>['findFirst']>>

/**
 * Keeps a `Map` from each of `keys` to the record holding that value, through
 * the collection's own hooks, so a lookup by token, code or client id is O(1)
 * while the collection stays the single source of truth.
 *
 * @note `findFirst` scans every record, which would dominate every request
 * once many tokens were issued.
 */
export function uniqueIndex<S extends StandardSchemaV1, K extends keyof Output<S> & string>(
  keys: readonly K[],
  onCreate?: (record: unknown) => void,
): Extension & { maps: Record<K, Map<unknown, Output<S>>>; add(record: unknown): void; remove(record: unknown): void } {
  const maps = Object.fromEntries(keys.map((key) => [key, new Map()])) as Record<K, Map<unknown, Output<S>>>
  // The maps in the keys' order, read by position: every collection's `maps` has its own shape, and reading them by name
  // from these closures (which all collections share) would be a megamorphic lookup per key.
  const mapList = keys.map((key) => maps[key])
  const add = (record: unknown) => {
    for (let i = 0; i < keys.length; i++) {
      const value = (record as Output<S>)[keys[i]]
      if (value !== undefined && value !== null) mapList[i].set(value, record as Output<S>)
    }
  }
  const remove = (record: unknown) => {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]
      const value = (record as Output<S>)[key]
      if (value !== undefined && value !== null && mapList[i].get(value)?.[key as never] === value) mapList[i].delete(value)
    }
  }
  const extension = defineExtension({
    name: 'unique-index',
    extend(collection) {
      collection.hooks.on('create', (event) => {
        add(event.data.record)
        onCreate?.(event.data.record)
      })
      collection.hooks.on('update', (event) => {
        remove(event.data.prevRecord)
        add(event.data.nextRecord)
      })
      collection.hooks.on('delete', (event) => remove(event.data.deletedRecord))
      // The 'update' hook hands over an intermediate draft, but the collection
      // then stores a re-validated copy of it; point the indexes at the copy
      // actually stored, so `by()` returns the live record.
      const update = collection.update.bind(collection)
      const updateMany = collection.updateMany.bind(collection)
      collection.update = (async (...args: Parameters<typeof update>) => {
        const record = await update(...args)
        if (record) add(record)
        return record
      }) as typeof collection.update
      collection.updateMany = (async (...args: Parameters<typeof updateMany>) => {
        const records = await updateMany(...args)
        for (const record of records) add(record)
        return records
      }) as typeof collection.updateMany
    },
  })
  return Object.assign(extension, { maps, add, remove })
}

export interface IndexedOptions<T> {
  /**
   * When (ms, on the provider's clock) a record may be dropped: an expired
   * code or token past its grace period, an idle session. `Infinity` while it
   * must stay. Read when the record is stored and again when that time comes
   * (it may have moved: a session used since, a token revoked), so it may
   * grow; a change that brings it earlier goes through `patch`, which
   * re-reads it. Needs a clock: {@link attachStoreClock}.
   */
  droppableAt?(record: T): number
}

/**
 * A binary min-heap of (time, record): the records in the order they may be
 * dropped, so releasing expired ones costs O(log n) each, however many live
 * records there are. Two parallel arrays: an entry is two slots, not an object.
 */
class ExpiryQueue<T> {
  readonly #at: number[] = []
  readonly #items: T[] = []

  get size(): number {
    return this.#at.length
  }

  /** The earliest time in the queue (Infinity when empty). */
  peek(): number {
    return this.#at.length ? this.#at[0] : Infinity
  }

  push(at: number, item: T): void {
    const at_ = this.#at
    const items = this.#items
    let i = at_.length
    at_.push(at)
    items.push(item)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (at_[parent] <= at) break
      at_[i] = at_[parent]
      items[i] = items[parent]
      i = parent
    }
    at_[i] = at
    items[i] = item
  }

  pop(): T {
    const at_ = this.#at
    const items = this.#items
    const top = items[0]
    const lastAt = at_.pop()!
    const lastItem = items.pop()!
    const n = at_.length
    if (n > 0) {
      let i = 0
      for (;;) {
        let child = 2 * i + 1
        if (child >= n) break
        if (child + 1 < n && at_[child + 1] < at_[child]) child++
        if (at_[child] >= lastAt) break
        at_[i] = at_[child]
        items[i] = items[child]
        i = child
      }
      at_[i] = lastAt
      items[i] = lastItem
    }
    return top
  }

  clear(): void {
    this.#at.length = 0
    this.#items.length = 0
  }
}

/** The scanning methods of a collection, which must not see records dropped but not yet compacted away. */
const SCANNING_METHODS = ['findFirst', 'findMany', 'count', 'all', 'update', 'updateMany', 'delete', 'deleteMany'] as const

/**
 * The collection of an {@link indexedCollection}: its scanning methods (and
 * `clear`) first let the indexed collection compact its array. Defined once,
 * on the prototype, rather than as wrappers on each collection: stores are
 * built anew on every reset.
 */
class CompactingCollection<S extends StandardSchemaV1> extends Collection<S> {
  /** Set right after construction; nothing scans before. */
  declare owner: Indexed<S, never> | undefined

  override clear(): void {
    this.owner?.cleared()
    super.clear()
  }
}
for (const method of SCANNING_METHODS) {
  const original = Collection.prototype[method] as (this: unknown, ...args: unknown[]) => unknown
  Object.defineProperty(CompactingCollection.prototype, method, {
    value: function (this: CompactingCollection<StandardSchemaV1>, ...args: unknown[]) {
      this.owner?.compact()
      return original.apply(this, args)
    },
    writable: true,
    configurable: true,
  })
}

/** The collection's own array (@msw/data hands out the reference, so records can be queried), without compacting first. */
const rawAll = Collection.prototype.all

/**
 * A `@msw/data` collection with unique indexes on the given keys.
 *
 * Records dropped by time, or with {@link remove}, leave the indexes at once
 * and the collection's array lazily: it is compacted in one pass once the
 * dropped ones are half of it, or before any method that scans it, so a drop
 * costs O(1) amortized where `collection.delete` costs O(records).
 *
 * @example
 * const tokens = indexedCollection(tokenSchema, ['token', 'refreshToken'])
 * await tokens.collection.create({ token: 'abc', ... })
 * tokens.by('token', 'abc')
 */
export function indexedCollection<S extends StandardSchemaV1, K extends keyof Output<S> & string>(
  schema: S,
  keys: readonly K[],
  options: IndexedOptions<StoredRecord<S>> = {},
): IndexedCollection<S, K> {
  return new Indexed<S, K>(schema, keys, options.droppableAt)
}

/** What {@link indexedCollection} returns; methods on the prototype, state in private fields. */
class Indexed<S extends StandardSchemaV1, K extends keyof Output<S> & string> implements IndexedCollection<S, K> {
  readonly collection: Collection<S>
  readonly #schema: S
  readonly #keys: readonly K[]
  readonly #index: ReturnType<typeof uniqueIndex<S, K>>
  /** The map of the first key: a record is stored while it holds it. */
  readonly #primary: Map<unknown, Output<S>>
  readonly #droppableAt: ((record: StoredRecord<S>) => number) | undefined
  readonly #queue: ExpiryQueue<StoredRecord<S>> | undefined
  #now: (() => number) | undefined
  /** Dropped records still in the collection's array (made with the first drop). */
  #dropped: WeakSet<object> | undefined
  #droppedInArray = 0

  constructor(schema: S, keys: readonly K[], droppableAt: ((record: StoredRecord<S>) => number) | undefined) {
    this.#schema = schema
    this.#keys = keys
    this.#droppableAt = droppableAt
    this.#queue = droppableAt ? new ExpiryQueue<StoredRecord<S>>() : undefined
    this.#index = uniqueIndex<S, K>(keys, droppableAt ? (record) => this.#onCreate(record as StoredRecord<S>) : undefined)
    const collection = new CompactingCollection({ schema, extensions: [this.#index] })
    collection.owner = this as unknown as Indexed<S, never>
    this.collection = collection
    this.#primary = this.#index.maps[keys[0]]
  }

  /** Queues a new record by the time it may go; the due ones first (`create` calls this before the record is in the collection's array). */
  #onCreate(record: StoredRecord<S>): void {
    const queue = this.#queue!
    const now = this.#now
    if (now && queue.peek() <= now()) this.#releaseDue(now())
    const at = this.#droppableAt!(record)
    if (at !== Infinity) queue.push(at, record)
  }

  #records(): StoredRecord<S>[] {
    return rawAll.call(this.collection) as StoredRecord<S>[]
  }

  #isStored(record: StoredRecord<S>): boolean {
    return !this.#dropped?.has(record as object) && this.#primary.get(fieldOf(record, this.#keys[0])) === record
  }

  #drop(record: StoredRecord<S>): void {
    this.#index.remove(record)
    ;(this.#dropped ??= new WeakSet()).add(record as object)
    this.#droppedInArray++
    if (this.#droppedInArray * 2 >= this.#records().length) this.compact()
  }

  /** @internal Removes the dropped records from the collection's array in one O(n) pass. */
  compact(): void {
    if (this.#droppedInArray === 0) return
    const dropped = this.#dropped!
    const all = this.#records()
    let kept = 0
    for (let i = 0; i < all.length; i++) {
      const record = all[i]
      if (!dropped.has(record as object)) all[kept++] = record
      else dropped.delete(record as object)
    }
    all.length = kept
    this.#droppedInArray = 0
  }

  /** @internal The collection is being cleared: nothing is queued or dropped any more. */
  cleared(): void {
    this.#queue?.clear()
    this.#droppedInArray = 0
  }

  /** Drops every record whose time has come: O(log n) per record released, nothing for the others. */
  #releaseDue(nowMs: number): number {
    const droppableAt = this.#droppableAt
    const queue = this.#queue
    if (!droppableAt || !queue) return 0
    let released = 0
    while (queue.peek() <= nowMs) {
      const record = queue.pop()
      if (!this.#isStored(record)) continue
      const at = droppableAt(record)
      if (at <= nowMs) {
        this.#drop(record)
        released++
      } else if (at !== Infinity) queue.push(at, record)
    }
    return released
  }

  /** The record whose `key` equals `value`, or undefined. O(1). */
  by(key: K, value: unknown): StoredRecord<S> | undefined {
    if (value === undefined || value === null) return undefined
    // The first key (nearly every lookup) without reading `maps` by name, which is megamorphic across collections.
    const map = key === this.#keys[0] ? this.#primary : this.#index.maps[key]
    return map.get(value) as StoredRecord<S> | undefined
  }

  /** Records indexed (the collection's size, once compacted). */
  get size(): number {
    return this.#primary.size
  }

  /**
   * Changes fields of a stored record in place, in O(1), and keeps the
   * indexes right. `collection.update` finds the record by scanning the
   * collection twice (`findFirst`, then `findIndex`) and re-validates it,
   * which made redeeming a code or revoking a token cost O(records).
   * Other extensions' `update` hooks are not called.
   */
  patch(record: StoredRecord<S>, changes: Partial<Output<S>>): StoredRecord<S> {
    const keys = this.#keys
    const live = (this.#primary.get(fieldOf(record, keys[0])) ?? record) as StoredRecord<S>
    const rekey = keys.some((key) => key in changes && fieldOf(changes, key) !== fieldOf(live, key))
    if (rekey) this.#index.remove(live)
    Object.assign(live as object, changes)
    if (rekey) this.#index.add(live)
    // A revocation may bring the time it can go earlier than the one queued.
    if (this.#droppableAt && this.#isStored(live)) {
      const at = this.#droppableAt(live)
      if (at !== Infinity) this.#queue!.push(at, live)
    }
    return live
  }

  /**
   * Stores a record the provider built itself, in O(1): what
   * `collection.create` does (indexes, expiry queue, the collection's array,
   * the internal keys) without re-validating it against the schema and
   * deep-cloning it. The
   * record must already be the schema's output (every default filled in);
   * the type checker holds callers to that, and a test compares the two
   * paths. It is stored as given, not copied, and its primary key is its
   * first index key (unique, and already held, where `create` draws a UUID
   * string per record). Other extensions' `create`
   * hooks are not called.
   */
  insert(record: Output<S>): StoredRecord<S> {
    Object.defineProperty(record, kPrimaryKey, { value: String(fieldOf(record, this.#keys[0])) })
    Object.defineProperty(record, kRelationMap, { value: NO_RELATIONS })
    this.#index.add(record)
    this.#records().push(record as StoredRecord<S>)
    if (this.#queue) this.#onCreate(record as StoredRecord<S>)
    return record as StoredRecord<S>
  }

  /**
   * `collection.create`, synchronously: validates `values` against the
   * schema (defaults filled in) and stores the result with `insert`. For
   * seeding, so a provider's clients and users are there, and `describe()`
   * lists them, as soon as it is created. Throws if the schema validates
   * asynchronously (none of ours does).
   */
  createNow(values: StandardSchemaV1.InferInput<S>): StoredRecord<S> {
    const result = this.#schema['~standard'].validate(values)
    if (result instanceof Promise) throw new TypeError('createNow() needs a schema that validates synchronously')
    if (result.issues)
      throw new TypeError(`Failed to create a record: ${result.issues.map((i) => `${i.path?.join('.') ?? ''} ${i.message}`.trim()).join('; ')}`)
    return this.insert(result.value as Output<S>)
  }

  /** Drops one stored record in O(1) amortized (`collection.delete` scans the collection). */
  remove(record: StoredRecord<S>): void {
    if (this.#isStored(record)) this.#drop(record)
  }

  /** Drops the records whose time has come now (they are also dropped as new ones are stored). */
  purgeExpired(nowMs: number): number {
    const released = this.#releaseDue(nowMs)
    this.compact()
    return released
  }

  /** Gives the collection the provider's clock, for releasing records by time. */
  useClock(clock: () => number): void {
    this.#now = clock
  }
}

export type IndexedCollection<S extends StandardSchemaV1, K extends string> = {
  collection: Collection<S>
  by(key: K, value: unknown): StoredRecord<S> | undefined
  readonly size: number
  patch(record: StoredRecord<S>, changes: Partial<Output<S>>): StoredRecord<S>
  insert(record: StandardSchemaV1.InferOutput<S>): StoredRecord<S>
  createNow(values: StandardSchemaV1.InferInput<S>): StoredRecord<S>
  remove(record: StoredRecord<S>): void
  purgeExpired(nowMs: number): number
  useClock(clock: () => number): void
}

/** Gives every indexed collection of a store the provider's clock (for sweeping expired records). */
export function attachStoreClock(store: unknown, clock: () => number): void {
  if (!store || typeof store !== 'object') return
  for (const value of Object.values(store)) {
    if (value && typeof value === 'object' && typeof (value as { useClock?: unknown }).useClock === 'function') {
      ;(value as { useClock(c: () => number): void }).useClock(clock)
    }
  }
}

/** Drops expired records from every indexed collection of a store; returns how many went. */
export function purgeStore(store: unknown, nowMs: number): number {
  let dropped = 0
  if (!store || typeof store !== 'object') return 0
  for (const value of Object.values(store)) {
    if (value && typeof value === 'object' && typeof (value as { purgeExpired?: unknown }).purgeExpired === 'function') {
      dropped += (value as { purgeExpired(n: number): number }).purgeExpired(nowMs)
    }
  }
  return dropped
}

/** A record's field by name (records are typed by their schema, read here by index key). */
function fieldOf(record: unknown, key: string): unknown {
  return (record as Record<string, unknown>)[key]
}
