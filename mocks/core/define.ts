import type { TlsListenerOptions } from './client-cert.js'
import type { OptionsSchema } from './options.js'
import type { ProviderOptions, ProviderRuntime } from './provider.js'

/**
 * Everything about one provider, in one place: its folder's `index.ts`
 * exports it (`carinaDefinition`). The registry (`serve`, the CLI), the config
 * file and its JSON Schema, the conformance profiles and spec links, the
 * reference client and the example app are all derived from these; none of
 * them names a provider.
 */
export interface ProviderDefinition<Id extends string = string, Runtime extends ProviderRuntime = ProviderRuntime, RouteId extends string = string> {
  /** The provider's id: `--providers`, `--set <id>.<option>`, the config file's `providers.<id>`, the harness's `--provider`. */
  id: Id
  /** The provider's name for people: "Cloud 66". */
  label: string
  /** Builds the provider (in-process, or for `serve` with its listeners' base URLs). */
  create(options?: ProviderOptions): Runtime
  /** Origin key → DESIGN.md listener name and port offset from `--port-base`, and the documented production URL. */
  origins: Record<string, { name: string; offset: number; url: string }>
  /** Path the provider is mounted under on its listeners ('' at the root); Keystone sits under `/identity`. */
  basePath: string
  /**
   * Key, certificate and client CA of its HTTPS listener under `serve --tls`
   * (providers with TLS fixtures); given the running provider, the client CAs
   * its options name (`serve` applies them again after each options change).
   */
  tls?(provider?: Runtime): TlsListenerOptions
  /** Its options as a schema: defaults and one line of doc each (the config file, `--set`, `/__oauth-dance/options`). */
  options: OptionsSchema
  /** How extra clients and users are given (the config file's `clients` and `users`). */
  accounts: { clientNoun: string; clientSchema: OptionsSchema; userSchema?: OptionsSchema }
  /** Every route id (what `faults.add({ route })` accepts besides `*`), held to the route table by `route-ids.test.ts`. */
  routeIds: readonly RouteId[]
  /** What the conformance harness needs to know about it (DATA only: the harness builds its profile from this). */
  conformance: ConformanceData
  /** How a client written from the provider's document talks to it (the reference client, the example app). */
  client: ClientProfile
}

/**
 * What `serve` and the CLI know of a provider before its code is loaded: its
 * id, name and listeners. Its folder's `manifest.ts` exports it and its
 * definition spreads it, so each fact is written once; `mocks/manifests.ts`
 * lists them with a loader each, so the bin loads a provider's code only when
 * it starts that provider.
 */
export type ProviderManifest<Id extends string = string> = Pick<ProviderDefinition<Id>, 'id' | 'label' | 'origins' | 'basePath'>

/** Returns a manifest with its literal id kept. */
export function defineManifest<const Id extends string>(manifest: ProviderManifest<Id>): ProviderManifest<Id> {
  return manifest
}

/**
 * Checks a definition's own consistency (the id prefixes its route ids, each
 * origin has a URL) and returns it with its literal types kept.
 */
export function defineProvider<const Id extends string, Runtime extends ProviderRuntime, RouteId extends string>(
  definition: ProviderDefinition<Id, Runtime, RouteId>,
): ProviderDefinition<Id, Runtime, RouteId> {
  const foreign = definition.routeIds.filter((route) => !route.startsWith(`${definition.id}.`))
  if (foreign.length) throw new TypeError(`defineProvider(${definition.id}): route ids must start with "${definition.id}." (${foreign.join(', ')})`)
  if (!Object.keys(definition.origins).length) throw new TypeError(`defineProvider(${definition.id}): give at least one origin`)
  return definition
}

/** The description keys every provider has (`describe()`, `serve --json`), besides `baseUrl`, `clients` and `users`. */
export interface DescribedEndpoints {
  /** Where a client posts token requests. */
  tokenEndpoint: string
  /** Where the user's browser is sent (absent for client-credentials providers). */
  authorizationEndpoint?: string
  /** What an API call's path is appended to. */
  apiBaseUrl: string
}

