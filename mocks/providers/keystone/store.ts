import * as z from '../../store/zod.js'
import { createStore, type Store } from '../../store/index.js'
import { indexedCollection, type IndexedCollection, type StoredRecord } from '../../store/indexed.js'

export const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  domainId: z.string(),
  enabled: z.boolean(),
})
export type Project = StoredRecord<typeof projectSchema>

/** An application credential (api-ref v3 "Application Credentials"): the OAuth 2.0 client of the Basic path. */
export const applicationCredentialSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** `{userId}/{name}`: names are unique per user (409 otherwise). */
  userName: z.string(),
  userId: z.string(),
  projectId: z.string(),
  secret: z.string(),
  description: z.nullable(z.string()),
  expiresAtMs: z.nullable(z.number()),
  /** Role names delegated. */
  roles: z.array(z.string()),
  unrestricted: z.boolean(),
  accessRules: z.array(z.record(z.string(), z.unknown())),
  createdAtMs: z.number(),
})
export type ApplicationCredential = StoredRecord<typeof applicationCredentialSchema>

export const serverSchema = z.object({
  id: z.string(),
  name: z.string(),
  projectId: z.string(),
})
export type ComputeServer = StoredRecord<typeof serverSchema>

/**
 * Users keep Keystone's fields in `profile`: `name`, `email`, `domainId`,
 * `defaultProjectId`, `roles` (role names on the default project).
 * Tokens keep theirs in `meta` ({@link KeystoneTokenMeta}).
 */
export interface KeystoneStore extends Store {
  projects: IndexedCollection<typeof projectSchema, 'id'>
  applicationCredentials: IndexedCollection<typeof applicationCredentialSchema, 'id' | 'userName'>
  servers: IndexedCollection<typeof serverSchema, 'id'>
}

/**
 * What a token was issued for. Shared, frozen, by every token issued for the
 * same methods, project, roles, credential and certificate: a million live
 * tokens then hold one record and one string each, which is what garbage
 * collection has to mark (the audit id is derived from the token, see `auditIdOf`).
 */
export interface KeystoneTokenMeta {
  /** Auth methods of the token (`password`, `application_credential`, `oauth2_credential`). */
  readonly methods: string[]
  readonly projectId: string
  readonly roles: string[]
  /** The application credential it was issued for; the token dies with it. */
  readonly applicationCredentialId?: string
  /** RFC 8705 `x5t#S256` of the client certificate the token is bound to. */
  readonly thumbprint?: string
}

export function createKeystoneStore(): KeystoneStore {
  return {
    ...createStore(),
    projects: indexedCollection(projectSchema, ['id']),
    applicationCredentials: indexedCollection(applicationCredentialSchema, ['id', 'userName']),
    servers: indexedCollection(serverSchema, ['id']),
  }
}
