import type { RouteDefinition } from '../../core/routes.js'
import { randomHex, secretsEqual } from '../../core/secrets.js'
import type { Client } from '../../store/index.js'
import type { GocdContext, GocdRuntime } from './config.js'
import { gocdRoute, renderGocdError, requireHttps, tokenError } from './responses.js'
import { BURNED_CODES_KEPT, ownerKey, type GocdToken } from './store.js'
import { gocdFixtures } from '../../../fixtures/gocd.js'
import { formatDuration } from '../../core/hints.js'
import type { RouteAnswer } from '../../core/reply.js'

/**
 * GoCD's token endpoint (gocd-oauth.txt "Get access token"; the
 * oauth2_provider's tokens_controller, PROVIDERS §2.4), at the document's two
 * spellings: `/oauth/token` (its text) and `/go/oauth/token` (its curl).
 *
 * GoCD's order of operations differs from RFC 6749 in ways a client can
 * observe, and that is what this emulates:
 * 1. the code named by `code` and the token named by `refresh_token` are
 *    destroyed before anything is checked, so a failed exchange still burns
 *    the code;
 * 2. `grant_type` must be exactly `authorization-code` or `refresh-token`;
 * 3. `client_id` and `client_secret` from the body (GoCD read no Basic header);
 * 4. `redirect_uri` must equal the client's registered URI, for both grants;
 * 5. the grant itself.
 */

export const TOKEN_PATHS = ['/go/oauth/token', '/oauth/token'] as const

/** RFC 6749's grant type names, and GoCD's spelling of each (for the hint). */
const RFC_SPELLINGS: Record<string, string> = { authorization_code: 'authorization-code', refresh_token: 'refresh-token' }

const GRANT_TYPES = new Set(['authorization-code', 'refresh-token'])

/** `{"access_token","expires_in","refresh_token"}`: no token_type, no scope (PROVIDERS §2.4, §7 #3). */
function tokenResponse(ctx: GocdContext, token: GocdToken): Response {
  const expiresIn = Math.max(0, Math.round((token.expiresAtMs - ctx.provider.clock.nowMs()) / 1000))
  return new Response(JSON.stringify({ access_token: token.token, expires_in: expiresIn, refresh_token: token.refreshToken }), {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  })
}

/**
 * A new token pair for the user, deleting the user's earlier token for this
 * client (GoCD's Client#create_token_for_user_id). The document's example code
 * answers the document's example tokens (it deletes their seeded copy first),
 * so its token curl and its cctray curl run as a chain. The record is built
 * here with every field of the schema in its order and stored as built
 * (`insert`, as the core's `issueToken` stores Carina's and Cloud 66's);
 * `remove` drops the earlier one in O(1) where `collection.delete` scans.
 */
function issueToken(ctx: GocdContext, client: Client, userId: string, fromCode?: string): GocdToken {
  const { store, clock, config } = ctx.provider
  const owner = ownerKey(userId, client.clientId)
  const earlier = store.tokens.by('owner', owner)
  if (earlier) {
    store.tokens.remove(earlier)
    ctx.notes.earlierTokenDeleted = true
  }
  const now = clock.nowMs()
  const { examples } = gocdFixtures
  const documentExample = config.documentExamples && fromCode === examples.code && !store.tokens.by('token', examples.accessToken)
  if (documentExample) ctx.notes.documentExampleTokens = true
  return store.tokens.insert({
    token: documentExample ? examples.accessToken : randomHex(32),
    refreshToken: documentExample ? examples.refreshToken : randomHex(32),
    clientId: client.clientId,
    userId,
    owner,
    issuedAtMs: now,
    expiresAtMs: now + config.accessTokenTtlSeconds * 1000,
  })
}

