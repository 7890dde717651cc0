/**
 * The msw adapter: request handlers that answer a provider's origins in
 * process through its {@link ProviderRuntime.handle}, control paths included
 * (`mocks/control/`, attached here). The package root's
 * factories (`createCarina` from `oauth-dance`) attach them as `handlers`;
 * `serve` and the provider folders never load this module, so they never load msw.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { mswHandlers } from 'oauth-dance/msw'
 *
 * const server = setupServer(...mswHandlers(runtime)) // a runtime from `serve()` or `new ProviderRuntime(...)`
 */
// msw/core/http, not msw: the package root also loads GraphQL, which no provider uses.
import { http } from 'msw/core/http'
import type { HttpHandler } from 'msw'
import { withControlPaths } from './control/control-paths.js'
import type { ProviderRuntime } from './core/provider.js'
import type { Reply } from './core/reply.js'
import type { ReadBody } from './core/request.js'
import { originMatchers } from './origin-matchers.js'

export { originMatchers }

/** A provider with its msw handlers, as the package root's factories return it. */
export type WithMswHandlers<R extends ProviderRuntime> = R & {
  /**
   * msw request handlers answering every origin of the provider (built once).
   *
   * @example
   * const carina = createCarina()
   * const server = setupServer(...carina.handlers)
   */
  readonly handlers: HttpHandler[]
}

/** Built once per runtime; the runtime's lifetime bounds the entry. */
const built = new WeakMap<ProviderRuntime, HttpHandler[]>()

/**
 * msw request handlers for a provider: two per origin pattern (the origin and
 * everything under it), each calling `runtime.handle`, whose router picks the
 * route and answers 404/405 and the control paths in the provider's format.
 * One handler per route would answer the same, but msw tries handlers in
 * order, parsing the URL against each.
 */
export function mswHandlers(runtime: ProviderRuntime): HttpHandler[] {
  const cached = built.get(runtime)
  if (cached) return cached
  withControlPaths(runtime)
  const handlers = originMatchers(runtime).map(({ matcher, origin }) => http.all(matcher, ({ request }) => answerInProcess(runtime, request, origin)))
  built.set(runtime, handlers)
  return handlers
}

/**
 * `runtime.handle(request, origin)`, with the body as the caller gave it to
 * `fetch` when that is at hand ({@link bodyAsGiven}): then the provider need
 * not read it back through the request's stream (which msw has tee'd for its
 * clone), and a synchronous route answers without waiting on it.
 */
function answerInProcess(runtime: ProviderRuntime, request: Request, origin: string): Response | Promise<Response> {
  const body = bodyAsGiven(request)
  if (body === undefined) return runtime.handle(request, origin)
  try {
    const reply = runtime.answerNow(request, origin, body)
    return reply instanceof Promise ? reply.then(toResponse) : toResponse(reply)
  } catch (error) {
    return Promise.reject(error)
  }
}

/** As `handle` ends: the reply as a web `Response`, a dropped connection as a network error. */
const toResponse = (reply: Reply | null): Response => (reply ? reply.toResponse() : Response.error())

/** undici's key for a `Request`'s internal state (Node's fetch); null once looked for in vain. */
let stateKey: symbol | null | undefined

/**
 * The text of the body `fetch` was given, read off the `Request`'s internal
 * state (undici keeps it as `body.source`, in clones too) rather than from its
 * stream; undefined whenever reading the stream could give anything else, or
 * the state is not there (another fetch), so the stream is read as before:
 * - the stream is already read or being read (another handler read the body);
 * - a `Content-Length` header is present (the provider refuses an announced
 *   length past its limit before reading);
 * - the source is not a string or bytes (a stream, a Blob, form data);
 * - a string that UTF-8 would not carry as it is (a lone surrogate), or that
 *   begins with a byte order mark, which decoding the stream drops.
 */
function bodyAsGiven(request: Request): ReadBody | undefined {
  const stream = request.body
  // No body (GET, HEAD): nothing to take, nothing more to ask.
  if (stream === null) return undefined
  if (stateKey === undefined) stateKey = Object.getOwnPropertySymbols(request).find((key) => key.description === 'state') ?? null
  if (stateKey === null || stream.locked || request.bodyUsed || request.headers.has('content-length')) return undefined
  const source = (request as unknown as Record<symbol, { body?: { source?: unknown } | null } | undefined>)[stateKey]?.body?.source
  if (typeof source === 'string') {
    if (source.charCodeAt(0) === 0xfeff || !(source as string & { isWellFormed(): boolean }).isWellFormed()) return undefined
    return { text: source }
  }
  if (source instanceof Uint8Array) return { text: utf8.decode(source) }
  return undefined
}

const utf8 = new TextDecoder()

/** Gives `runtime` its control paths and a `handlers` property ({@link mswHandlers}, built on first read), and returns it. */
export function withMswHandlers<R extends ProviderRuntime>(runtime: R): WithMswHandlers<R> {
  withControlPaths(runtime)
  if (!Object.hasOwn(runtime, 'handlers')) {
    Object.defineProperty(runtime, 'handlers', { get: () => mswHandlers(runtime), enumerable: false, configurable: false })
  }
  return runtime as WithMswHandlers<R>
}
