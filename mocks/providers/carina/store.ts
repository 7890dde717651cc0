import * as z from '../../store/zod.js'
import { createStore, type Store } from '../../store/index.js'
import { indexedCollection, type IndexedCollection } from '../../store/indexed.js'

/** A Carina cluster; its status follows from the mock clock (building, then active). */
export const clusterSchema = z.object({
  /** `<ownerId>/<name>`: names are per user. */
  key: z.string(),
  ownerId: z.string(),
  name: z.string(),
  createdAtMs: z.number(),
  flavor: z.string(),
  nodes: z.number(),
  autoscale: z.boolean(),
})
export type Cluster = z.infer<typeof clusterSchema>

export interface CarinaStore extends Store {
  clusters: IndexedCollection<typeof clusterSchema, 'key'>
}

export function createCarinaStore(): CarinaStore {
  return { ...createStore(), clusters: indexedCollection(clusterSchema, ['key']) }
}
