import type { Exchange } from '../mocks/core/journal.js'
import { bodyParams, clientAuthentication, presentedToken, queryParams } from './rules/exchanges.js'

/**
 * Assertions over a provider's journal for users' own tests, as plain
 * functions and as vitest matchers (`expect.extend(journalMatchers)`).
 *
 * @example
 * const exchanges = carina.journal.entries()
 * expect(clientAuthMethods(exchanges, 'carina.token')).toEqual(['client_secret_basic'])
 * expect(exchanges).toHaveCalledRoute('carina.token', 1)
 * expect(exchanges).toNeverSendTokenInQuery()
 */

/** Client authentication methods used at a token route, distinct, in order of first use. */
export function clientAuthMethods(exchanges: readonly Exchange[], tokenRoute: string): string[] {
  const seen = new Set<string>()
  for (const e of exchanges) if (e.route === tokenRoute) for (const m of clientAuthentication(e)) seen.add(m)
  return [...seen]
}

/** Exchanges that carried an access token in the URL query (RFC 6750 §2.3 discourages it). */
export function tokensInQuery(exchanges: readonly Exchange[]): Exchange[] {
  return exchanges.filter((e) => queryParams(e).has('access_token') || queryParams(e).has('bearer_token'))
}

/** How many requests a route answered. */
export function callsTo(exchanges: readonly Exchange[], route: string): number {
  return exchanges.filter((e) => e.route === route).length
}

/** Exchanges where a parameter appeared in the URL (never put secrets there). */
export function inUrl(exchanges: readonly Exchange[], value: string): Exchange[] {
  return exchanges.filter((e) => e.request.url.includes(value) || e.request.url.includes(encodeURIComponent(value)))
}

export { presentedToken, bodyParams }

type MatcherResult = { pass: boolean; message: () => string }

/** vitest/jest matchers over `Exchange[]`; register with `expect.extend(journalMatchers)`. */
export const journalMatchers = {
  toHaveUsedClientAuth(received: Exchange[], method: string, tokenRoute?: string): MatcherResult {
    const route = tokenRoute ?? received.find((e) => e.route?.endsWith('.token'))?.route ?? ''
    const used = clientAuthMethods(received, route)
    return {
      pass: used.length > 0 && used.every((m) => m === method),
      message: () => `expected every request to ${route} to use ${method}, they used ${used.join(', ') || 'nothing'}`,
    }
  },
  toNeverSendTokenInQuery(received: Exchange[]): MatcherResult {
    const found = tokensInQuery(received)
    return {
      pass: found.length === 0,
      message: () =>
        found.length
          ? `expected no access token in a query string, found one in #${found[0].seq} ${found[0].request.method} ${new URL(found[0].request.url).pathname}`
          : 'expected a token in a query string, found none',
    }
  },
  toHaveCalledRoute(received: Exchange[], route: string, times: number): MatcherResult {
    const count = callsTo(received, route)
    return { pass: count === times, message: () => `expected ${route} to be called ${times} time(s), it was called ${count} time(s)` }
  },
}

/** The matchers' types; a vitest setup file adds them with `declare module 'vitest' { interface Assertion<T> extends JournalMatchers<T> {} }` (docs/conformance.md). */
export type JournalMatchers<T = unknown> = {
  /** Every token request used this client authentication method (`client_secret_basic`, `client_secret_post`). */
  toHaveUsedClientAuth(method: string, tokenRoute?: string): T
  /** No request carried an access token in its query string. */
  toNeverSendTokenInQuery(): T
  /** The route answered exactly this many requests. */
  toHaveCalledRoute(route: string, times: number): T
}
