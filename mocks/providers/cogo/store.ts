import * as z from '../../store/zod.js'
import { createStore, type Store } from '../../store/index.js'
import { indexedCollection, type IndexedCollection } from '../../store/indexed.js'
import { CogoKeyRing } from './keys.js'

/** A category of the invented Carbon Engine API (fixtures/cogo.ts). */
export const categorySchema = z.object({
  id: z.string(),
  name: z.string(),
  sector: z.string(),
  kgCo2ePerGbp: z.number(),
})
export type Category = z.infer<typeof categorySchema>

export interface CogoStore extends Store {
  categories: IndexedCollection<typeof categorySchema, 'id'>
  /** Signing keys; replaced with the store on reset, so a rotation never outlives a test. */
  keys: CogoKeyRing
}

export function createCogoStore(): CogoStore {
  return { ...createStore(), categories: indexedCollection(categorySchema, ['id']), keys: new CogoKeyRing() }
}
