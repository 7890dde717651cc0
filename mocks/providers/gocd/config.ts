import type { ProviderDescription, ProviderRuntime } from '../../core/provider.js'
import type { DescribedEndpoints } from '../../core/define.js'
import type { RouteContext } from '../../core/routes.js'
import type { WebConfig } from '../../core/session.js'
import type { GocdStore } from './store.js'

export { GOCD_BASE_URL } from './manifest.js'

/**
 * The other spellings of the host in the document's examples (authorize and
 * cctray use `www.your-go-server.com`, the token curl `www.your-go-server`),
 * and GoCD's plain-HTTP port 8153. In-process, with the default base URL, msw
 * answers all of them; links and redirects follow the host a request came to.
 */
export const GOCD_HOST_ALIASES = ['https://www.your-go-server.com:8154', 'https://www.your-go-server:8154', 'http://your-go-server.com:8153']

export { GOCD_CODE_TTL_SECONDS, GOCD_DOCUMENT_TOKEN_TTL_SECONDS, GOCD_TOKEN_TTL_SECONDS } from './options.js'

export type { GocdOptions } from './options.js'

export interface GocdConfig {
  web: WebConfig
  faithfulOpenRedirect: boolean
  security: 'on' | 'off'
  oauthAccess: 'document' | 'real'
  enforceTokenExpiry: boolean
  accessTokenTtlSeconds: number
  codeTtlSeconds: number
  requireHttps: boolean
  documentExamples: boolean
  /** Origins answered besides the base URL (the document's other host spellings), in-process only. */
  hostAliases: string[]
}

/**
 * Every route id of the provider (faults and the journal name routes by them).
 * The one list: it types the route table (an id not in it does not compile) and
 * `faults.add({ route })`; `route-ids.test.ts` checks every id has a route.
 */
export const GOCD_ROUTE_IDS = [
  'gocd.login-page',
  'gocd.login',
  'gocd.logout',
  'gocd.authorize',
  'gocd.consent',
  'gocd.token',
  'gocd.cctray',
  'gocd.pipeline-stages',
  'gocd.admin',
  'gocd.admin-clients',
  'gocd.admin-new-client',
  'gocd.admin-create-client',
  'gocd.admin-client',
  'gocd.admin-edit-client',
  'gocd.admin-update-client',
] as const
export type GocdRouteId = (typeof GOCD_ROUTE_IDS)[number]

/** What `createGocd().describe()` (and `serve --json`) says about it. */
/** What `createGocd().describe()` (and `serve --json`) says about it: the keys every provider has. */
export type GocdDescription = ProviderDescription & DescribedEndpoints & { authorizationEndpoint: string }

export type GocdRuntime = ProviderRuntime<GocdStore, GocdConfig, GocdRouteId, GocdDescription>
export type GocdContext = RouteContext<GocdRuntime>
