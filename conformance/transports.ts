import { AsyncLocalStorage } from 'node:async_hooks'
import { http } from 'msw/core/http'
import type { HttpHandler } from 'msw'
import { setupServer, type SetupServer } from 'msw/node'
import { Clock } from '../mocks/core/clock.js'
import type { ProviderRuntime } from '../mocks/core/provider.js'
import { withControlPaths } from '../mocks/control/control-paths.js'
import { originMatchers } from '../mocks/msw.js'
import { serve } from '../mocks/server.js'
import type { ProviderId } from '../mocks/registry.js'
import type { ProviderProfile } from './profiles/profile.js'

/** Where scenarios start: 2030-01-01T00:00:00Z on the mock clock, every time. */
export const SCENARIO_START_MS = Date.UTC(2030, 0, 1)

/**
 * How the provider is reached: in-process (msw intercepts the provider's
 * production URLs in this process, no socket) or over sockets (`serve` on
 * 127.0.0.1, free ports) for clients in other processes and languages.
 */
export type TransportKind = 'in-process' | 'sockets'

export interface Transport {
  kind: TransportKind
  provider: ProviderRuntime
  /**
   * Runs `fetch` (the global one) so that its requests reach this transport's
   * provider: in process, a lane's provider shares its origins with the other
   * lanes of the same provider, and msw's match tells them apart by the lane
   * the request was made in.
   */
  fetch: typeof fetch
  /**
   * For the harness's own requests (the user agent playing the user), not
   * the client's: in process, the provider's answer to the same Request
   * through the same `handle(request, origin)` msw would call, without msw's
   * interception around it; a request for another host goes through `fetch`.
   */
  harnessFetch: typeof fetch
  close(): Promise<void>
}

/** Where a provider answers: its URL patterns as msw matches them, each with the origin it names. */
interface Routed {
  provider: ProviderRuntime
  routes: Array<{ matcher: RegExp; origin: string }>
  /** Set for a lane: only requests made in it (see {@link lanes}) reach this provider. */
  lane?: object
}

/** The lane a request is made in, for providers of the same origins open at once (one per lane). */
const lanes = new AsyncLocalStorage<object>()

/**
 * The process's one msw interception, shared by every in-process transport
 * open at once: each adds its provider and takes it away on close (the
 * providers' origins are distinct), so `check` can run several providers in
 * process at the same time. Two `setupServer`s listening at once would patch
 * the same globals twice.
 *
 * One msw handler ({@link dispatcher}) answers for the providers open: msw
 * runs every handler before the matching one through its own URL parsing,
 * cookie lookup and path matching, which with six providers' handlers in one
 * list cost more than the providers' own answers. It matches as
 * `mswHandlers` does (the same patterns, in the same order, on the URL's
 * origin and path) and calls the same `handle(request, origin)`.
 */
let interception: { server: SetupServer; active: Set<Routed> } | undefined

function routed(provider: ProviderRuntime, lane: object | undefined): Routed {
  withControlPaths(provider)
  return { provider, routes: originMatchers(provider), ...(lane ? { lane } : {}) }
}

/** The provider a request is for: the first of the open ones (of its lane, if it was made in one) whose pattern matches its origin and path. */
function find(active: Set<Routed>, request: Request): { provider: ProviderRuntime; origin: string } | undefined {
  const url = new URL(request.url)
  const clean = url.origin + url.pathname
  const inLane = lanes.getStore()
  for (const entry of active) {
    if (entry.lane && entry.lane !== inLane) continue
    for (const route of entry.routes) if (route.matcher.test(clean)) return { provider: entry.provider, origin: route.origin }
  }
  return undefined
}

type RunArgs = Parameters<HttpHandler['run']>[0]

/**
 * The one handler. Its `run` only matches and answers: msw's own also clones
 * each request (for logs, which `setupServer` keeps quiet), merges cookies
 * from its cookie store (filled only by msw's `HttpResponse`, which no
 * provider uses) and sets up abort listeners for `finalize` cleanups (which
 * no provider schedules); those were a third of a request's cost. A Response
 * thrown by the provider is its answer, as in msw's.
 */