/** Facts about a provider that the harness's rules need (route ids, what its document asks of clients). */
export interface ProviderFacts {
  id: string
  /** Route ids by role. */
  routes: {
    authorize?: string
    token: string
    /** Protected resource routes: calls that carry the access token. */
    api: string[]
    /** OpenID Connect providers: the JWKS and UserInfo routes. */
    jwks?: string
    userinfo?: string
    /** The device authorization endpoint (RFC 8628 §3.1), where there is one. */
    deviceAuthorization?: string
  }
  /** Where the document says the token goes, and a description for messages. */
  tokenPresentation: {
    placement: 'header' | 'query'
    scheme?: RegExp
    describe: string
    requirement: string
    /** Other ways the provider serves that are equally correct (Cloud 66: the RFC 6750 §2.1 header besides its documented query), with why. */
    also?: Array<{ placement: 'header' | 'query'; scheme?: RegExp; describe: string }>
  }
  /** The `grant_type` values the provider's document spells (GoCD: `authorization-code`, `refresh-token`), and the requirement that says so. */
  grantTypes: { values: string[]; requirement: string }
  /** Token request bodies the provider documents besides the RFC's form (Carina shows JSON). */
  tokenRequestFormats: Array<'form' | 'json'>
  /** Whether the document makes `redirect_uri` optional in the authorization request (Cloud 66: "The redirect_uri parameter is optional"). */
  redirectUriOptional?: boolean
  /** Routes besides the token endpoint where the client authenticates (RFC 7009 §2.1 revocation, RFC 7662 introspection). */
  clientAuthRoutes?: string[]
  /** Client authentication methods the provider (document) accepts at the token endpoint. */
  clientAuthMethods: string[]
  clientAuthRequirement: string
  /** PKCE support of the real provider, with why. */
  pkce: { supported: boolean; why: string }
  /** Redirect URIs registered for the harness client. */
  registeredRedirectUris: string[]
}

/**
 * A provider's conformance profile as data: the harness turns it into its
 * `ProviderProfile` (a mock never imports the harness).
 */
export interface ConformanceData {
  grant: 'authorization_code' | 'client_credentials'
  /** Whether the provider issues refresh tokens. */
  refresh: boolean
  /** Access token lifetime, seconds (null: never expires). */
  accessTokenTtlSeconds: number | null
  /** The scope the harness client asks for (none: the client sends no scope). */
  scope?: string
  /** Whether the client is told the issuer to check in authorization responses (RFC 9207). */
  checksIssuer?: boolean
  /** The seeded user the runner logs in as (empty for client credentials). */
  user: { username: string; password: string }
  /** The protected call scenarios make by default. */
  primaryOperation: { operation: string; args?: Record<string, string>; route: string }
  /** Requirement id of the provider's document for its token endpoint, API, and refresh. */
  requirements: { token: string; api: string; refresh?: string; expiry?: string }
  /** The error code of a denied authorization, when the provider does not say `access_denied` (GoCD: `access-denied`). */
  accessDeniedError?: string
  facts: Omit<ProviderFacts, 'id'>
  /**
   * The provider's document, for requirement ids of the form `<prefix><name>`
   * (`CARINA-api`): the seed file and the section each name cites. Absent for
   * a provider specified by RFCs alone.
   */
  document?: { requirementPrefix: string; file: string; sections: Record<string, string> }
}

/** A protected API call, as a client written from the document makes it. */
export interface ApiOperation {
  method: 'GET' | 'PUT' | 'POST'
  path(args: Record<string, string>): string
  body?: string
  /** A "not ready yet" answer to poll on, and how often (seconds). */
  poll?: { notReady(status: number, body: string): boolean; everySeconds: number; maxWaitSeconds: number }
}

/** What the reference client knows of a provider's API: how to authenticate at the token endpoint, how to present the token, the calls it makes. */
export interface ProviderApi {
  grant: 'authorization_code' | 'client_credentials'
  /** Wire grant_type values (GoCD hyphenates them). */
  grantTypes: { code: string; refresh: string; clientCredentials: string }
  clientAuth: 'basic' | 'body'
  /** GoCD checks redirect_uri on the refresh grant too (PROVIDERS §2.4). */
  refreshNeedsRedirectUri?: boolean
  pkce: boolean
  /** An OpenID Connect provider: the client sends a nonce and validates the ID token (OIDC Core §3.1.3.7). */
  openid?: boolean
  /** The server offers the device authorization grant (RFC 8628): the reference client's `device-sign-in` operation. */
  deviceGrant?: boolean
  /** Sets the access token on a protected request. */
  presentToken(url: URL, headers: Headers, token: string): void
  /** Status codes of the API meaning "this token is no good". */
  rejectedTokenStatuses: number[]
  operations: Record<string, ApiOperation>
}

