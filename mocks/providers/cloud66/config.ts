import type { AuthorizeConfig } from '../../core/authorize.js'
import type { ProviderDescription, ProviderRuntime } from '../../core/provider.js'
import type { DescribedEndpoints } from '../../core/define.js'
import type { RouteContext } from '../../core/routes.js'
import type { WebConfig } from '../../core/session.js'
import type { Cloud66Store } from './store.js'
import type { Cloud66Options } from './options.js'

export { CLOUD66_BASE_URL } from './manifest.js'

/** The document's "Scopes", in the words the consent page shows. `public` is also what no scope means. */
export const CLOUD66_SCOPES: Record<string, string> = {
  public: 'Public read-only access (list of stacks and some information about them)',
  redeploy: 'Redeploy a stack',
}

/** The document names no token errors, and the real server was Doorkeeper (PROVIDERS.md §3.1). */
export { DOORKEEPER_DESCRIPTIONS } from '../../core/token.js'

export type { Cloud66Options } from './options.js'

export interface Cloud66Config extends Required<Cloud66Options> {
  web: WebConfig
  authorize: AuthorizeConfig
}

export type { Cloud66Store }
/**
 * Every route id of the provider (faults and the journal name routes by them).
 * The one list: it types the route table (an id not in it does not compile) and
 * `faults.add({ route })`; `route-ids.test.ts` checks every id has a route.
 */
export const CLOUD66_ROUTE_IDS = [
  'cloud66.login-page',
  'cloud66.login',
  'cloud66.logout',
  'cloud66.authorize',
  'cloud66.consent',
  'cloud66.oob',
  'cloud66.token',
  'cloud66.stacks',
  'cloud66.stack',
  'cloud66.stack-without-uid',
  'cloud66.redeploy',
  'cloud66.home',
  'cloud66.account-apps',
  'cloud66.developer-mode',
  'cloud66.revoke-authorization',
  'cloud66.applications',
  'cloud66.new-application',
  'cloud66.create-application',
  'cloud66.show-application',
  'cloud66.destroy-application',
] as const
export type Cloud66RouteId = (typeof CLOUD66_ROUTE_IDS)[number]

/** What `createCloud66().describe()` (and `serve --json`) says about it. */
export interface Cloud66Description extends ProviderDescription, DescribedEndpoints {
  authorizationEndpoint: string
  /** Base of the API v2 (`/api/2`). */
  apiBaseUrl: string
}

export type Cloud66Runtime = ProviderRuntime<Cloud66Store, Cloud66Config, Cloud66RouteId, Cloud66Description>
export type Cloud66Context = RouteContext<Cloud66Runtime>
