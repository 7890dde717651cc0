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
  const handlers = originMatchers(runtime).map(({ matcher, origin }) => http.all(matcher, ({ request }) => runtime.handle(request, origin)))
  built.set(runtime, handlers)
  return handlers
}

/** Gives `runtime` its control paths and a `handlers` property ({@link mswHandlers}, built on first read), and returns it. */
export function withMswHandlers<R extends ProviderRuntime>(runtime: R): WithMswHandlers<R> {
  withControlPaths(runtime)
  if (!Object.hasOwn(runtime, 'handlers')) {
    Object.defineProperty(runtime, 'handlers', { get: () => mswHandlers(runtime), enumerable: false, configurable: false })
  }
  return runtime as WithMswHandlers<R>
}