function dispatcher(active: Set<Routed>): HttpHandler {
  // @note the class from an instance: msw's root module, which exports it, also loads GraphQL.
  const Base = http.all('*', () => undefined).constructor as typeof HttpHandler
  class Dispatcher extends Base {
    override async run({ request, requestId }: RunArgs): ReturnType<HttpHandler['run']> {
      const found = find(active, request)
      if (!found) return null
      const response = await found.provider.handle(request, found.origin).catch((thrown: unknown) => {
        if (thrown instanceof Response) return thrown
        throw thrown
      })
      return { handler: this, request, requestId, response, parsedResult: { match: { matches: true, params: {} }, cookies: {} } }
    }
  }
  return new Dispatcher(
    /.+/,
    () => false,
    () => undefined,
  )
}

function intercept(entry: Routed): () => void {
  let current = interception
  if (!current) {
    const active = new Set<Routed>()
    const server = setupServer(dispatcher(active))
    // @note requests to other hosts are the client's business (a third-party library may fetch metadata elsewhere).
    server.listen({ onUnhandledRequest: 'bypass' })
    current = interception = { server, active }
  }
  current.active.add(entry)
  return () => {
    if (!current.active.delete(entry) || current.active.size) return
    current.server.close()
    if (interception === current) interception = undefined
  }
}

/**
 * Resolves on the event loop's next turn, after the timers and I/O
 * completions due meanwhile. In process a request is answered without any
 * I/O (msw and the provider are promises), so scenarios running at once
 * would otherwise keep the thread in microtasks for as long as they have
 * work: a held answer's timer, a signature done on the thread pool (Cogo's
 * first token) and the client's own timeout timer all wait until every
 * other scenario blocks, and a timeout then fires before the answer that
 * was ready long before it (the timers phase comes first). One turn per
 * request keeps them on time.
 */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Starts a provider for scenarios. `lane`: in process, one of several
 * providers of the same profile open at once, each reached only by requests
 * made through its transport's `fetch`.
 */
export async function startTransport(kind: TransportKind, profile: ProviderProfile, options: { lane?: boolean } = {}): Promise<Transport> {
  if (kind === 'in-process') {
    const provider = profile.create({ clock: new Clock({ frozen: true, start: SCENARIO_START_MS }) })
    const lane = options.lane ? {} : undefined
    const entry = routed(provider, lane)
    const stop = intercept(entry)
    await provider.ready
    const laneFetch: typeof fetch = async (input, init) => {
      await nextTurn()
      return lane ? lanes.run(lane, () => fetch(input, init)) : fetch(input, init)
    }
    const harnessFetch: typeof fetch = async (input, init) => {
      await nextTurn()
      const request = new Request(input, init)
      const url = new URL(request.url)
      const route = entry.routes.find((r) => r.matcher.test(url.origin + url.pathname))
      if (!route) return lane ? lanes.run(lane, () => fetch(input, init)) : fetch(input, init)
      const response = await provider.handle(request, route.origin)
      // @note as msw's fetch interception rejects a network error (Response.error(), a dropped connection).
      if (response.type === 'error') throw Object.assign(new TypeError('Failed to fetch'), { cause: response })
      return response
    }
    return { kind, provider, fetch: laneFetch, harnessFetch, close: async () => stop() }
  }
  const clock = new Clock({ frozen: true, start: SCENARIO_START_MS })
  const running = await serve({ portBase: 0, providers: [profile.registryId as ProviderId], log: null, clock })
  const provider = running.providers[profile.registryId as ProviderId]!
  const viaSockets: typeof fetch = (input, init) => fetch(input, init)
  return { kind, provider, fetch: viaSockets, harnessFetch: viaSockets, close: () => running.close() }
}
