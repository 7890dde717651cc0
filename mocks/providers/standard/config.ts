import type { AuthorizeConfig } from '../../core/authorize.js'
import type { ProviderDescription, ProviderRuntime } from '../../core/provider.js'
import type { DescribedEndpoints } from '../../core/define.js'
import type { RouteContext } from '../../core/routes.js'
import type { WebConfig } from '../../core/session.js'
import type { StandardOptionsInput } from './options.js'
import type { SigningAlg } from './keys.js'

export { STANDARD_BASE_URL } from './manifest.js'

/** Path of the protected resource under the issuer's origin (its URL is the RFC 8707 `resource` value and the tokens' audience). */
export const STANDARD_RESOURCE_PATH = '/api'

export const STANDARD_PATHS = {
  authorize: '/authorize',
  token: '/token',
  jwks: '/jwks',
  userinfo: '/userinfo',
  revoke: '/revoke',
  introspect: '/introspect',
  register: '/register',
  pushedAuthorizationRequest: '/par',
  deviceAuthorization: '/device_authorization',
  device: '/device',
  login: '/login',
  logout: '/logout',
} as const

/** Where `movedEndpoints` serves the endpoints a client should take from discovery (RFC 8414 §2), not hard-code. */
export const MOVED_ENDPOINTS_PREFIX = '/oauth2/v1'
export const MOVABLE_ENDPOINTS = ['token', 'register', 'userinfo', 'revoke', 'introspect'] as const

/** The URL of an endpoint as the metadata lists it: under {@link MOVED_ENDPOINTS_PREFIX} for a movable one while `movedEndpoints` is on. */
export function endpointUrl(provider: { baseUrl: string; config: Pick<StandardConfig, 'movedEndpoints'> }, name: keyof typeof STANDARD_PATHS): string {
  const moved = provider.config.movedEndpoints && (MOVABLE_ENDPOINTS as readonly string[]).includes(name)
  return provider.baseUrl + (moved ? MOVED_ENDPOINTS_PREFIX : '') + STANDARD_PATHS[name]
}

/** Scopes the server knows, with the words the consent page uses. */
export const STANDARD_SCOPES: Record<string, string> = {
  openid: 'Sign you in (your user identifier)',
  profile: 'Read your name and user name',
  email: 'Read your email address',
  offline_access: 'Stay signed in (refresh tokens)',
  'api:read': 'Read data from the API',
  'api:write': 'Change data through the API',
}

export const STANDARD_SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'] as const satisfies readonly SigningAlg[]

/** The seeded clients and user (DESIGN.md "standard"). */
export const STANDARD_FIXTURES = {
  confidentialClient: {
    clientId: 'standard-confidential-client',
    clientSecret: 'standard-confidential-secret',
    name: 'Example Web App',
    redirectUris: ['https://app.example/callback'],
  },
  /** A public client (RFC 6749 §2.1): PKCE, no secret; any loopback port (RFC 8252 §7.3). */
  publicClient: {
    clientId: 'standard-public-client',
    name: 'Example Native App',
    redirectUris: ['http://127.0.0.1/callback'],
  },
  user: {
    id: '248289761001',
    username: 'alice',
    password: 'demo',
    profile: {
      name: 'Alice Example',
      given_name: 'Alice',
      family_name: 'Example',
      preferred_username: 'alice',
      email: 'alice@example.com',
      email_verified: true,
    },
  },
} as const

/** How the server gets a document: `fetch`'s shape, so in-process msw handlers answer it by default. */
export type ClientMetadataFetch = (url: string, init: { signal: AbortSignal; headers: Record<string, string>; redirect: 'error' }) => Promise<Response>

/** The options of `createStandard` (validated by `standardOptionsSchema` in options.ts). */
export type StandardOptions = StandardOptionsInput & {
  /** Fetches client ID metadata documents; default the global `fetch` (so msw handlers answer in-process). */
  fetchClientMetadata?: ClientMetadataFetch
}

