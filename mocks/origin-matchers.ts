/**
 * What msw's handlers for a provider match (`mswHandlers` in `./msw.ts`),
 * apart from msw itself: an in-process adapter that matches as they do
 * without being msw handlers (conformance/transports.ts) loads this, and
 * not msw, unless it sets up msw's interception.
 */
import type { ProviderRuntime } from './core/provider.js'

/**
 * @internal What the handlers of `mswHandlers` match, in their order: per origin
 * pattern, everything under it, then the origin itself, each with the origin
 * it names. For an adapter that matches as they do without being msw handlers.
 */
export function originMatchers(runtime: ProviderRuntime): Array<{ matcher: RegExp; origin: string }> {
  const matchers: Array<{ matcher: RegExp; origin: string }> = []
  for (const [origin, patterns] of Object.entries(runtime.urlPatterns))
    for (const pattern of patterns) matchers.push({ matcher: mswMatcher(`${pattern}/*`), origin }, { matcher: mswMatcher(pattern), origin })
  return matchers
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
