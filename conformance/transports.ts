import { AsyncLocalStorage } from 'node:async_hooks'
import { Duplex } from 'node:stream'
import { createBrotliDecompress } from 'node:zlib'
import type { HttpHandler } from 'msw'
import type { SetupServer } from 'msw/node'
import { Clock } from '../mocks/core/clock.js'
import type { ProviderRuntime, ReadBody } from '../mocks/core/provider.js'
import type { ProviderRequest } from '../mocks/core/request.js'
import { withControlPaths } from '../mocks/control/control-paths.js'
import { originMatchers } from '../mocks/origin-matchers.js'
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
   * The client's fetch: requests to this transport's provider reach it. In
   * process, through msw's interception of the global `fetch` (a lane's
   * provider shares its origins with the other lanes of the same provider,
   * and msw's match tells them apart by the lane the request was made in);
   * with `direct`, past it ({@link directFetch}).
   */
  fetch: typeof fetch
  /**
   * For the harness's own requests (the user agent playing the user), not
   * the client's: in process, the provider's answer to the same Request
   * through the same `handle(request, origin)` msw would call, without msw's
   * interception around it; a request for no open provider goes through `fetch`.
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
 * Every in-process provider open in this process, however its requests reach
 * it (msw's interception, or a direct fetch): their origins are distinct but
 * for lanes, so `check` can run several providers in process at the same time.
 */
const active = new Set<Routed>()

/**
 * The process's one msw interception, while a transport whose requests go
 * through it is open: loaded and set up only then, since a built-in client's
 * run never needs it. Two `setupServer`s listening at once would patch the
 * same globals twice.
 *
 * One msw handler ({@link dispatcher}) answers for the providers open: msw
 * runs every handler before the matching one through its own URL parsing,
 * cookie lookup and path matching, which with six providers' handlers in one
 * list cost more than the providers' own answers. It matches as
 * `mswHandlers` does (the same patterns, in the same order, on the URL's
 * origin and path) and calls the same `handle(request, origin)`.
 */
let interception: { server: Promise<SetupServer>; users: number } | undefined

function routed(provider: ProviderRuntime, lane: object | undefined): Routed {
  withControlPaths(provider)
  return { provider, routes: originMatchers(provider), ...(lane ? { lane } : {}) }
}