export interface StandardConfig {
  web: WebConfig
  /** The core authorization checks' settings (client, redirect URI, scopes, PKCE shape). */
  authorize: AuthorizeConfig
  idTokenSigningAlg: SigningAlg
  accessTokenTtlSeconds: number
  idTokenTtlSeconds: number
  refreshTokenTtlSeconds: number
  codeTtlSeconds: number
  deviceCodeTtlSeconds: number
  devicePollIntervalSeconds: number
  maxRegisteredClients: number
  /** Opaque access tokens, or RFC 9068 JWTs (token.ts). */
  accessTokenFormat: 'opaque' | 'jwt'
  /** Whether the movable endpoints are served under MOVED_ENDPOINTS_PREFIX (moved-endpoints.ts). */
  movedEndpoints: boolean
  /** Whether DPoP proofs must carry the server's current nonce (RFC 9449 §8, dpop.ts). */
  dpopNonce: boolean
  /** Whether an https `client_id` names a client ID metadata document (client-id-document.ts). */
  clientIdMetadataDocuments: boolean
  /** How those documents are fetched (`createStandard({ fetchClientMetadata })`; default the global `fetch`). */
  fetchClientMetadata: ClientMetadataFetch
}

export {
  assertionIdSchema,
  createStandardStore,
  deviceCodeSchema,
  pushedRequestSchema,
  standardCodeSchema,
  standardTokenSchema,
  type DeviceCode,
  type PushedRequest,
  type StandardCode,
  type StandardStore,
  type StandardToken,
} from './store.js'
import type { StandardStore } from './store.js'

/** Client metadata kept in the core client record's `meta` (RFC 7591 §2 names). */
export interface StandardClientMeta {
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none'
  /** Public keys for `private_key_jwt` (RFC 7523). */
  jwks?: { keys: Array<Record<string, unknown>> }
  id_token_signed_response_alg?: SigningAlg
  userinfo_signed_response_alg?: SigningAlg
  /** RFC 9126 §6: the authorization endpoint takes this client's requests only through a pushed request. */
  require_pushed_authorization_requests?: boolean
  /** RFC 9449 §5.2: this client's token requests must carry a DPoP proof; its access tokens are always DPoP-bound. */
  dpop_bound_access_tokens?: boolean
  /** Added by Dynamic Client Registration (counts against the bound). */
  registered?: boolean
  [key: string]: unknown
}

/**
 * Every route id of the provider (faults and the journal name routes by them).
 * The one list: it types the route table (an id not in it does not compile) and
 * `faults.add({ route })`; `route-ids.test.ts` checks every id has a route.
 */
export const STANDARD_ROUTE_IDS = [
  'standard.login-page',
  'standard.login',
  'standard.logout',
  'standard.authorize',
  'standard.consent',
  'standard.token',
  'standard.par',
  'standard.device-authorization',
  'standard.device-page',
  'standard.device-decision',
  'standard.openid-configuration',
  'standard.oauth-authorization-server',
  'standard.jwks',
  'standard.protected-resource-metadata',
  'standard.userinfo',
  'standard.revoke',
  'standard.introspect',
  'standard.register',
  'standard.resource',
  'standard.resource-path',
] as const
export type StandardRouteId = (typeof STANDARD_ROUTE_IDS)[number]

/** What `createStandard().describe()` (and `serve --json`) says about it. */
export interface StandardDescription extends ProviderDescription, DescribedEndpoints {
  authorizationEndpoint: string
  /** The `iss` of its ID tokens and its metadata (the base URL). */
  issuer: string
  /** Its OpenID Provider Configuration (OIDC Discovery §4). */
  discoveryUrl: string
  /** The protected resource's URL: the RFC 8707 `resource` value and its tokens' audience. */
  resourceUrl: string
}

export type StandardRuntime = ProviderRuntime<StandardStore, StandardConfig, StandardRouteId, StandardDescription>
export type StandardContext = RouteContext<StandardRuntime>

export function clientMeta(client: { meta: Record<string, unknown> }): StandardClientMeta {
  return client.meta as StandardClientMeta
}

/** The protected resource's URL: the `resource` value clients send and the audience of its tokens. */
export function resourceUrlOf(provider: { baseUrl: string }): string {
  return provider.baseUrl + STANDARD_RESOURCE_PATH
}
