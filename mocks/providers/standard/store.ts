import * as z from '../../store/zod.js'
import { createStore, PURGE_GRACE_MS, type Store } from '../../store/index.js'
import { indexedCollection, type IndexedCollection } from '../../store/indexed.js'
import type { BrokenIdTokenKind } from './broken-id-tokens.js'
import { StandardKeyRing } from './keys.js'

/** An authorization code with what the ID token and the token request need besides the core's fields. */
export const standardCodeSchema = z.object({
  code: z.string(),
  clientId: z.string(),
  userId: z.string(),
  redirectUri: z.string(),
  scopes: z.array(z.string()),
  nonce: z.nullable(z.string()),
  /** When the user authenticated (OIDC Core §2 `auth_time`), in ms. */
  authTimeMs: z.number(),
  codeChallenge: z.string(),
  /** RFC 9449 §10: the DPoP key thumbprint the code is bound to (`dpop_jkt`, or the push's proof); the token request must prove it. */
  dpopJkt: z.nullable(z.string()),
  /** RFC 8707 resources the authorization request named. */
  resources: z.array(z.string()),
  issuedAtMs: z.number(),
  expiresAtMs: z.number(),
  redeemedAtMs: z.nullable(z.number()),
  /** The token family issued from this code, revoked if the code is replayed (RFC 6749 §4.1.2). */
  familyId: z.nullable(z.string()),
})
export type StandardCode = z.infer<typeof standardCodeSchema>

/**
 * An access token and, for user grants, its refresh token. Tokens issued from
 * one grant share a `familyId`: a refresh token presented after it was rotated
 * revokes the whole family (RFC 9700 §4.14.2).
 */
export const standardTokenSchema = z.object({
  token: z.string(),
  refreshToken: z.nullable(z.string()),
  clientId: z.string(),
  userId: z.nullable(z.string()),
  scopes: z.array(z.string()),
  /** RFC 8707: the resources this token may be presented to (empty: the authorization server's own UserInfo only). */
  audience: z.array(z.string()),
  familyId: z.string(),
  authTimeMs: z.nullable(z.number()),
  issuedAtMs: z.number(),
  expiresAtMs: z.number(),
  refreshExpiresAtMs: z.nullable(z.number()),
  /** Set when the refresh token was exchanged for a new pair: presenting it again is reuse. */
  refreshRotatedAtMs: z.nullable(z.number()),
  revokedAtMs: z.nullable(z.number()),
  /** RFC 9449 §6: the JWK SHA-256 thumbprint of the DPoP key the token is bound to (`cnf.jkt`); null for a Bearer token. */
  jkt: z.nullable(z.string()),
})
export type StandardToken = z.infer<typeof standardTokenSchema>

export const deviceCodeSchema = z.object({
  deviceCode: z.string(),
  /** Upper-case, without the dash shown to the user. */
  userCode: z.string(),
  clientId: z.string(),
  scopes: z.array(z.string()),
  resources: z.array(z.string()),
  issuedAtMs: z.number(),
  expiresAtMs: z.number(),
  intervalSeconds: z.number(),
  lastPollMs: z.nullable(z.number()),
  status: z.enum(['pending', 'approved', 'denied', 'redeemed']),
  userId: z.nullable(z.string()),
  authTimeMs: z.nullable(z.number()),
})
export type DeviceCode = z.infer<typeof deviceCodeSchema>

/** A `jti` of a client assertion seen before its expiry (RFC 7523 §3: replay). */
export const assertionIdSchema = z.object({ key: z.string(), expiresAtMs: z.number() })

/** A pushed authorization request (RFC 9126 §2): its parameters, kept until used once or expired. */
export const pushedRequestSchema = z.object({
  requestUri: z.string(),
  clientId: z.string(),
  /** The request's parameters as form-encoded, exactly as pushed. */
  params: z.string(),
  expiresAtMs: z.number(),
})
export type PushedRequest = z.infer<typeof pushedRequestSchema>

/** When a token record may go: both its halves dead (expired, revoked) for the grace period. */
function tokenDroppableAt(token: StandardToken): number {
  const accessDead = Math.min(token.revokedAtMs ?? Infinity, token.expiresAtMs)
  const refreshDead = token.refreshToken === null ? accessDead : Math.min(token.revokedAtMs ?? Infinity, token.refreshExpiresAtMs ?? Infinity)
  return Math.max(accessDead, refreshDead) + PURGE_GRACE_MS
}

export interface StandardStore extends Pick<Store, 'users' | 'clients' | 'sessions' | 'grants'> {
  codes: IndexedCollection<typeof standardCodeSchema, 'code'>
  tokens: IndexedCollection<typeof standardTokenSchema, 'token' | 'refreshToken'>
  deviceCodes: IndexedCollection<typeof deviceCodeSchema, 'deviceCode' | 'userCode'>
  assertionIds: IndexedCollection<typeof assertionIdSchema, 'key'>
  pushedRequests: IndexedCollection<typeof pushedRequestSchema, 'requestUri'>
  /** `jti`s of DPoP proofs seen within their acceptance window (RFC 9449 §11.1: replay). */
  dpopProofIds: IndexedCollection<typeof assertionIdSchema, 'key'>
  keys: StandardKeyRing
  /** Documents given on the `client-id-document` control path, by URL (bounded there). */
  clientIdDocuments: Map<string, unknown>
  /** Set by the `break-next-id-token` control: the next ID token issued is broken this way, then it clears. */
  pendingIdTokenBreak?: BrokenIdTokenKind
  /** Set by the `break-next-userinfo` control: the next UserInfo answer names another `sub` (OIDC Core §5.3.2), then it clears. */
  pendingUserinfoWrongSub?: boolean
  /** The DPoP nonces the server accepts (option `dpopNonce`, RFC 9449 §8): the current one and the one it replaced. */
  dpopNonces?: { current: string; previous: string | null; issuedAtMs: number }
  /** Set by the `device-user` control: how the user answers every device request, without the verification page (the harness's device scenarios). */
  deviceUserScript?: DeviceUserScript
}

export function createStandardStore(): StandardStore {
  const { users, clients, sessions, grants } = createStore()
  return {
    users,
    clients,
    sessions,
    grants,
    codes: indexedCollection(standardCodeSchema, ['code'], { droppableAt: (c) => c.expiresAtMs + PURGE_GRACE_MS }),
    tokens: indexedCollection(standardTokenSchema, ['token', 'refreshToken'], { droppableAt: tokenDroppableAt }),
    deviceCodes: indexedCollection(deviceCodeSchema, ['deviceCode', 'userCode'], { droppableAt: (d) => d.expiresAtMs + PURGE_GRACE_MS }),
    assertionIds: indexedCollection(assertionIdSchema, ['key'], { droppableAt: (a) => a.expiresAtMs }),
    pushedRequests: indexedCollection(pushedRequestSchema, ['requestUri'], { droppableAt: (r) => r.expiresAtMs }),
    dpopProofIds: indexedCollection(assertionIdSchema, ['key'], { droppableAt: (a) => a.expiresAtMs }),
    keys: new StandardKeyRing(),
    clientIdDocuments: new Map(),
  }
}

/**
 * The user of the `device-user` control: `decision` (approve as the seeded
 * user, deny, or never answer) taken `afterSeconds` of mock time after each
 * device request; `slowDown`: the first poll of each request that comes on
 * time is still answered `slow_down` (RFC 8628 §3.5 lets the server ask at
 * any time), so a scenario can see whether the client backs off.
 */
export interface DeviceUserScript {
  decision: 'approve' | 'deny' | 'none'
  afterSeconds: number
  slowDown: boolean
}
