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
  const handlers = originMatchers(runtime).map(({ matcher, origin }) => http.all(matcher, ({ request }) => runtime.handle(request, origin)))
  built.set(runtime, handlers)
  return handlers
}

/**
 * @internal What the handlers of {@link mswHandlers} match, in their order: per origin
 * pattern, everything under it, then the origin itself, each with the origin
 * it names. For an adapter that matches as they do without being msw handlers.
 */
export function originMatchers(runtime: ProviderRuntime): Array<{ matcher: RegExp; origin: string }> {
  const matchers: Array<{ matcher: RegExp; origin: string }> = []
  for (const [origin, patterns] of Object.entries(runtime.urlPatterns))
    for (const pattern of patterns) matchers.push({ matcher: mswMatcher(`${pattern}/*`), origin }, { matcher: mswMatcher(pattern), origin })
  return matchers
}

/** Gives `runtime` its control paths and a `handlers` property ({@link mswHandlers}, built on first read), and returns it. */
export function withMswHandlers<R extends ProviderRuntime>(runtime: R): WithMswHandlers<R> {
  withControlPaths(runtime)
  if (!Object.hasOwn(runtime, 'handlers')) {
    Object.defineProperty(runtime, 'handlers', { get: () => mswHandlers(runtime), enumerable: false, configurable: false })
  }
  return runtime as WithMswHandlers<R>
}

/**
 * An msw URL pattern (`*` wildcards, `:name` segments) as a RegExp without
 * capture groups. msw decodes every parameter of a string pattern with
 * `decodeURIComponent` and answers 500 for a path holding a malformed escape
 * (`/%E0%A4%A`), even on the catch-all; with no groups nothing is decoded, and
 * the provider's own router answers such paths in the provider's format.
 */
function mswMatcher(pattern: string): RegExp {
  const source = pattern.replace(/\*|:[A-Za-z_][A-Za-z0-9_]*|[.+?^${}()|[\]\\/]/g, (m) => (m === '*' ? '.*' : m.startsWith(':') ? '[^/]+' : `\\${m}`))
  // Case-insensitive and with an optional trailing slash, as msw's string patterns matched.
  return new RegExp(`^${source}/?$`, 'i')
}
