import { verifyCodeVerifier } from './authorize.js'
import { authenticateClient, type AuthenticatedClient, type ClientAuthMethod } from './client-auth.js'
import { InvalidGrant, InvalidRequest, InvalidScope, OAuthError, UnauthorizedClient, UnsupportedGrantType } from './errors.js'
import type { Params } from './params.js'
import type { ProviderRuntime } from './provider.js'
import type { RouteContext, RouteDefinition } from './routes.js'
import { randomHex } from './secrets.js'
import type { Client, Store, Token } from '../store/index.js'
import type { RouteAnswer } from './reply.js'

export type GrantHandler = (ctx: TokenContext, client: Client, params: Params) => Promise<Token>

export interface TokenConfig {
  routePrefix: string
  path: string
  /** Wire `grant_type` value to the grant that serves it (GoCD maps `authorization-code` to the code grant). */
  grants: Record<string, GrantHandler>
  /** Body media types accepted (Carina also takes JSON). */
  bodyFormats: ReadonlyArray<'form' | 'json'>
  clientAuthMethods: readonly ClientAuthMethod[]
  /** RFC 6749 §2.3 forbids two methods at once; Doorkeeper silently took the Basic one. */
  rejectMultipleClientAuthMethods: boolean
  /** Doorkeeper: Basic credentials win and body ones are ignored, strict or not (see `AuthenticateClientOptions.basicWins`). */
  basicWinsOverBody?: boolean
  basicRealm?: string
  /** Access token lifetime; null for tokens that never expire (Cloud 66). */
  accessTokenTtlSeconds: number | null
  /** Whether the code grant issues a refresh token. */
  refreshTokens: boolean
  /** RFC 6749 §10.5: a replayed code SHOULD revoke the tokens issued from it (Doorkeeper 3 did not: an option, off by default there). */
  revokeTokensOnCodeReplay: boolean
  /** Makes the opaque access token value (default 64 hex chars). */
  mintAccessToken?(ctx: TokenContext, client: Client, claims: { userId: string | null; scopes: string[]; issuedAtMs: number; expiresAtMs: number | null }): Promise<string> | string
  /** Renders a successful token response. */
  renderToken(token: Token, ctx: TokenContext): RouteAnswer
  /** Renders an error of this endpoint (default: RFC 6749 §5.2 JSON). */
  renderError?(error: OAuthError, ctx: TokenContext): RouteAnswer
  /** Scope separator (RFC 6749 §3.3). */
  scopeSeparator: RegExp
  /** Every scope a client may ask for at this endpoint (client credentials, refresh narrowing). */
  knownScopes: string[]
  defaultScopes: string[]
}

type TokenRuntime = ProviderRuntime<Store, { token: TokenConfig }>
export type TokenContext = RouteContext<TokenRuntime>

