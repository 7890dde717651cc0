import type { ProviderDescription, ProviderRuntime } from '../../core/provider.js'
import type { DescribedEndpoints } from '../../core/define.js'
import type { RouteContext } from '../../core/routes.js'

export { COGO_AUTH_BASE_URL, COGO_API_BASE_URL } from './manifest.js'

export { COGO_AUDIENCE, COGO_TOKEN_TTL_SECONDS } from './options.js'

export const COGO_TOKEN_PATH = '/oauth2/token'
export const COGO_JWKS_PATH = '/.well-known/jwks.json'

export type { CogoOptions } from './options.js'

export interface CogoConfig {
  accessTokenTtlSeconds: number
  audience: string
  issuer: string | undefined
  /**
   * Whether both origins are `*.carbonengine.co` hosts, so in-process handlers
   * answer any `auth.<env>.<name>` / `api.<env>.<name>` pair and each tenant
   * gets its own issuer. False under `serve` (127.0.0.1 listeners).
   */
  anyTenant: boolean
}

export type { Category, CogoStore } from './store.js'
import type { CogoStore } from './store.js'

/**
 * Every route id of the provider (faults and the journal name routes by them).
 * The one list: it types the route table (an id not in it does not compile) and
 * `faults.add({ route })`; `route-ids.test.ts` checks every id has a route.
 */
export const COGO_ROUTE_IDS = ['cogo.token', 'cogo.jwks', 'cogo.categories', 'cogo.category', 'cogo.footprints', 'cogo.api-fallback'] as const
export type CogoRouteId = (typeof COGO_ROUTE_IDS)[number]

/** What `createCogo().describe()` (and `serve --json`) says about it. */
export interface CogoDescription extends ProviderDescription, DescribedEndpoints {
  /** The API origin (`https://api.sandbox.example.carbonengine.co`). */
  apiBaseUrl: string
  jwksUri: string
  /** `iss` of the tokens it signs. */
  issuer: string
  /** `aud` of the tokens it signs. */
  audience: string
}

export type CogoRuntime = ProviderRuntime<CogoStore, CogoConfig, CogoRouteId, CogoDescription>
export type CogoContext = RouteContext<CogoRuntime>
