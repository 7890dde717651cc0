import { lazy, requireDependency } from '../../core/lazy-dependency.js'
import { authenticateTokenClient } from '../../core/client-auth.js'
import { InvalidRequest, OAuthError, UnsupportedGrantType } from '../../core/errors.js'
import type { Params } from '../../core/params.js'
import { defineRoute } from '../../core/routes.js'
import { randomHex } from '../../core/secrets.js'
import { DOORKEEPER_DESCRIPTIONS, doorkeeperErrorAnswer, issueToken, redeemAuthorizationCode } from '../../core/token.js'
import type { Client, Token } from '../../store/index.js'
import type { Cloud66Context, Cloud66Runtime } from './config.js'

export type TokenFormat = 'form' | 'json' | 'xml'

/** Media types each format answers to, in the order ties are broken (urlencoded is the document's default). */
const FORMATS: ReadonlyArray<{ format: TokenFormat; types: readonly string[] }> = [
  { format: 'form', types: ['application/x-www-form-urlencoded'] },
  { format: 'json', types: ['application/json'] },
  { format: 'xml', types: ['application/xml', 'text/xml'] },
]

const CONTENT_TYPES: Record<TokenFormat, string> = {
  form: 'application/x-www-form-urlencoded; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
}

/**
 * The token response format the `Accept` header asks for (document, "Response":
 * urlencoded "by default", JSON or XML "depending on the Accept header").
 * Each candidate takes the quality of the most specific range that matches it
 * (RFC 9110 §12.5.1); the highest quality wins, then the more specific range,
 * then urlencoded. Nothing acceptable falls back to the default rather than 406.
 */
export function negotiateTokenFormat(accept: string | null): TokenFormat {
  if (!accept) return 'form'
  const ranges = accept.split(',').flatMap((part) => {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase())
    if (!/^[^/\s]+\/[^/\s]+$/.test(range)) return []
    const q = params.map((p) => /^q=([01](?:\.\d{0,3})?)$/.exec(p)).find(Boolean)
    return [{ range, q: q ? Number(q[1]) : 1 }]
  })
  let best: { format: TokenFormat; q: number; specificity: number } = { format: 'form', q: 0, specificity: -1 }
  for (const { format, types } of FORMATS) {
    for (const type of types) {
      let match: { q: number; specificity: number } | undefined
      for (const { range, q } of ranges) {
        const specificity = range === type ? 2 : range === `${type.split('/')[0]}/*` ? 1 : range === '*/*' ? 0 : -1
        if (specificity >= 0 && (!match || specificity > match.specificity)) match = { q, specificity }
      }
      if (match && match.q > 0 && (match.q > best.q || (match.q === best.q && match.specificity > best.specificity))) best = { format, ...match }
    }
  }
  return best.q > 0 ? best.format : 'form'
}

const xml = lazy(() => new (requireDependency<typeof import('fast-xml-parser')>('fast-xml-parser').XMLBuilder)({ format: true, indentBy: '  ' }))

/** Serializes token-endpoint members in a format: `a=1&b=2`, a JSON object, or the document's `<OAuth>` element. */
export function serializeTokenBody(format: TokenFormat, members: Array<[string, string]>): string {
  if (format === 'json') return JSON.stringify(Object.fromEntries(members))
  if (format === 'xml') return xml().build({ OAuth: Object.fromEntries(members) }) as string
  return new URLSearchParams(members).toString()
}

function formatOf(ctx: Cloud66Context): TokenFormat {
  return ctx.provider.config.tokenResponse === 'json' ? 'json' : negotiateTokenFormat(ctx.request.headers.get('accept'))
}

function tokenResponse(ctx: Cloud66Context, status: number, members: Array<[string, string]>, headers: Record<string, string> = {}): Response {
  const format = formatOf(ctx)
  ctx.notes.responseFormat = format
  return new Response(serializeTokenBody(format, members), {
    status,
    headers: {
      ...headers,
      'Content-Type': CONTENT_TYPES[format],
      // RFC 6749 §5.1; and the body depends on Accept, so caches must key on it.
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      Vary: 'Accept',
    },
  })
}