async function exchange(ctx: GocdContext): Promise<RouteAnswer> {
  const insecure = requireHttps(ctx)
  if (insecure) return insecure
  const { store, clock } = ctx.provider
  // The document says "form data"; Rails also parsed a JSON body into params.
  const params = ctx.body({ accept: ['form', 'json'] })
  ctx.notes.bodyFormat = params.source

  // 1. Burn first, ask later.
  const codeValue = params.value('code')
  const code = codeValue ? store.codes.by('code', codeValue) : undefined
  const burnedAtMs = !code && codeValue ? store.burnedCodes.get(codeValue) : undefined
  if (code) {
    store.codes.collection.delete(code)
    ctx.notes.codeBurned = true
    // Remembered (bounded) until the exchange succeeds, so a retry with it can be told why it fails.
    store.burnedCodes.set(code.code, clock.nowMs())
    if (store.burnedCodes.size > BURNED_CODES_KEPT) store.burnedCodes.delete(store.burnedCodes.keys().next().value!)
  }
  const refreshValue = params.value('refresh_token')
  const previous = refreshValue ? store.tokens.by('refreshToken', refreshValue) : undefined
  if (previous) {
    store.tokens.remove(previous)
    ctx.notes.refreshTokenBurned = true
  }

  // 2. Only the hyphenated grant names of the early OAuth 2 draft GoCD implemented.
  const grantType = params.get('grant_type') ?? ''
  ctx.notes.grantType = grantType
  if (!GRANT_TYPES.has(grantType)) {
    const hyphenated = RFC_SPELLINGS[grantType]
    if (hyphenated)
      ctx.hint(`GoCD spells the grant types with hyphens, as the early OAuth 2 draft it implemented did: send grant_type=${hyphenated}, not ${grantType}.`)
    throw tokenError('unsupported-grant-type', `Grant type ${grantType} is not supported!`, `grant_type "${grantType}"`)
  }

  // 3. Client credentials in the body only.
  const clientId = params.get('client_id')
  const client = clientId ? store.clients.by('clientId', clientId) : undefined
  if (!client || !secretsEqual(params.get('client_secret'), client.clientSecret)) {
    const basic = /^basic /i.test(ctx.request.headers.get('authorization') ?? '')
    const detail = !clientId
      ? basic
        ? 'no client_id in the body (GoCD does not read HTTP Basic)'
        : 'no client_id'
      : client
        ? 'wrong client_secret'
        : 'unknown client_id'
    if (!clientId && basic)
      ctx.hint('GoCD reads the client credentials from the form only: send client_id and client_secret as body parameters, not HTTP Basic.')
    throw tokenError('invalid-client-credentials', 'Invalid client credentials!', detail)
  }
  ctx.notes.clientId = client.clientId
  ctx.notes.clientAuthMethod = 'client_secret_post'

  // 4. The registered redirect URI, exactly, for both grants.
  const redirectUri = params.get('redirect_uri')
  if (redirectUri === undefined || !client.redirectUris.includes(redirectUri)) {
    const mismatch = tokenError(
      'invalid-grant',
      'Redirect uri mismatch!',
      `redirect_uri ${JSON.stringify(redirectUri ?? null)} is not ${JSON.stringify(client.redirectUris[0] ?? null)}`,
    )
    const withScheme = redirectUri && client.redirectUris.find((uri) => uri.replace(/^https?:\/\//i, '') === redirectUri)
    if (!withScheme) throw mismatch
    // The document's own token curl sends the URI without its scheme; GoCD compared strings and refused it
    // (PROVIDERS §7 #2). Strict refuses it as GoCD did, lenient serves it; both say why.
    const strict = ctx.provider.strictness === 'strict'
    ctx.hint(
      `The redirect_uri is the registered ${withScheme} without its scheme, as in the document's token curl; the real GoCD compared the strings exactly and refused it${strict ? ', after destroying the code: get a new code and send' : ' (lenient mode served it): send'} redirect_uri=${withScheme}.`,
    )
    ctx.violation('RFC6749-4.1.3', `the token request's redirect_uri "${redirectUri}" is the registered "${withScheme}" without its scheme`, mismatch)
  }

  // 5. The grant.
  if (grantType === 'authorization-code') {
    if (!code || code.clientId !== client.clientId || clock.nowMs() >= code.expiresAtMs) {
      const detail = !codeValue
        ? 'no code'
        : !code
          ? 'unknown or already used code'
          : code.clientId !== client.clientId
            ? 'code of another client'
            : 'code expired'
      if (burnedAtMs !== undefined) {
        ctx.hint(
          `This code was destroyed ${formatDuration(clock.nowMs() - burnedAtMs)} ago by a token request that failed: GoCD destroys the code before it checks anything else, so a corrected retry needs a new code (or, on serve, POST /__oauth-dance/reset to get the document's example code back).`,
        )
      }
      throw tokenError('invalid-grant', 'Authorization expired or invalid!', detail)
    }
    store.burnedCodes.delete(code.code)
    return tokenResponse(ctx, issueToken(ctx, client, code.userId, code.code))
  }
  if (!previous || previous.clientId !== client.clientId) {
    throw tokenError(
      'invalid-grant',
      'Refresh token is invalid!',
      !refreshValue ? 'no refresh_token' : previous ? 'refresh token of another client' : 'unknown or already used refresh token',
    )
  }
  return tokenResponse(ctx, issueToken(ctx, client, previous.userId))
}

export const tokenRoutes: RouteDefinition<GocdRuntime>[] = TOKEN_PATHS.map((path) =>
  gocdRoute({
    id: 'gocd.token',
    method: 'POST',
    path,
    renderError: renderGocdError,
    resolve(ctx) {
      ctx.notes.pathForm = path
      return exchange(ctx)
    },
  }),
)
