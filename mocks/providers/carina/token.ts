import { authenticateTokenClient } from '../../core/client-auth.js'
import { InvalidGrant, InvalidRequest, InvalidScope, OAuthError, renderTokenError, UnauthorizedClient, UnsupportedGrantType } from '../../core/errors.js'
import type { Params } from '../../core/params.js'
import { Reply } from '../../core/reply.js'
import { defineRoute, type RouteContext } from '../../core/routes.js'
import { randomHex } from '../../core/secrets.js'
import { DOORKEEPER_DESCRIPTIONS, doorkeeperErrorAnswer, issueToken, redeemAuthorizationCode, revokeToken } from '../../core/token.js'
import type { Client, Token } from '../../store/index.js'
import type { CarinaContext, CarinaRuntime } from './config.js'

/**
 * Doorkeeper's token error: the `en.yml` description, `no-store`, a Bearer
 * challenge on every error, and 401 for all of them before Doorkeeper 5.1.
 */
export function renderDoorkeeperTokenError(error: OAuthError, ctx: RouteContext<CarinaRuntime>): Reply {
  const description = DOORKEEPER_DESCRIPTIONS[error.error] ?? error.description
  const { status, headers } = doorkeeperErrorAnswer(error, description, ctx.provider.config.tokenErrorStatus, {
    'Content-Type': 'application/json; charset=utf-8',
  })
  return renderTokenError(new OAuthError(status, error.error, description, error.detail, headers))
}

/** The code grant (RFC 6749 §4.1.3) as Doorkeeper serves it, with a refresh token. */
async function exchangeAuthorizationCode(ctx: CarinaContext, client: Client, params: Params): Promise<Token> {
  const config = ctx.provider.config.token
  const code = await redeemAuthorizationCode(ctx, client, params, {
    revokeTokensOnCodeReplay: config.revokeTokensOnCodeReplay,
    checkRedirectUriPresence(given, code) {
      if (!code.redirectUriGiven || given !== undefined) return
      // @see RFC 6749 §4.1.3: "redirect_uri REQUIRED, if the "redirect_uri" parameter was included in the authorization request".
      ctx.violation(
        'RFC6749-4.1.3',
        'the code exchange did not repeat the "redirect_uri" of the authorization request',
        new InvalidRequest('The "redirect_uri" parameter is missing.', 'missing redirect_uri'),
      )
    },
  })
  return issueToken(ctx.provider, client, {
    token: randomHex(32),
    ttlSeconds: config.accessTokenTtlSeconds,
    userId: code.userId,
    scopes: code.scopes,
    refreshToken: randomHex(32),
    code: code.code,
  })
}

/**
 * Refresh token grant (RFC 6749 §6): the refresh token must be the client's and
 * live; `scope` may only narrow. The old pair is revoked (rotation).
 */
async function refreshAccessToken(ctx: CarinaContext, client: Client, params: Params): Promise<Token> {
  const { store, clock, config } = ctx.provider
  const value = params.require('refresh_token')
  const previous = store.tokens.by('refreshToken', value)
  if (!previous || previous.clientId !== client.clientId)
    throw new InvalidGrant(undefined, previous ? 'refresh token of another client' : 'unknown refresh token')
  if (previous.revokedAtMs !== null) throw new InvalidGrant(undefined, 'refresh token revoked')
  const requested = params.value('scope')?.split(/ +/).filter(Boolean)
  if (requested && requested.some((s) => !previous.scopes.includes(s))) {
    throw new InvalidScope(undefined, `scope ${requested.join(' ')} exceeds ${previous.scopes.join(' ')}`)
  }
  await revokeToken(store, previous, clock.nowMs())
  return issueToken(ctx.provider, client, {
    token: randomHex(32),
    ttlSeconds: config.token.accessTokenTtlSeconds,
    userId: previous.userId,
    scopes: requested?.length ? requested : previous.scopes,
    refreshToken: randomHex(32),
    code: previous.code ?? undefined,
    refreshedFrom: previous.refreshToken ?? undefined,
  })
}

const GRANTS: Record<string, (ctx: CarinaContext, client: Client, params: Params) => Promise<Token>> = {
  authorization_code: exchangeAuthorizationCode,
  refresh_token: refreshAccessToken,
}

/**
 * The document's example response: access_token, token_type "bearer",
 * expires_in 7200, refresh_token; and Doorkeeper's `scope` and `created_at`,
 * with the headers of its TokenResponse#headers (RFC 6749 §5.1: no-store and
 * Pragma no-cache).
 */
function tokenResponse(ctx: CarinaContext, token: Token): Reply {
  const body: Record<string, string | number> = { access_token: token.token, token_type: 'bearer' }
  if (token.expiresAtMs !== null) body.expires_in = Math.max(0, Math.round((token.expiresAtMs - ctx.provider.clock.nowMs()) / 1000))
  if (token.refreshToken) body.refresh_token = token.refreshToken
  if (token.scopes.length) body.scope = token.scopes.join(' ')
  body.created_at = Math.floor(token.issuedAtMs / 1000)
  return Reply.json(200, body, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).withHeaders({ Pragma: 'no-cache' })
}

/**
 * `POST /oauth/token` (RFC 6749 §3.2), in Doorkeeper's order: body format,
 * grant type, client (Basic wins over body credentials, as Doorkeeper's
 * `from_basic` then `from_params`: served, and reported by the rules), grant.
 * The body may be JSON too (the document's own example).
 */
export const tokenRoute = defineRoute<CarinaRuntime>({
  id: 'carina.token',
  method: 'POST',
  path: '/oauth/token',
  renderError: renderDoorkeeperTokenError,
  async resolve(ctx) {
    const params = ctx.body({ accept: ['form', 'json'] })
    ctx.notes.bodyFormat = params.source
    const grantType = params.value('grant_type')
    ctx.notes.grantType = grantType
    if (!grantType) throw new InvalidRequest('The "grant_type" parameter is missing.', 'missing grant_type')
    const grant = Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType] : undefined
    if (!grant) throw new UnsupportedGrantType(undefined, `grant_type ${grantType}`)
    const { client } = authenticateTokenClient(ctx, params, { methods: ['client_secret_basic', 'client_secret_post'], basicWins: true })
    if (client.grantTypes.length && !client.grantTypes.includes(grantType)) {
      throw new UnauthorizedClient(undefined, `client not allowed grant ${grantType}`)
    }
    return tokenResponse(ctx, await grant(ctx, client, params))
  },
})
