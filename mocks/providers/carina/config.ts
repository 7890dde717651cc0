import type { AuthorizeConfig } from '../../core/authorize.js'
import type { ProviderDescription, ProviderRuntime } from '../../core/provider.js'
import type { DescribedEndpoints } from '../../core/define.js'
import type { RouteContext } from '../../core/routes.js'
import type { WebConfig } from '../../core/session.js'
import type { CarinaStore } from './store.js'

export { CARINA_BASE_URL } from './manifest.js'

export { CARINA_SCOPES } from './options.js'

/** Carina's server ran Doorkeeper 3 (every UI string in the document matches that version). */
export { DOORKEEPER_DESCRIPTIONS } from '../../core/token.js'

export type { CarinaOptions } from './options.js'

export interface CarinaConfig {
  web: WebConfig
  authorize: AuthorizeConfig
  /** What the token endpoint (`token.ts`) reads per request; the options may change it. */
  token: {
    accessTokenTtlSeconds: number
    /** RFC 6749 §10.5 SHOULD; Doorkeeper 3 did not: off by default. */
    revokeTokensOnCodeReplay: boolean
  }
  clusterBuildSeconds: number
  tokenErrorStatus: 'doorkeeper' | 'rfc6749'
}

export type { CarinaStore }
/**
 * Every route id of the provider (faults and the journal name routes by them).
 * The one list: it types the route table (an id not in it does not compile) and
 * `faults.add({ route })`; `route-ids.test.ts` checks every id has a route.
 */
export const CARINA_ROUTE_IDS = [
  'carina.login-page',
  'carina.login',
  'carina.logout',
  'carina.authorize',
  'carina.consent',
  'carina.oob',
  'carina.token',
  'carina.revoke',
  'carina.token-info',
  'carina.me',
  'carina.create-cluster',
  'carina.cluster-credentials',
  'carina.home',
  'carina.applications',
  'carina.new-application',
  'carina.create-application',
  'carina.show-application',
  'carina.edit-application',
  'carina.update-application',
  'carina.authorized-applications',
  'carina.revoke-authorization',
] as const
export type CarinaRouteId = (typeof CARINA_ROUTE_IDS)[number]

/** What `createCarina().describe()` (and `serve --json`) says about it. */
/** What `createCarina().describe()` (and `serve --json`) says about it: the keys every provider has. */
export type CarinaDescription = ProviderDescription & DescribedEndpoints & { authorizationEndpoint: string }

export type CarinaRuntime = ProviderRuntime<CarinaStore, CarinaConfig, CarinaRouteId, CarinaDescription>
export type CarinaContext = RouteContext<CarinaRuntime>
