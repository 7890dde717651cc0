import { Reply } from '../../core/reply.js'
import type { RouteDefinition } from '../../core/routes.js'
import { MOVABLE_ENDPOINTS, MOVED_ENDPOINTS_PREFIX, STANDARD_PATHS, type StandardRuntime } from './config.js'

const MOVABLE_PATHS = new Set<string>(MOVABLE_ENDPOINTS.map((name) => STANDARD_PATHS[name]))

/**
 * Each movable endpoint twice, at its usual path and under
 * {@link MOVED_ENDPOINTS_PREFIX}, under the same route id (the journal, faults
 * and rules see one endpoint); `movedEndpoints` decides which of the two
 * answers, the other is not found. The metadata lists the one that answers
 * (RFC 8414 §2), so only a client that reads it reaches them.
 */
export function withMovableEndpoints(routes: RouteDefinition<StandardRuntime>[]): RouteDefinition<StandardRuntime>[] {
  return routes.flatMap((route) => {
    if (!MOVABLE_PATHS.has(route.path)) return [route]
    const served = (moved: boolean): RouteDefinition<StandardRuntime> => ({
      ...route,
      path: moved ? MOVED_ENDPOINTS_PREFIX + route.path : route.path,
      resolve: (ctx) => (ctx.provider.config.movedEndpoints === moved ? route.resolve(ctx) : notFound(ctx.url.pathname)),
    })
    return [served(false), served(true)]
  })
}

function notFound(path: string): Reply {
  return Reply.json(
    404,
    {
      error: 'not_found',
      error_description: `Nothing is served at ${path}; the server metadata at /.well-known/oauth-authorization-server lists the endpoints (movedEndpoints is ${path.startsWith(MOVED_ENDPOINTS_PREFIX) ? 'off' : 'on'}).`,
    },
    { 'Cache-Control': 'no-store' },
  )
}
