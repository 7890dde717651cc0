import * as z from '../../store/zod.js'
import { createStore, type Store } from '../../store/index.js'
import { indexedCollection, type IndexedCollection, type StoredRecord } from '../../store/indexed.js'

/**
 * A Cloud 66 stack, with the fields API v2 serves (PROVIDERS.md §3.3). A
 * redeployment queued through the API moves it to status 5 until the mock
 * clock says the deployment finished.
 */
export const stackSchema = z.object({
  uid: z.string(),
  ownerId: z.string(),
  name: z.string(),
  git: z.string(),
  git_branch: z.string(),
  environment: z.string(),
  cloud: z.string(),
  fqdn: z.string(),
  language: z.string(),
  framework: z.string(),
  status: z.number(),
  health: z.number(),
  redeploy_hook: z.string(),
  createdAtMs: z.number(),
  updatedAtMs: z.number(),
  lastActivityMs: z.number(),
  /** When the last redeployment was queued; null when none is in flight. */
  redeployQueuedAtMs: z._default(z.nullable(z.number()), null),
})
export type Stack = StoredRecord<typeof stackSchema>

export interface Cloud66Store extends Store {
  stacks: IndexedCollection<typeof stackSchema, 'uid'>
}

export function createCloud66Store(): Cloud66Store {
  return { ...createStore(), stacks: indexedCollection(stackSchema, ['uid']) }
}
