import { InsufficientScope, InvalidRequest, InvalidToken, OAuthError, quoteAuthParam } from './errors.js'
import type { ProviderRuntime } from './provider.js'
import type { RouteContext } from './routes.js'
import type { Store, Token } from '../store/index.js'
import { Reply } from './reply.js'
import { expiredTokenHint, foreignTokenHint, misplacedTokenHint, tokenSightings } from './hints.js'

export type TokenPlacement = 'header' | 'query' | 'body'

export interface BearerOptions {
  realm: string
  /** Where the token may be (RFC 6750 §2.1 header, §2.2 form body, §2.3 query). */
  placements: readonly TokenPlacement[]
  /** Authorization scheme, matched case-insensitively (RFC 7235 §2.1). */
  scheme?: string
  /** Query parameter names that carry the token (Doorkeeper also reads `bearer_token`). */
  queryParams?: readonly string[]
  /** Scopes the call needs (all of them). */
  scopes?: readonly string[]
  /**
   * A token sent in several places (RFC 6750 §2 forbids it): `refuse`
   * (default) answers invalid_request; `first` serves it with the first one
   * found (header, then query, then body), strict or not, as Doorkeeper's
   * `from_request` took the first method that gave a token, and records the
   * violation for the rules.
   */
  severalPlacements?: 'refuse' | 'first'
  /** Look the token up; default the store's token index. */
  findToken?(value: string): Token | undefined
}

export interface BearerResult {
  token: Token
  placement: TokenPlacement
}

/** A `WWW-Authenticate: Bearer` challenge (RFC 6750 §3). */
export function bearerChallenge(realm: string, error?: OAuthError, scope?: readonly string[]): string {
  let challenge = `Bearer realm=${quoteAuthParam(realm)}`
  if (error) challenge += `, error=${quoteAuthParam(error.error)}, error_description=${quoteAuthParam(error.description)}`
  if (scope?.length) challenge += `, scope=${quoteAuthParam(scope.join(' '))}`
  return challenge
}

function challenge<E extends OAuthError>(error: E, options: BearerOptions, withError = true): E {
  error.headers['WWW-Authenticate'] = bearerChallenge(
    options.realm,
    withError ? error : undefined,
    error.error === 'insufficient_scope' ? options.scopes : undefined,
  )
  return error
}

/**
 * Authenticates a protected-resource request by its bearer token (RFC 6750):
 * exactly one placement, a known live token, and the scopes the call needs.
 * Throws errors that carry their `WWW-Authenticate` challenge.
 */
export function authenticateBearer(ctx: RouteContext<ProviderRuntime<Pick<Store, 'tokens'>, unknown>>, options: BearerOptions): BearerResult {
  const scheme = (options.scheme ?? 'Bearer').toLowerCase()
  const found: Array<[TokenPlacement, string]> = []
  const header = ctx.request.headers.get('authorization')
  if (header && options.placements.includes('header')) {
    const space = header.indexOf(' ')
    if (space > 0 && header.slice(0, space).toLowerCase() === scheme) found.push(['header', header.slice(space + 1).trim()])
  }
  if (options.placements.includes('query')) {
    for (const name of options.queryParams ?? ['access_token']) {
      const values = ctx.url.searchParams.getAll(name)
      for (const v of values) found.push(['query', v])
    }
  }
  if (options.placements.includes('body') && ctx.bodyText && (ctx.request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const v of new URLSearchParams(ctx.bodyText).getAll('access_token')) found.push(['body', v])
  }
  if (found.length === 0) {
    const hint = misplacedTokenHint(tokenSightings(ctx.request, ctx.url, ctx.bodyText), expectedPlacements(options))
    if (hint) ctx.hint(hint)
    throw challenge(new InvalidToken('The access token is missing.', 'no token'), options, false)
  }
  if (found.length > 1) {
    // @see RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the token in each request." Lenient: the first one found is used.
    ctx.violation(
      'RFC6750-2',
      `the access token was sent ${found.length} times (${found.map(([placement]) => placement).join(', ')})`,
      challenge(new InvalidRequest('The access token was sent in more than one way.', 'several token placements'), options),
      {
        servedByRealProvider: options.severalPlacements === 'first',
      },
    )
  }
  const [placement, value] = found[0]
  ctx.notes.tokenPlacement = placement
  const token = value ? (options.findToken ? options.findToken(value) : ctx.provider.store.tokens.by('token', value)) : undefined
  if (!token) {
    const hint = foreignTokenHint(ctx.provider, value)
    if (hint) ctx.hint(hint)
    throw challenge(new InvalidToken('The access token is invalid.', 'unknown token'), options)
  }
  if (token.revokedAtMs !== null) throw challenge(new InvalidToken('The access token was revoked.', 'revoked token'), options)
  if (token.expiresAtMs !== null && ctx.provider.clock.nowMs() >= token.expiresAtMs) {
    ctx.hint(expiredTokenHint(ctx.provider.clock.nowMs(), token.expiresAtMs))
    throw challenge(new InvalidToken('The access token expired.', 'expired token'), options)
  }
  const missing = (options.scopes ?? []).filter((s) => !token.scopes.includes(s))
  if (missing.length) throw challenge(new InsufficientScope(undefined, `missing scope ${missing.join(' ')}`), options)
  ctx.notes.clientId = token.clientId
  return { token, placement }
}

/** How this API takes its token, for a hint: `"Authorization: Bearer <token>" or the "access_token" query parameter`. */
function expectedPlacements(options: BearerOptions): string {
  const ways: string[] = []
  if (options.placements.includes('header')) ways.push(`"Authorization: ${options.scheme ?? 'Bearer'} <token>"`)
  if (options.placements.includes('query')) ways.push(...(options.queryParams ?? ['access_token']).map((name) => `the "${name}" query parameter`))
  if (options.placements.includes('body')) ways.push('the "access_token" parameter of a urlencoded body')
  return ways.length > 1 ? `${ways.slice(0, -1).join(', ')} or ${ways.at(-1)}` : ways[0]
}

/** RFC 6750 §3: the status and challenge, with an empty body (Doorkeeper's resource errors). */
export function renderBearerError(error: OAuthError): Reply {
  return new Reply(error.status, { ...error.headers, 'Cache-Control': 'no-store' }, null)
}
