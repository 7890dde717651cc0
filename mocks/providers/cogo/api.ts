import { expiredTokenHint, foreignTokenHint, misplacedTokenHint, tokenSightings } from '../../core/hints.js'
import type { JWTPayload } from 'jose'
import { lazy } from '../../core/lazy-dependency.js'
import { HttpError, type OAuthError } from '../../core/errors.js'
import { mediaType } from '../../core/params.js'
import { Router, defineRoute, type HttpMethod, type RouteDefinition } from '../../core/routes.js'
import type { Category, CogoContext, CogoRuntime } from './config.js'
import { issuerFor, refusePlainHttp } from './hosts.js'
import { Reply } from '../../core/reply.js'
import { parseJsonBounded } from '../../core/json.js'

/** jose's JWT verification, loaded with the first API call rather than at start. */
const joseVerify = lazy(() => import('jose/jwt/verify'))

/**
 * The Carbon Engine API. The document shows one call, `GET /api/v2/categories`
 * with a bearer token, and says a missing or invalid token gets 403. The
 * other resources and every body shape are INVENTED (small and plausible) so
 * clients have something to call; see docs/providers/cogo.md.
 *
 * Bodies use the `{"message": ...}` envelope of AWS API Gateway, which the
 * 403-for-a-bad-token behaviour suggests sits in front of the API [inf].
 */

const JSON_HEADERS = { 'Content-Type': 'application/json' }

function apiJson(body: unknown, status = 200, headers: Record<string, string> = {}): Reply {
  return new Reply(status, { ...JSON_HEADERS, ...headers }, JSON.stringify(body))
}

function fail(status: number, message: string, headers?: Record<string, string>): never {
  throw new HttpError(apiJson({ message }, status, headers))
}

/** OAuth errors on the API (an oversized body, an injected fault) in the API's envelope. */
export function renderApiError(error: OAuthError): Reply {
  const headers: Record<string, string> = {}
  if (error.headers['Retry-After']) headers['Retry-After'] = error.headers['Retry-After']
  return apiJson({ message: error.description }, error.status, headers)
}

/** "Requests which do not have a valid Authorization header will fail with a 403 HTTP status code." The reason goes to the journal only. */
function deny(ctx: CogoContext, reason: string): never {
  ctx.notes.tokenRejected = reason
  fail(403, 'Forbidden')
}

/**
 * Checks "an Authorization HTTP header with the access token, prefixed by the
 * string "Bearer" and a space" and verifies the token as a JWT: RS256 only,
 * signed by a key published under its `kid`, this tenant's `iss`, the
 * configured `aud`, and `exp` against the provider's clock (so moving the
 * clock one hour expires it). No store lookup: the JWT carries everything.
 * The scheme is matched case-insensitively (RFC 7235 §2.1); a scheme other
 * than `Bearer` as written is noted in the journal for the conformance report.
 */
export async function requireAccessToken(ctx: CogoContext): Promise<JWTPayload> {
  const header = ctx.request.headers.get('authorization')
  const misplaced = () => {
    const hint = misplacedTokenHint(tokenSightings(ctx.request, ctx.url, ''), '"Authorization: Bearer <token>", as the document shows')
    if (hint) ctx.hint(hint)
  }
  if (header === null) {
    misplaced()
    deny(ctx, 'no Authorization header')
  }
  const match = /^(bearer) +([^ ]+) *$/i.exec(header)
  if (!match) {
    misplaced()
    deny(ctx, 'the Authorization header is not "Bearer <token>"')
  }
  if (match[1] !== 'Bearer') ctx.notes.bearerScheme = match[1]
  const { provider } = ctx
  const { jwtVerify } = await joseVerify()
  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(
      match[2],
      (protectedHeader) => {
        const key = provider.store.keys.find(protectedHeader.kid)
        if (!key) throw new Error(protectedHeader.kid === undefined ? 'the token has no kid' : `no published key has kid "${protectedHeader.kid}"`)
        return key
      },
      {
        algorithms: ['RS256'],
        issuer: issuerFor(ctx),
        audience: provider.config.audience,
        currentDate: provider.clock.now(),
        requiredClaims: ['iat', 'exp', 'sub'],
      },
    ))
  } catch (error) {
    const e = error as { code?: string; message?: string; payload?: JWTPayload }
    if (e.code === 'ERR_JWT_EXPIRED' && typeof e.payload?.exp === 'number') ctx.hint(expiredTokenHint(provider.clock.nowMs(), e.payload.exp * 1000))
    else {
      const foreign = foreignTokenHint(provider, match[2])
      if (foreign) ctx.hint(foreign)
    }
    deny(ctx, `${e.code ?? 'ERR_KEY'}: ${e.message ?? String(error)}`)
  }
  if (typeof payload.azp === 'string') ctx.notes.clientId = payload.azp
  return payload
}