/** A token response, whatever format the provider answered in. */
export interface TokenSet {
  accessToken: string
  raw: Record<string, unknown>
}

/** What the example app's signed-in page shows: a heading and labelled values. */
export interface ShownData {
  heading: string
  /** Label → value, shown in a definition list; each value gets `data-testid="data-<key>"`. */
  fields: Array<{ key: string; label: string; value: string }>
}

/** A protected call the signed-in example app offers as a form (besides reloading the data it shows). */
export interface ExampleAppOperation {
  /** Button label. */
  label: string
  method: 'GET' | 'PUT'
  path(args: Record<string, string>): string
  /** Form fields the user fills in, by name (each becomes an argument). */
  fields: string[]
  body?: string
  /** A "not ready yet" answer the app polls through, every `everySeconds`, up to `maxWaitSeconds`. */
  poll?: { notReady(status: number, body: string): boolean; everySeconds: number; maxWaitSeconds: number }
  /** What the result page says about a success. */
  describe(response: Response): Promise<string>
}

/** How the example web app (a browser sign-in) talks to an authorization-code provider. */
export interface ExampleAppProvider {
  /** Name on the Login button: "Log in with Carina". */
  label: string
  authorizePath: string
  tokenPath: string
  scope: string
  /** The grant types of the code exchange and of a refresh, as the document spells them (GoCD hyphenates). */
  grantTypes: { code: string; refresh: string }
  /** A refresh repeats redirect_uri (GoCD's token endpoint asks for it). */
  refreshNeedsRedirectUri?: boolean
  /** The token request for a grant (code or refresh token), as the provider's document shows it. */
  tokenRequest(args: { params: Record<string, string>; clientId: string; clientSecret: string }): { headers: Record<string, string>; body: string }
  /** Reads the token response (JSON, urlencoded...). */
  readToken(response: Response): Promise<TokenSet>
  /** Puts the access token where the document says (`placement: 'query'` is the broken app's way, for every provider). */
  presentToken(url: URL, headers: Headers, accessToken: string): void
  /** The operation name of reloading the shown data (the harness's primary call: `me`, `stacks`, `cctray`), and its path. */
  dataOperation: string
  dataPath: string
  /** Reads what the app shows about the user from the data call's answer. */
  readData(response: Response): Promise<ShownData>
  /** More protected calls, by operation name. */
  operations?: Record<string, ExampleAppOperation>
}

/** A client written from the provider's document: the reference client's API knowledge and, for the providers the example app signs in with, the app's. */
export interface ClientProfile {
  api: ProviderApi
  exampleApp?: ExampleAppProvider
}

/** Reads a JSON token response (RFC 6749 §5.1), for {@link ExampleAppProvider.readToken}. */
export async function readJsonToken(response: Response): Promise<TokenSet> {
  const raw = (await response.json()) as Record<string, unknown>
  if (typeof raw.access_token !== 'string') throw new Error(`the token response has no access_token: ${JSON.stringify(raw)}`)
  return { accessToken: raw.access_token, raw }
}

/** The RFC's `grant_type` values (RFC 6749 §4.1.3, §6, §4.4.2), which every provider but GoCD spells. */
export const RFC_GRANT_TYPES: ProviderApi['grantTypes'] = { code: 'authorization_code', refresh: 'refresh_token', clientCredentials: 'client_credentials' }

/** `Authorization: Bearer <token>` (RFC 6750 §2.1). */
export function presentBearerHeader(_url: URL, headers: Headers, token: string): void {
  headers.set('authorization', `Bearer ${token}`)
}

/** A form-encoded token request with the client's id and secret in the body (RFC 6749 §2.3.1), asking for JSON. */
export const formTokenRequest: ExampleAppProvider['tokenRequest'] = ({ params, clientId, clientSecret }) => ({
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
  body: new URLSearchParams({ ...params, client_id: clientId, client_secret: clientSecret }).toString(),
})