/** The provider a request is for: the first of the open ones (of the lane, if it is made in one) whose pattern matches its origin and path. */
function find(url: string, inLane: object | undefined): { provider: ProviderRuntime; origin: string } | undefined {
  const parsed = new URL(url)
  const clean = parsed.origin + parsed.pathname
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
async function dispatcher(): Promise<HttpHandler> {
  // @note msw/core/http, not msw: msw's root module, which exports HttpHandler, also loads GraphQL.
  const { http } = await import('msw/core/http')
  const Base = http.all('*', () => undefined).constructor as typeof HttpHandler
  class Dispatcher extends Base {
    override async run({ request, requestId }: RunArgs): ReturnType<HttpHandler['run']> {
      const found = find(request.url, lanes.getStore())
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

/** Sets up the msw interception if it is not (it stays until its last user leaves); returns how to leave it. */
async function intercept(): Promise<() => Promise<void>> {
  let current = interception
  if (!current) {
    const server = Promise.all([dispatcher(), import('msw/node')]).then(([handler, { setupServer }]) => {
      const server = setupServer(handler)
      // @note requests to other hosts are the client's business (a third-party library may fetch metadata elsewhere).
      server.listen({ onUnhandledRequest: 'bypass' })
      return server
    })
    current = interception = { server, users: 0 }
  }
  current.users++
  await current.server
  let left = false
  return async () => {
    if (left) return
    left = true
    if (--current.users) return
    if (interception === current) interception = undefined
    ;(await current.server).close()
  }
}

/** The global `fetch`, made in `lane` when there is one (so msw's match finds that lane's provider). */
const fetchInLane = (lane: object | undefined, input: FetchInput, init: RequestInit | undefined) =>
  lane ? lanes.run(lane, () => fetch(input, init)) : fetch(input, init)

/** What msw's fetch interception rejects with for a network error (undici's own message differs, with the same type). */
const networkError = (cause?: unknown) => Object.assign(new TypeError('Failed to fetch'), { cause })

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])
const REQUEST_BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length']

/**
 * A fetch that hands the Request to the open provider it is for, in `lane`,
 * past msw's interception, and gives back what `fetch` through msw's
 * interception gives (it does, for each request, what @mswjs/interceptors'
 * FetchInterceptor and msw's `setupServer` do): the same Request reaches the
 * same `handle(request, origin)`; a signal aborted before the answer rejects
 * with its reason; `Response.error()` rejects with a network error; the answer
 * is a new Response with the request's URL, its body decompressed as fetch
 * does; redirects are followed as msw follows them (`redirect: 'follow'`),
 * refused (`'error'`) or handed over (`'manual'`). A request for no open
 * provider goes through the global `fetch`. For the built-in clients, whose
 * requests msw's interception made cost several times the provider's answer.
 */
function directFetch(lane: object | undefined): typeof fetch {
  const send = async (outgoing: Outgoing, input: FetchInput, init: RequestInit | undefined, redirects: number): Promise<Response> => {
    const { request } = outgoing
    const found = find(request.url, lane)
    if (!found) return fetchInLane(lane, input, init)
    const { signal } = request
    let raw: Response
    if (!signal) raw = await answer(found, outgoing)
    else {
      if (signal.aborted) throw signal.reason
      let onAbort!: () => void
      const aborted = new Promise<never>((_resolve, reject) => {
        onAbort = () => reject(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
      })
      try {
        raw = await Promise.race([answer(found, outgoing), aborted])
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
    }
    if (raw.type === 'error') throw networkError(raw)
    // @note msw's interception hands over a new Response over the same body (decoded if encoded): the same status, headers and body, with the URL.
    const response = raw.headers.has('content-encoding')
      ? new Response(NULL_BODY_STATUSES.has(raw.status) ? null : decompressed(raw), { status: raw.status, statusText: raw.statusText, headers: raw.headers })
      : raw
    Object.defineProperty(response, 'url', { value: request.url, enumerable: true, configurable: true, writable: false })
    if (!REDIRECT_STATUSES.has(response.status) || request.redirect === 'manual') return response
    if (request.redirect === 'error') throw networkError('unexpected redirect')
    return follow(outgoing, response, redirects)
  }
  const follow = async ({ request, hasBody }: Outgoing, response: Response, redirects: number): Promise<Response> => {
    if (response.status !== 303 && hasBody) throw networkError()
    let location: URL
    try {
      location = new URL(response.headers.get('location')!, request.url)
    } catch (error) {
      throw networkError(error)
    }
    if (location.protocol !== 'http:' && location.protocol !== 'https:') throw networkError('URL scheme must be a HTTP(S) scheme')
    if (redirects + 1 > 20) throw networkError('redirect count exceeded')
    const from = new URL(request.url)
    const init: RequestInit = {}
    if (
      ((response.status === 301 || response.status === 302) && request.method === 'POST') ||
      (response.status === 303 && !['HEAD', 'GET'].includes(request.method))
    ) {
      init.method = 'GET'
      init.body = null
      for (const name of REQUEST_BODY_HEADERS) request.headers.delete(name)
    }
    if (from.protocol !== location.protocol || from.hostname !== location.hostname || from.port !== location.port)
      for (const name of ['authorization', 'proxy-authorization', 'cookie', 'host']) request.headers.delete(name)
    init.headers = request.headers
    // @note msw's FetchInterceptor sends the new request with only these (method GET otherwise, no signal): the same here.
    const next = new Request(location, init)
    const answered = await send(outgoing(next), next, undefined, redirects + 1)
    Object.defineProperty(answered, 'redirected', { value: true, configurable: true })
    return answered
  }
  return async (input, init) => {
    await nextTurn()
    return send(plainRequest(input, init) ?? outgoing(new Request(input, init)), input, init, 0)
  }
}

type FetchInput = Parameters<typeof fetch>[0]

/** A request on its way to a provider: a web Request, or what one would present without it ({@link plainRequest}), with its body as text. */
interface Outgoing {
  request: ProviderRequest & { readonly headers: Headers; readonly redirect: RequestRedirect }
  /** Read already (a plain request's); else the provider reads the Request's stream. */
  body: ReadBody | undefined
  /** Whether it carries a body (what fetch's redirect handling asks). */
  hasBody: boolean
}

const outgoing = (request: Request): Outgoing => ({ request, body: undefined, hasBody: request.body != null })

/** The provider's answer as `handle` gives it (`Response.error()` for a dropped connection); a Response it throws is its answer, as msw takes it. */
async function answer(found: { provider: ProviderRuntime; origin: string }, { request, body }: Outgoing): Promise<Response> {
  try {
    const reply = await found.provider.answer(request, found.origin, body)
    return reply ? reply.toResponse() : Response.error()
  } catch (thrown) {
    if (thrown instanceof Response) return thrown
    throw thrown
  }
}

const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])
const REDIRECT_MODES = new Set<string>(['follow', 'error', 'manual'])

/**
 * What `new Request(input, init)` would present to the provider (method,
 * URL, headers, signal, redirect mode and body text), without building it:
 * its Headers, following signal and body stream cost more than most answers.
 * Only for the plain calls the built-in clients and the user agent make: a
 * URL, a string body or none. Anything else (a Request as input, another
 * body, an unusual method, a Content-Length of its own...) returns undefined
 * and goes through a real Request, which also throws where it must.
 */
function plainRequest(input: FetchInput, init: RequestInit | undefined): Outgoing | undefined {
  if (typeof input !== 'string' && !(input instanceof URL)) return undefined
  const body = init?.body
  // @note a string with a surrogate (perhaps a lone one) or a BOM might not read back as itself from the stream a Request makes.
  if (body != null && (typeof body !== 'string' || /[\uD800-\uDFFF\uFEFF]/.test(body))) return undefined
  const method = init?.method === undefined ? 'GET' : init.method.toUpperCase()
  if (!NORMALIZED_METHODS.has(method) || (body != null && (method === 'GET' || method === 'HEAD'))) return undefined
  const redirect = init?.redirect ?? 'follow'
  if (!REDIRECT_MODES.has(redirect)) return undefined
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return undefined
  }
  if (url.username || url.password) return undefined
  const headers = new Headers(init?.headers)
  if (headers.has('content-length')) return undefined
  // As fetch labels a string body (the Fetch standard's "extract a body").
  if (typeof body === 'string' && !headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8')
  const signal = init?.signal ?? undefined
  return {
    request: { method, url: url.href, headers, redirect, ...(signal ? { signal } : {}) },
    body: typeof body === 'string' ? { text: body } : undefined,
    hasBody: body != null,
  }
}

type Decoder = ReadableWritablePair<Uint8Array, Uint8Array>

/**
 * The body as msw's fetch interception hands over a mocked answer's: decoded
 * per Content-Encoding, last coding first; an unknown coding drops the
 * decoders after it, as there.
 */
function decompressed(response: Response): ReadableStream<Uint8Array> | null {
  const encoding = response.headers.get('content-encoding')
  if (!encoding || !response.body) return response.body
  const decoders = encoding
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .reduceRight<Decoder[]>((list, coding) => {
      if (coding === 'gzip' || coding === 'x-gzip' || coding === 'deflate')
        list.push(new DecompressionStream(coding === 'deflate' ? 'deflate' : 'gzip') as unknown as Decoder)
      else if (coding === 'br') list.push(Duplex.toWeb(createBrotliDecompress()) as unknown as Decoder)
      else list.length = 0
      return list
    }, [])
  return decoders.reduce<ReadableStream<Uint8Array>>((body, decoder) => body.pipeThrough(decoder), response.body)
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
 * made through its transport's `fetch`. `direct`: in process, the client's
 * `fetch` is {@link directFetch}, past msw's interception (for clients that
 * fetch only through it: the built-in ones).
 */
export async function startTransport(kind: TransportKind, profile: ProviderProfile, options: { lane?: boolean; direct?: boolean } = {}): Promise<Transport> {
  if (kind === 'in-process') {
    const provider = profile.create({ clock: new Clock({ frozen: true, start: SCENARIO_START_MS }) })
    const lane = options.lane ? {} : undefined
    const entry = routed(provider, lane)
    active.add(entry)
    let leave: (() => Promise<void>) | undefined
    const close = async () => {
      active.delete(entry)
      await leave?.()
    }
    try {
      if (!options.direct) leave = await intercept()
      await provider.ready
    } catch (error) {
      await close()
      throw error
    }
    const laneFetch: typeof fetch = async (input, init) => {
      await nextTurn()
      return fetchInLane(lane, input, init)
    }
    const harnessFetch: typeof fetch = async (input, init) => {
      await nextTurn()
      const sent = plainRequest(input, init) ?? outgoing(new Request(input, init))
      const found = find(sent.request.url, lane)
      if (!found) return fetchInLane(lane, input, init)
      const response = await answer(found, sent)
      // @note as msw's fetch interception rejects a network error (Response.error(), a dropped connection).
      if (response.type === 'error') throw networkError(response)
      return response
    }
    return { kind, provider, fetch: options.direct ? directFetch(lane) : laneFetch, harnessFetch, close }
  }
  const clock = new Clock({ frozen: true, start: SCENARIO_START_MS })
  const running = await serve({ portBase: 0, providers: [profile.registryId as ProviderId], log: null, clock })
  const provider = running.providers[profile.registryId as ProviderId]!
  const viaSockets: typeof fetch = (input, init) => fetch(input, init)
  return { kind, provider, fetch: viaSockets, harnessFetch: viaSockets, close: () => running.close() }
}
