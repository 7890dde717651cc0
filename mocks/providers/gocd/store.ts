import * as z from '../../store/zod.js'
import { createStore, type Store } from '../../store/index.js'
import { indexedCollection, type IndexedCollection } from '../../store/indexed.js'

/**
 * GoCD's own records. Codes and tokens are not the core's: GoCD keeps at most
 * one of each per user and client (a new code deletes the user's previous
 * codes for that client, and a code exchange deletes the earlier tokens;
 * PROVIDERS §2.3, §2.4), so both carry an `owner` key (`<userId> <clientId>`)
 * with a unique index, and finding "the previous one" is O(1).
 */
export const gocdCodeSchema = z.object({
  code: z.string(),
  clientId: z.string(),
  userId: z.string(),
  owner: z.string(),
  issuedAtMs: z.number(),
  expiresAtMs: z.number(),
})
export type GocdCode = z.infer<typeof gocdCodeSchema>

export const gocdTokenSchema = z.object({
  token: z.string(),
  refreshToken: z.string(),
  clientId: z.string(),
  userId: z.string(),
  owner: z.string(),
  issuedAtMs: z.number(),
  expiresAtMs: z.number(),
})
export type GocdToken = z.infer<typeof gocdTokenSchema>

const jobSchema = z.object({
  name: z.string(),
  /** GoCD JobState: `Scheduled`, `Assigned`, `Building`, `Completed`... */
  state: z.string(),
  /** GoCD JobResult: `Passed`, `Failed`, `Cancelled`, `Unknown`. */
  result: z.string(),
})

const stageSchema = z.object({
  name: z.string(),
  counter: z.number(),
  /** GoCD StageState: `Passed`, `Failed`, `Failing`, `Cancelled`, `Building`. */
  state: z.string(),
  lastBuildTimeMs: z.number(),
  /** Who broke it (cctray's `Breakers` message). */
  breakers: z.array(z.string()),
  jobs: z.array(jobSchema),
})

export const pipelineSchema = z.object({
  name: z.string(),
  group: z.string(),
  counter: z.number(),
  label: z.string(),
  stages: z.array(stageSchema),
})
export type Pipeline = z.infer<typeof pipelineSchema>

export interface GocdStore extends Pick<Store, 'users' | 'clients' | 'sessions'> {
  codes: IndexedCollection<typeof gocdCodeSchema, 'code' | 'owner'>
  tokens: IndexedCollection<typeof gocdTokenSchema, 'token' | 'refreshToken' | 'owner'>
  pipelines: IndexedCollection<typeof pipelineSchema, 'name'>
  /** Codes a failed token request destroyed, with when (mock clock), for the hint of a retry; at most {@link BURNED_CODES_KEPT}. */
  burnedCodes: Map<string, number>
}

export const BURNED_CODES_KEPT = 256

export function ownerKey(userId: string, clientId: string): string {
  return `${userId} ${clientId}`
}

export function createGocdStore(): GocdStore {
  const { users, clients, sessions } = createStore()
  return {
    users,
    clients,
    sessions,
    codes: indexedCollection(gocdCodeSchema, ['code', 'owner']),
    tokens: indexedCollection(gocdTokenSchema, ['token', 'refreshToken', 'owner']),
    pipelines: indexedCollection(pipelineSchema, ['name']),
    burnedCodes: new Map(),
  }
}
