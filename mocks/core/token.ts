/**
 * What the token endpoints of the two Doorkeeper providers (Carina, Cloud 66)
 * share: storing a token, revoking, and redeeming an authorization code.
 *
 * Each provider's token endpoint itself is its own
 * (`mocks/providers/<id>/token.ts`): the order of its checks is observable and
 * differs between providers (GoCD burns the code first, Keystone reads its
 * form its own way), so only checks with the same order live here.
 */
import { InvalidGrant, quoteAuthParam, type OAuthError } from './errors.js'
import type { Clock } from './clock.js'
import type { Params } from './params.js'
import type { AuthorizationCode, Client, Store, Token, tokenSchema } from '../store/index.js'
import type * as z from '../store/zod.js'

/** The part of a provider runtime the token helpers use. */
export interface TokenStoreAccess {
  store: Store
  clock: Pick<Clock, 'nowMs'>
}

export interface IssueTokenFields {
  /** The access token value, made by the provider (its length is the provider's). */
  token: string
  /** Lifetime of the access token; null for tokens that never expire (Cloud 66). */
  ttlSeconds: number | null
  userId: string | null
  scopes: string[]
  /** A refresh token value, or null for none. */
  refreshToken: string | null
  code?: string
  refreshedFrom?: string
}

type TokenFields = z.output<typeof tokenSchema>

/**
 * The issue and expiry times of the last record made. A time in ms is past
 * the small-integer range, so a number field holds it in a heap number of
 * its own: two more objects per kept token for garbage collection to copy
 * and mark. Records made in the same millisecond store these instead (the
 * same values), so they share them: see the first record below, which makes
 * the fields hold a pointer to a number rather than a copy.
 */
let lastIssuedAtMs = NaN
let lastExpiresAtMs: number | null = NaN

/**
 * tokenSchema's output, every field in its order, made with `new` for
 * `insert`: V8 keeps room inside objects a constructor makes for properties
 * added soon after, so the two internal keys `insert` defines live in the
 * record itself, where an object literal gets a separate property array for
 * them, kept as long as the token. Its prototype is Object.prototype, as a
 * literal's (and `create`'s records') is.
 */
function tokenRecord(
  this: TokenFields,
  token: string,
  refreshToken: string | null,
  clientId: string,
  userId: string | null,
  scopes: string[],
  issuedAtMs: number,
  expiresAtMs: number | null,
  revokedAtMs: number | null,
  code: string | null,
  refreshedFrom: string | null,
  meta: Record<string, unknown>,
) {
  this.token = token
  this.refreshToken = refreshToken
  this.clientId = clientId
  this.userId = userId
  this.scopes = scopes
  if (!Object.is(issuedAtMs, lastIssuedAtMs)) lastIssuedAtMs = issuedAtMs
  this.issuedAtMs = lastIssuedAtMs
  if (!Object.is(expiresAtMs, lastExpiresAtMs)) lastExpiresAtMs = expiresAtMs
  this.expiresAtMs = lastExpiresAtMs
  this.revokedAtMs = revokedAtMs
  this.code = code
  this.refreshedFrom = refreshedFrom
  this.meta = meta
}
tokenRecord.prototype = Object.prototype
export const TokenRecord = tokenRecord as unknown as new (...fields: Parameters<typeof tokenRecord>) => TokenFields
// The first record, with null times, before any real one: V8 then keeps both time fields of every record as tagged
// pointers (null or a number) where a number first would make them double fields, each boxing its own copy of the time.
// Kept, so the hidden classes it made outlive every token: once nothing held them, garbage collection would drop them
// and the next records would get double fields again.
tokenRecord.first = new TokenRecord('', null, '', null, [], null as unknown as number, null, null, null, null, {})

/**
 * Stores a new access token, issued now, and returns it: the record built
 * here ({@link TokenRecord}) with every field of tokenSchema's output in its order and stored as
 * built (`insert`, as Keystone's and standard's tokens are). `collection.create`
 * would validate and copy it through the schema, then index it after an
 * `await`: the largest part of a Doorkeeper refresh's own work in process.
 */
export function issueToken(provider: TokenStoreAccess, client: Client, fields: IssueTokenFields): Token {
  const issuedAtMs = provider.clock.nowMs()
  return provider.store.tokens.insert(
    new TokenRecord(
      fields.token,
      fields.refreshToken ?? null,
      client.clientId,
      fields.userId,
      // A copy, as the schema's parse made: the previous token's array stays its own.
      [...fields.scopes],
      issuedAtMs,
      fields.ttlSeconds === null ? null : issuedAtMs + fields.ttlSeconds * 1000,
      null,
      fields.code ?? null,
      fields.refreshedFrom ?? null,
      {},
    ),
  )
}

