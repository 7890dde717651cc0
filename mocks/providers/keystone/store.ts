import { z } from 'zod'
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
  description: z.string().nullable(),
  expiresAtMs: z.number().nullable(),
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

export interface KeystoneTokenMeta {
  /** Auth methods of the token (`password`, `application_credential`, `oauth2_credential`). */
  methods: string[]
  projectId: string
  roles: string[]
  auditId: string
  /** The application credential it was issued for; the token dies with it. */
  applicationCredentialId?: string
  /** RFC 8705 `x5t#S256` of the client certificate the token is bound to. */
  thumbprint?: string
}

export function createKeystoneStore(): KeystoneStore {
  return {
    ...createStore(),
    projects: indexedCollection(projectSchema, ['id']),
    applicationCredentials: indexedCollection(applicationCredentialSchema, ['id', 'userName']),
    servers: indexedCollection(serverSchema, ['id']),
  }
}