function categorySummary(category: Category) {
  return { id: category.id, name: category.name, sector: category.sector }
}

function categoryDetail(category: Category) {
  return { ...categorySummary(category), emission_factor: { value: category.kgCo2ePerGbp, unit: 'kgCO2e/GBP' } }
}

/** A query integer within bounds, or 400 naming the parameter. */
function integerParam(ctx: CogoContext, name: string, fallback: number, min: number, max: number): number {
  const raw = ctx.query.get(name)
  if (raw === undefined) return fallback
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN
  if (!(value >= min && value <= max)) fail(400, `"${name}" must be an integer from ${min} to ${max}.`)
  return value
}

/** `GET /api/v2/categories` (the document's example call), paged with `limit` (1-100, default 50) and `offset`. */
export const listCategories = defineRoute<CogoRuntime>({
  id: 'cogo.categories',
  method: 'GET',
  path: '/api/v2/categories',
  origin: 'api',
  renderError: renderApiError,
  async resolve(ctx) {
    refusePlainHttp(ctx)
    await requireAccessToken(ctx)
    const limit = integerParam(ctx, 'limit', 50, 1, 100)
    const offset = integerParam(ctx, 'offset', 0, 0, 1_000_000)
    const all = ctx.provider.store.categories.collection.findMany()
    return apiJson({ data: all.slice(offset, offset + limit).map(categorySummary), total: all.length, limit, offset })
  },
})

/** `GET /api/v2/categories/{id}` [invented]: one category with its (illustrative) emission factor. */
export const showCategory = defineRoute<CogoRuntime>({
  id: 'cogo.category',
  method: 'GET',
  path: '/api/v2/categories/:id',
  origin: 'api',
  renderError: renderApiError,
  async resolve(ctx) {
    refusePlainHttp(ctx)
    await requireAccessToken(ctx)
    const category = ctx.provider.store.categories.by('id', ctx.params.id)
    if (!category) fail(404, `Category "${ctx.params.id}" not found.`)
    return apiJson({ data: categoryDetail(category) })
  },
})

/**
 * `POST /api/v2/footprints` [invented]: the carbon footprint of one spending
 * activity, `{"category_id", "amount", "currency"?}` → kg CO2e = amount ×
 * the category's factor. Factors are priced in GBP only.
 */
export const estimateFootprint = defineRoute<CogoRuntime>({
  id: 'cogo.footprints',
  method: 'POST',
  path: '/api/v2/footprints',
  origin: 'api',
  renderError: renderApiError,
  async resolve(ctx) {
    refusePlainHttp(ctx)
    await requireAccessToken(ctx)
    if (mediaType(ctx.request) !== 'application/json') fail(415, 'The request body must be application/json.')
    let body: unknown
    try {
      body = parseJsonBounded(ctx.bodyText)
    } catch {
      fail(400, 'The request body is not valid JSON.')
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) fail(400, 'The request body must be a JSON object.')
    const { category_id: categoryId, amount, currency = 'GBP' } = body as Record<string, unknown>
    if (typeof categoryId !== 'string' || !categoryId) fail(400, '"category_id" must be a non-empty string.')
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) fail(400, '"amount" must be a non-negative number.')
    if (currency !== 'GBP') fail(400, `"currency" must be "GBP": the sandbox prices emission factors in GBP only.`)
    const category = ctx.provider.store.categories.by('id', categoryId)
    if (!category) fail(400, `"category_id" names no category: "${categoryId}".`)
    const kg = Math.round(amount * category.kgCo2ePerGbp * 1000) / 1000
    return apiJson({ data: { category_id: category.id, amount, currency, co2e: { value: kg, unit: 'kg' } } })
  },
})

export const apiRoutes: ReadonlyArray<RouteDefinition<CogoRuntime>> = [listCategories, showCategory, estimateFootprint]

const apiRouter = new Router(apiRoutes)
const ANY_METHOD: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/**
 * Every other path or method of the API origin. The token is checked first, as
 * an authorizer in front of the API does, so without a valid token every
 * request is 403 (the document's rule); with one, an unknown path is 404 and a
 * wrong method 405 with `Allow`.
 */
export const apiFallback = defineRoute<CogoRuntime>({
  id: 'cogo.api-fallback',
  method: ANY_METHOD,
  path: '/*',
  origin: 'api',
  renderError: renderApiError,
  async resolve(ctx) {
    refusePlainHttp(ctx)
    await requireAccessToken(ctx)
    const match = apiRouter.match('api', ctx.request.method.toUpperCase(), ctx.url.pathname)
    if (match.kind === 'method-not-allowed') fail(405, 'Method Not Allowed', { Allow: match.allowed.join(', ') })
    fail(404, 'Not Found')
  },
})