export async function issueToken(
  ctx: TokenContext,
  client: Client,
  fields: { userId: string | null; scopes: string[]; withRefreshToken: boolean; code?: string; refreshedFrom?: string; meta?: Record<string, unknown> },
): Promise<Token> {
  const config = ctx.provider.config.token
  const issuedAtMs = ctx.provider.clock.nowMs()
  const expiresAtMs = config.accessTokenTtlSeconds === null ? null : issuedAtMs + config.accessTokenTtlSeconds * 1000
  const token = config.mintAccessToken
    ? await config.mintAccessToken(ctx, client, { userId: fields.userId, scopes: fields.scopes, issuedAtMs, expiresAtMs })
    : randomHex(32)
  return ctx.provider.store.tokens.collection.create({
    token,
    refreshToken: fields.withRefreshToken ? randomHex(32) : null,
    clientId: client.clientId,
    userId: fields.userId,
    scopes: fields.scopes,
    issuedAtMs,
    expiresAtMs,
    code: fields.code ?? null,
    refreshedFrom: fields.refreshedFrom ?? null,
    meta: fields.meta ?? {},
  })
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

/**
 * Authorization code grant (RFC 6749 §4.1.3): the code must exist, belong to
 * the client, be unexpired and unused, and `redirect_uri` must repeat the one
 * sent to the authorization endpoint. A second use revokes what the first
 * issued (§4.1.2, §10.5).
 */
export const exchangeAuthorizationCode: GrantHandler = async (ctx, client, params) => {
  const { store, clock } = ctx.provider
  const config = ctx.provider.config.token
  const value = params.require('code')
  const code = store.codes.by('code', value)
  if (!code || code.clientId !== client.clientId) throw new InvalidGrant(undefined, code ? 'code issued to another client' : 'unknown code')
  const now = clock.nowMs()
  if (code.redeemedAtMs !== null) {
    ctx.notes.codeReplay = true
    if (config.revokeTokensOnCodeReplay) {
      for (const token of store.tokens.collection.findMany((q) => q.where({ code: code.code }))) await revokeToken(store, token, now)
    }
    throw new InvalidGrant(undefined, 'code already used')
  }
  if (now >= code.expiresAtMs) throw new InvalidGrant(undefined, 'code expired')
  const redirectUri = params.value('redirect_uri')
  if (code.redirectUriGiven && redirectUri === undefined) {
    // @see RFC 6749 §4.1.3: "redirect_uri REQUIRED, if the "redirect_uri" parameter was included in the authorization request".
    ctx.violation('RFC6749-4.1.3', 'the code exchange did not repeat the "redirect_uri" of the authorization request', new InvalidRequest('The "redirect_uri" parameter is missing.', 'missing redirect_uri'))
  }
  if (redirectUri !== undefined && redirectUri !== code.redirectUri) throw new InvalidGrant(undefined, 'redirect_uri differs from the authorization request')
  if (!verifyCodeVerifier(code, params.value('code_verifier'))) throw new InvalidGrant(undefined, 'PKCE code_verifier does not match the code_challenge')
  store.codes.patch(code, { redeemedAtMs: now })
  return issueToken(ctx, client, { userId: code.userId, scopes: code.scopes, withRefreshToken: config.refreshTokens, code: code.code })
}

/**
 * Refresh token grant (RFC 6749 §6): the refresh token must be the client's and
 * live; `scope` may only narrow. The old pair is revoked (rotation).
 */
export const refreshAccessToken: GrantHandler = async (ctx, client, params) => {
  const { store, clock } = ctx.provider
  const config = ctx.provider.config.token
  const value = params.require('refresh_token')
  const previous = store.tokens.by('refreshToken', value)
  if (!previous || previous.clientId !== client.clientId) throw new InvalidGrant(undefined, previous ? 'refresh token of another client' : 'unknown refresh token')
  if (previous.revokedAtMs !== null) throw new InvalidGrant(undefined, 'refresh token revoked')
  const requested = params.value('scope')?.split(config.scopeSeparator).filter(Boolean)
  if (requested && requested.some((s) => !previous.scopes.includes(s))) {
    throw new InvalidScope(undefined, `scope ${requested.join(' ')} exceeds ${previous.scopes.join(' ')}`)
  }
  await revokeToken(store, previous, clock.nowMs())
  return issueToken(ctx, client, {
    userId: previous.userId,
    scopes: requested?.length ? requested : previous.scopes,
    withRefreshToken: true,
    code: previous.code ?? undefined,
    refreshedFrom: previous.refreshToken ?? undefined,
  })
}

/** Client credentials grant (RFC 6749 §4.4): a token for the client itself, no refresh token (§4.4.3). */
export const issueClientCredentialsToken: GrantHandler = async (ctx, client, params) => {
  const config = ctx.provider.config.token
  const requested = params.value('scope')?.split(config.scopeSeparator).filter(Boolean)
  const allowed = client.scopes.length ? client.scopes : config.knownScopes
  if (requested?.some((s) => !allowed.includes(s))) throw new InvalidScope(undefined, `unknown scope in ${requested.join(' ')}`)
  return issueToken(ctx, client, { userId: null, scopes: requested?.length ? requested : config.defaultScopes, withRefreshToken: false })
}

/** RFC 6749 §5.1 success body; the provider's renderer decides which members and headers its real service sent. */
export function tokenResponseBody(token: Token, ctx: TokenContext, options: { tokenType: string; scope?: boolean; createdAt?: boolean }) {
  const body: Record<string, string | number> = { access_token: token.token, token_type: options.tokenType }
  if (token.expiresAtMs !== null) body.expires_in = Math.max(0, Math.round((token.expiresAtMs - ctx.provider.clock.nowMs()) / 1000))
  if (token.refreshToken) body.refresh_token = token.refreshToken
  if (options.scope && token.scopes.length) body.scope = token.scopes.join(' ')
  if (options.createdAt) body.created_at = Math.floor(token.issuedAtMs / 1000)
  return body
}

/**
 * Reads and authenticates a token request, then runs the grant. Checks run in
 * the order real servers use: body format, grant type, client, grant.
 */
export async function runTokenRequest(ctx: TokenContext): Promise<{ token: Token; auth: AuthenticatedClient; grantType: string }> {
  const config = ctx.provider.config.token
  const params = ctx.body({ accept: config.bodyFormats })
  ctx.notes.bodyFormat = params.source
  const grantType = params.value('grant_type')
  ctx.notes.grantType = grantType
  if (!grantType) throw new InvalidRequest('The "grant_type" parameter is missing.', 'missing grant_type')
  const grant = Object.hasOwn(config.grants, grantType) ? config.grants[grantType] : undefined
  if (!grant) throw new UnsupportedGrantType(undefined, `grant_type ${grantType}`)
  const auth = authenticateClient(ctx.request, params, {
    methods: config.clientAuthMethods,
    findClient: (id) => ctx.provider.store.clients.by('clientId', id),
    rejectMultipleMethods: config.rejectMultipleClientAuthMethods,
    basicWins: config.basicWinsOverBody,
    basicRealm: config.basicRealm,
    violation: ctx.violation,
  })
  ctx.notes.clientAuthMethod = auth.method
  ctx.notes.clientId = auth.client.clientId
  if (auth.client.grantTypes.length && !auth.client.grantTypes.includes(grantType)) {
    throw new UnauthorizedClient(undefined, `client not allowed grant ${grantType}`)
  }
  const token = await grant(ctx, auth.client, params)
  return { token, auth, grantType }
}

/** The token endpoint (RFC 6749 §3.2), POST only. */
export function tokenRoute(config: Pick<TokenConfig, 'routePrefix' | 'path' | 'renderError'>): RouteDefinition<any> {
  const route: RouteDefinition<TokenRuntime> = {
    id: `${config.routePrefix}.token`,
    method: 'POST',
    path: config.path,
    renderError: config.renderError,
    resolve: async (ctx) => {
      const { token } = await runTokenRequest(ctx)
      return ctx.provider.config.token.renderToken(token, ctx)
    },
  }
  return route
}
