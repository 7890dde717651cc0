import type { AuthorizeConfig } from '../../core/authorize.js'
import type { ProviderDescription, ProviderRuntime } from '../../core/provider.js'
import type { DescribedEndpoints } from '../../core/define.js'
import type { RouteContext } from '../../core/routes.js'
import type { WebConfig } from '../../core/session.js'
import type { TokenConfig } from '../../core/token.js'
import type { CarinaStore } from './store.js'

/** The production origin named in carina-oauth.txt. */
export const CARINA_BASE_URL = 'https://oauth.getcarina.com'

export { CARINA_SCOPES } from './options.js'

/**
 * Error descriptions of Doorkeeper 3's `en.yml`, which Carina's server ran
 * (every UI string in the document matches that version).
 */
export const DOORKEEPER_DESCRIPTIONS: Record<string, string> = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_redirect_uri: 'The redirect uri included is not valid.',
  unauthorized_client: 'The client is not authorized to perform this request using this method.',
  access_denied: 'The resource owner or authorization server denied the request.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  server_error: 'The authorization server encountered an unexpected condition which prevented it from fulfilling the request.',
  temporarily_unavailable: 'The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant: 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  unsupported_response_type: 'The authorization server does not support this response type.',
}

export type { CarinaOptions } from './options.js'

export interface CarinaConfig {
  web: WebConfig
  authorize: AuthorizeConfig
  token: TokenConfig
  clusterBuildSeconds: number
  tokenErrorStatus: 'doorkeeper' | 'rfc6749'
}

export type { CarinaStore }
/**
 * Every route id of the provider (faults and the journal name routes by them).
 * Kept beside the route table, which `route-ids.test.ts` holds it to.
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