export async function revokeToken(store: Store, token: Token, atMs: number): Promise<void> {
  if (token.revokedAtMs !== null) return
  // In place, O(1): `collection.update` scans every token to find this one.
  store.tokens.patch(token, { revokedAtMs: atMs })
}

/**
 * What Doorkeeper does when the user removes an application from "Authorized
 * applications", for every grant: the grants and every token get
 * `revoked_at`. The `revoke-tokens` control of the Doorkeeper providers.
 */
export async function revokeAllAuthorizations(store: Store, atMs: number): Promise<{ revoked: number }> {
  for (const grant of store.grants.collection.findMany((q) => q.where({ revokedAtMs: null }))) store.grants.patch(grant, { revokedAtMs: atMs })
  const tokens = store.tokens.collection.findMany((q) => q.where({ revokedAtMs: null }))
  for (const token of tokens) await revokeToken(store, token, atMs)
  return { revoked: tokens.length }
}

export interface RedeemCodeOptions {
  /** RFC 6749 §10.5: a replayed code SHOULD revoke the tokens issued from it (Doorkeeper 3 did not: an option, off by default). */
  revokeTokensOnCodeReplay: boolean
  /** Called with the request's `redirect_uri` (undefined when absent): the provider's rule for a missing one. */
  checkRedirectUriPresence(given: string | undefined, code: AuthorizationCode): void
}

/**
 * Doorkeeper's authorization code redemption (RFC 6749 §4.1.3): the code must
 * exist, belong to the client, be unused and unexpired, and a `redirect_uri`,
 * when sent, must repeat the one it was issued for. A second use is
 * invalid_grant (§4.1.2). Marks the code redeemed and returns it; the provider
 * issues the token.
 */
export async function redeemAuthorizationCode(
  ctx: { provider: TokenStoreAccess; notes: Record<string, unknown> },
  client: Client,
  params: Params,
  options: RedeemCodeOptions,
): Promise<AuthorizationCode> {
  const { store, clock } = ctx.provider
  const code = store.codes.by('code', params.require('code'))
  if (!code || code.clientId !== client.clientId) throw new InvalidGrant(undefined, code ? 'code issued to another client' : 'unknown code')
  const now = clock.nowMs()
  if (code.redeemedAtMs !== null) {
    ctx.notes.codeReplay = true
    if (options.revokeTokensOnCodeReplay) {
      for (const token of store.tokens.collection.findMany((q) => q.where({ code: code.code }))) await revokeToken(store, token, now)
    }
    throw new InvalidGrant(undefined, 'code already used')
  }
  if (now >= code.expiresAtMs) throw new InvalidGrant(undefined, 'code expired')
  const redirectUri = params.value('redirect_uri')
  options.checkRedirectUriPresence(redirectUri, code)
  if (redirectUri !== undefined && redirectUri !== code.redirectUri) throw new InvalidGrant(undefined, 'redirect_uri differs from the authorization request')
  // In place, O(1): `collection.update` scans every code.
  store.codes.patch(code, { redeemedAtMs: now })
  return code
}

/**
 * Doorkeeper's status and challenge for a token-endpoint error: 401 for every
 * refusal before Doorkeeper 5.1 (`tokenErrorStatus: 'doorkeeper'`), or RFC 6749
 * §5.2's 400 with 401 for invalid_client only; 413 and 5xx keep theirs. A 401
 * carries `WWW-Authenticate: Bearer realm="Doorkeeper"` with the error and
 * `description`, after the error's own headers and `headers`.
 */
export function doorkeeperErrorAnswer(
  error: OAuthError,
  description: string,
  tokenErrorStatus: 'doorkeeper' | 'rfc6749',
  headers: Record<string, string> = {},
): { status: number; headers: Record<string, string> } {
  let status = error.status
  if (status < 500 && status !== 413) status = tokenErrorStatus === 'doorkeeper' || error.error === 'invalid_client' ? 401 : 400
  const answerHeaders: Record<string, string> = { ...error.headers, ...headers }
  if (status === 401)
    answerHeaders['WWW-Authenticate'] = `Bearer realm="Doorkeeper", error=${quoteAuthParam(error.error)}, error_description=${quoteAuthParam(description)}`
  return { status, headers: answerHeaders }
}

/**
 * Error descriptions of Doorkeeper 3's `en.yml`: the Doorkeeper providers
 * (Carina, Cloud 66) send these instead of the mock's specific text, which
 * stays in the journal (`error.detail`).
 */
export const DOORKEEPER_DESCRIPTIONS: Record<string, string> = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  unauthorized_client: 'The client is not authorized to perform this request using this method.',
  invalid_redirect_uri: 'The redirect uri included is not valid.',
  access_denied: 'The resource owner or authorization server denied the request.',
  unsupported_response_type: 'The authorization server does not support this response type.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  server_error: 'The authorization server encountered an unexpected condition which prevented it from fulfilling the request.',
  temporarily_unavailable: 'The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.',
}
