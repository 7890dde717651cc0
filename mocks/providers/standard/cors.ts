import { renderTokenError } from '../../core/errors.js'
import { Reply, type RouteAnswer } from '../../core/reply.js'
import type { HttpMethod, RouteDefinition } from '../../core/routes.js'
import type { StandardRuntime } from './config.js'

/**
 * What a single-page app calls from another origin: the token, UserInfo,
 * revocation and registration endpoints, both metadata documents, the JWKS
 * and the protected resource's metadata. Browsers let a page read these
 * answers only with CORS headers (Fetch standard, "CORS protocol").
 */
export const CORS_ROUTE_IDS: ReadonlySet<string> = new Set([
  'standard.token',
  'standard.userinfo',
  'standard.revoke',
  'standard.register',
  'standard.openid-configuration',
  'standard.oauth-authorization-server',
  'standard.jwks',
  'standard.protected-resource-metadata',
])

/**
 * Any origin, without credentials: these endpoints authenticate by the
 * request (client credentials, PKCE, a Bearer or DPoP token), never by
 * cookies, so `*` is safe and matches every app's origin. The challenge and
 * the DPoP nonce must be readable (RFC 6750 §3, RFC 9449 §8).
 */
const CORS_HEADERS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': 'WWW-Authenticate, DPoP-Nonce' }
/** Request headers a browser app sends: client authentication or a token, the form or JSON type, a DPoP proof (RFC 9449 §4.1). */
const PREFLIGHT_ALLOWED_HEADERS = 'Authorization, Content-Type, DPoP'
const PREFLIGHT_MAX_AGE_SECONDS = '600'

function withCorsHeaders(answer: RouteAnswer): RouteAnswer {
  if (answer instanceof Reply) return answer.withHeaders(CORS_HEADERS)
  // A Response a route built itself has mutable headers; one that cannot take them (a dropped connection) is left as it is.
  try {
    for (const [name, value] of Object.entries(CORS_HEADERS)) answer.headers.set(name, value)
  } catch {
    // immutable headers: answered without CORS
  }
  return answer
}

/** The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`): which methods and headers the route takes. */
function preflight(methods: readonly HttpMethod[]): Reply {
  return new Reply(
    204,
    {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': methods.join(', '),
      'Access-Control-Allow-Headers': PREFLIGHT_ALLOWED_HEADERS,
      'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
      'Cache-Control': 'no-store',
    },
    null,
  )
}

/**
 * The routes of {@link CORS_ROUTE_IDS} answer `OPTIONS` preflights and carry
 * the CORS headers on every answer, errors included (a browser app must read
 * `invalid_grant` to know it must sign in again). Others are unchanged.
 */
export function withCors(routes: RouteDefinition<StandardRuntime>[]): RouteDefinition<StandardRuntime>[] {
  return routes.map((route) => {
    if (!CORS_ROUTE_IDS.has(route.id)) return route
    const methods: HttpMethod[] = Array.isArray(route.method) ? [...route.method] : [route.method as HttpMethod]
    return {
      ...route,
      method: [...methods, 'OPTIONS'],
      resolve(ctx) {
        if (ctx.request.method.toUpperCase() === 'OPTIONS') return preflight(methods)
        const answer = route.resolve(ctx)
        // Synchronous answers stay synchronous: no microtask on the token endpoint's path.
        return answer instanceof Promise ? answer.then(withCorsHeaders) : withCorsHeaders(answer)
      },
      renderError: (error, ctx) => withCorsHeaders(route.renderError ? route.renderError(error, ctx) : renderTokenError(error)),
    }
  })
}
