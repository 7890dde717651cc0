import type { AuthorizeConfig } from '../../core/authorize.js'
import type { ProviderDescription, ProviderRuntime } from '../../core/provider.js'
import type { DescribedEndpoints } from '../../core/define.js'
import type { RouteContext } from '../../core/routes.js'
import type { WebConfig } from '../../core/session.js'
import type { TokenConfig } from '../../core/token.js'
import type { Cloud66Store } from './store.js'
import type { Cloud66Options } from './options.js'

/** The production origin of `cloud66-api-basics.md` (2013; the service later moved to app.cloud66.com). */
export const CLOUD66_BASE_URL = 'https://www.cloud66.com'

/** The document's "Scopes", in the words the consent page shows. `public` is also what no scope means. */
export const CLOUD66_SCOPES: Record<string, string> = {
  public: 'Public read-only access (list of stacks and some information about them)',
  redeploy: 'Redeploy a stack',
}

/**
 * Error descriptions of Doorkeeper's `en.yml`: the document names no token
 * errors, and the real server was Doorkeeper (PROVIDERS.md §3.1).
 */
export const DOORKEEPER_DESCRIPTIONS: Record<string, string> = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant: 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  unauthorized_client: 'The client is not authorized to perform this request using this method.',
  invalid_redirect_uri: 'The redirect uri included is not valid.',
  access_denied: 'The resource owner or authorization server denied the request.',
  unsupported_response_type: 'The authorization server does not support this response type.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  server_error: 'The authorization server encountered an unexpected condition which prevented it from fulfilling the request.',
  temporarily_unavailable: 'The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.',
}

export type { Cloud66Options } from './options.js'

export interface Cloud66Config extends Required<Cloud66Options> {
  web: WebConfig
  authorize: AuthorizeConfig
  token: TokenConfig
}

export type { Cloud66Store }
/**
 * Every route id of the provider (faults and the journal name routes by them).
 * Kept beside the route table, which `route-ids.test.ts` holds it to.
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