/**
 * A token endpoint error in the negotiated format, Doorkeeper's wording and
 * status: 401 for every error before Doorkeeper 5.1 (or RFC 6749's 400 as an
 * option), with its `WWW-Authenticate: Bearer realm="Doorkeeper"` challenge.
 */
export function renderCloud66TokenError(error: OAuthError, ctx: Cloud66Context): Response {
  const description = error.status === 413 ? error.description : (DOORKEEPER_DESCRIPTIONS[error.error] ?? error.description)
  const { status, headers } = doorkeeperErrorAnswer(error, description, ctx.provider.config.tokenErrorStatus)
  return tokenResponse(
    ctx,
    status,
    [
      ['error', error.error],
      ['error_description', description],
    ],
    headers,
  )
}

/**
 * The document's code exchange: `client_id`, `client_secret`, `code`, and an
 * optional `redirect_uri` that, when sent, must repeat the one the code was
 * issued for (required with `requiredParams: 'doorkeeper'`). A replay revokes
 * the token the first exchange issued only with `revokeTokensOnCodeReplay`.
 */
async function exchangeCode(ctx: Cloud66Context, client: Client, params: Params): Promise<Token> {
  const { config } = ctx.provider
  const code = await redeemAuthorizationCode(ctx, client, params, {
    revokeTokensOnCodeReplay: config.revokeTokensOnCodeReplay,
    checkRedirectUriPresence(given) {
      ctx.notes.redirectUriSent = given !== undefined
      if (given === undefined && config.requiredParams === 'doorkeeper')
        throw new InvalidRequest('The "redirect_uri" parameter is missing.', 'missing redirect_uri')
    },
  })
  // The document's example token is 40 hex characters; "Tokens do not expire" (PROVIDERS.md §3.1): no expires_in, no refresh token.
  return issueToken(ctx.provider, client, {
    token: randomHex(20),
    ttlSeconds: null,
    userId: code.userId,
    scopes: code.scopes,
    refreshToken: null,
    code: code.code,
  })
}

/**
 * `POST /oauth/token`. The document's table lists no `grant_type` (GitHub's
 * 2011 API needed none), so an absent one means the code grant, unless
 * `requiredParams` is `doorkeeper`. Client credentials as body parameters (the
 * document) or HTTP Basic (Doorkeeper also read it). Tokens never expire and
 * come without a refresh token (document, and PROVIDERS.md §7 #13).
 */
export const tokenEndpoint = defineRoute<Cloud66Runtime>({
  id: 'cloud66.token',
  method: 'POST',
  path: '/oauth/token',
  renderError: renderCloud66TokenError,
  async resolve(ctx) {
    const { config } = ctx.provider
    const params = ctx.body({ accept: ['form', 'json'] })
    ctx.notes.bodyFormat = params.source
    let grantType = params.value('grant_type')
    ctx.notes.grantType = grantType ?? null
    if (grantType === undefined) {
      if (config.requiredParams === 'doorkeeper') throw new InvalidRequest('The "grant_type" parameter is missing.', 'missing grant_type')
      grantType = 'authorization_code'
    }
    if (grantType !== 'authorization_code') throw new UnsupportedGrantType(undefined, `grant_type ${grantType}`)
    // Doorkeeper's `from_basic`, then `from_params`: Basic wins, body credentials are ignored (served, and reported by the rules).
    const { client } = authenticateTokenClient(ctx, params, { methods: ['client_secret_post', 'client_secret_basic'], basicWins: true })
    const token = await exchangeCode(ctx, client, params)
    // The document's order of members: access_token, then token_type (the XML example lists them the other way round).
    const members: Array<[string, string]> = [
      ['access_token', token.token],
      ['token_type', 'bearer'],
    ]
    return tokenResponse(ctx, 200, formatOf(ctx) === 'xml' ? [members[1], members[0]] : members)
  },
})
