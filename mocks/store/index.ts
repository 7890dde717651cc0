import { z } from 'zod'
import { indexedCollection, type IndexedCollection, type StoredRecord } from './indexed.js'

/**
 * The records every provider keeps, on `@msw/data` collections with O(1)
 * indexes for the hot lookups (token, refresh token, code, client id, session).
 * Provider-specific resources (Carina clusters, Cloud 66 stacks...) live in
 * collections the provider adds beside these.
 */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  password: z.string(),
  /** Free-form profile the provider renders (Carina `/me`, GoCD name...). */
  profile: z.record(z.string(), z.unknown()).default({}),
  admin: z.boolean().default(false),
})
export type User = StoredRecord<typeof userSchema>

export const clientSchema = z.object({
  clientId: z.string(),
  clientSecret: z.string(),
  name: z.string(),
  redirectUris: z.array(z.string()).default([]),
  /** Scopes the client may request; empty means every scope the provider has. */
  scopes: z.array(z.string()).default([]),
  grantTypes: z.array(z.string()).default([]),
  /** The user who registered it (Carina developer applications). */
  ownerId: z.string().nullable().default(null),
  createdAtMs: z.number(),
  /** Anything provider specific (Keystone project, Cogo audience...). */
  meta: z.record(z.string(), z.unknown()).default({}),
})
export type Client = StoredRecord<typeof clientSchema>

export const sessionSchema = z.object({
  id: z.string(),
  userId: z.string().nullable(),
  /** Per-session anti-CSRF token, required on every form POST. */
  csrfToken: z.string(),
  createdAtMs: z.number(),
})
export type Session = StoredRecord<typeof sessionSchema>

/** A user's consent to a client for some scopes; skipped consent and revocation hang on it. */
export const grantSchema = z.object({
  id: z.string(),
  userId: z.string(),
  clientId: z.string(),
  scopes: z.array(z.string()),
  createdAtMs: z.number(),
  revokedAtMs: z.number().nullable().default(null),
})
export type Grant = StoredRecord<typeof grantSchema>

export const codeSchema = z.object({
  code: z.string(),
  clientId: z.string(),
  userId: z.string(),
  redirectUri: z.string().nullable(),
  /** Whether the authorization request carried `redirect_uri` (RFC 6749 §4.1.3). */
  redirectUriGiven: z.boolean(),
  scopes: z.array(z.string()),
  state: z.string().nullable(),
  codeChallenge: z.string().nullable().default(null),
  codeChallengeMethod: z.string().nullable().default(null),
  issuedAtMs: z.number(),
  expiresAtMs: z.number(),
  /** Set when redeemed; a second redemption is a replay (RFC 6749 §4.1.2, §10.5). */
  redeemedAtMs: z.number().nullable().default(null),
})
export type AuthorizationCode = StoredRecord<typeof codeSchema>

export const tokenSchema = z.object({
  token: z.string(),
  refreshToken: z.string().nullable().default(null),
  clientId: z.string(),
  userId: z.string().nullable(),
  scopes: z.array(z.string()),
  issuedAtMs: z.number(),
  /** null: never expires (Cloud 66). */
  expiresAtMs: z.number().nullable(),
  revokedAtMs: z.number().nullable().default(null),
  /** The code this token was issued for, so a replay can revoke it. */
  code: z.string().nullable().default(null),
  /** The refresh token used to make this one, if any. */
  refreshedFrom: z.string().nullable().default(null),
  meta: z.record(z.string(), z.unknown()).default({}),
})
export type Token = StoredRecord<typeof tokenSchema>

export interface Store {
  users: IndexedCollection<typeof userSchema, 'id' | 'username'>
  clients: IndexedCollection<typeof clientSchema, 'clientId'>
  sessions: IndexedCollection<typeof sessionSchema, 'id'>
  grants: IndexedCollection<typeof grantSchema, 'id'>
  codes: IndexedCollection<typeof codeSchema, 'code'>
  tokens: IndexedCollection<typeof tokenSchema, 'token' | 'refreshToken'>
}

export function createStore(): Store {
  return {
    users: indexedCollection(userSchema, ['id', 'username']),
    clients: indexedCollection(clientSchema, ['clientId']),
    sessions: indexedCollection(sessionSchema, ['id']),
    grants: indexedCollection(grantSchema, ['id']),
    codes: indexedCollection(codeSchema, ['code']),
    tokens: indexedCollection(tokenSchema, ['token', 'refreshToken']),
  }
}


/** Empties every collection of a store (indexes follow through the delete hooks). */
export function clearStore(store: Record<string, { collection: { clear(): void } }>): void {
  for (const entry of Object.values(store)) entry.collection.clear()
}
