import * as z from './zod.js'
import { indexedCollection, type IndexedCollection, type StoredRecord } from './indexed.js'

export { attachStoreClock, purgeStore } from './indexed.js'

/**
 * How long (mock time) an expired or revoked code or token is kept before it
 * is purged: long enough that a client presenting it soon after still gets the
 * precise error (`expired`, `revoked`, a code replay revoking its tokens)
 * rather than `unknown`, short enough that memory follows the live records.
 */
export const PURGE_GRACE_MS = 60 * 60 * 1000

/** Codes go once expired (redeemed or not) for longer than the grace period. */
export function codeDroppableAt(code: { expiresAtMs: number }): number {
  return code.expiresAtMs + PURGE_GRACE_MS
}

export function codeExpired(code: { expiresAtMs: number }, nowMs: number): boolean {
  return nowMs >= codeDroppableAt(code)
}

/**
 * A token record goes once both its halves are dead for longer than the grace
 * period: the access token expired or was revoked, and the refresh token (if
 * any) was revoked; an unrevoked refresh token keeps its record, as refresh
 * tokens outlive access tokens.
 */
export function tokenDroppableAt(token: { refreshToken: string | null; expiresAtMs: number | null; revokedAtMs: number | null }): number {
  const revoked = token.revokedAtMs ?? Infinity
  const accessDeadAt = Math.min(revoked, token.expiresAtMs ?? Infinity)
  const deadAt = token.refreshToken === null ? accessDeadAt : Math.max(accessDeadAt, revoked)
  return deadAt + PURGE_GRACE_MS
}

export function tokenExpired(token: { refreshToken: string | null; expiresAtMs: number | null; revokedAtMs: number | null }, nowMs: number): boolean {
  return nowMs >= tokenDroppableAt(token)
}

/**
 * How long (mock time) a browser session lives without being used: a day, so
 * a test that moves the clock past a token's expiry (hours) keeps its signed-in
 * user, while the sessions of visitors who never come back are released.
 */
export const SESSION_IDLE_MS = 24 * 60 * 60 * 1000

/** At most this many anonymous sessions (a login page visit without a cookie makes one); past it the oldest go. */
export const MAX_ANONYMOUS_SESSIONS = 10_000

export function sessionDroppableAt(session: { createdAtMs: number; lastSeenAtMs: number | null }): number {
  return (session.lastSeenAtMs ?? session.createdAtMs) + SESSION_IDLE_MS
}

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
  profile: z._default(z.record(z.string(), z.unknown()), {}),
  admin: z._default(z.boolean(), false),
})
export type User = StoredRecord<typeof userSchema>

export const clientSchema = z.object({
  clientId: z.string(),
  clientSecret: z.string(),
  name: z.string(),
  redirectUris: z._default(z.array(z.string()), []),
  /** Scopes the client may request; empty means every scope the provider has. */
  scopes: z._default(z.array(z.string()), []),
  grantTypes: z._default(z.array(z.string()), []),
  /** The user who registered it (Carina developer applications). */
  ownerId: z._default(z.nullable(z.string()), null),
  createdAtMs: z.number(),
  /** Anything provider specific (Keystone project, Cogo audience...). */
  meta: z._default(z.record(z.string(), z.unknown()), {}),
})
export type Client = StoredRecord<typeof clientSchema>

export const sessionSchema = z.object({
  id: z.string(),
  userId: z.nullable(z.string()),
  /** Per-session anti-CSRF token, required on every form POST. */
  csrfToken: z.string(),
  createdAtMs: z.number(),
  /** Mock time it was last used; it goes {@link SESSION_IDLE_MS} after (null: not since its creation). */
  lastSeenAtMs: z._default(z.nullable(z.number()), null),
})
export type Session = StoredRecord<typeof sessionSchema>

/** A user's consent to a client for some scopes; skipped consent and revocation hang on it. */
export const grantSchema = z.object({
  id: z.string(),
  userId: z.string(),
  clientId: z.string(),
  scopes: z.array(z.string()),
  createdAtMs: z.number(),
  revokedAtMs: z._default(z.nullable(z.number()), null),
})
export type Grant = StoredRecord<typeof grantSchema>

export const codeSchema = z.object({
  code: z.string(),
  clientId: z.string(),
  userId: z.string(),
  redirectUri: z.nullable(z.string()),
  /** Whether the authorization request carried `redirect_uri` (RFC 6749 §4.1.3). */
  redirectUriGiven: z.boolean(),
  scopes: z.array(z.string()),
  state: z.nullable(z.string()),
  codeChallenge: z._default(z.nullable(z.string()), null),
  codeChallengeMethod: z._default(z.nullable(z.string()), null),
  issuedAtMs: z.number(),
  expiresAtMs: z.number(),
  /** Set when redeemed; a second redemption is a replay (RFC 6749 §4.1.2, §10.5). */
  redeemedAtMs: z._default(z.nullable(z.number()), null),
})
export type AuthorizationCode = StoredRecord<typeof codeSchema>

export const tokenSchema = z.object({
  token: z.string(),
  refreshToken: z._default(z.nullable(z.string()), null),
  clientId: z.string(),
  userId: z.nullable(z.string()),
  scopes: z.array(z.string()),
  issuedAtMs: z.number(),
  /** null: never expires (Cloud 66). */
  expiresAtMs: z.nullable(z.number()),
  revokedAtMs: z._default(z.nullable(z.number()), null),
  /** The code this token was issued for, so a replay can revoke it. */
  code: z._default(z.nullable(z.string()), null),
  /** The refresh token used to make this one, if any. */
  refreshedFrom: z._default(z.nullable(z.string()), null),
  meta: z._default(z.record(z.string(), z.unknown()), {}),
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
    sessions: indexedCollection(sessionSchema, ['id'], { droppableAt: sessionDroppableAt }),
    grants: indexedCollection(grantSchema, ['id']),
    codes: indexedCollection(codeSchema, ['code'], { droppableAt: codeDroppableAt }),
    tokens: indexedCollection(tokenSchema, ['token', 'refreshToken'], { droppableAt: tokenDroppableAt }),
  }
}
