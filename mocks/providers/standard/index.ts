import { renderTokenError } from '../../core/errors.js'
import { ProviderRuntime, type ProviderOptions } from '../../core/provider.js'
import { Reply } from '../../core/reply.js'
import { loginRoutes } from '../../core/session.js'
import { parseProviderOptions } from '../../core/options.js'
import { standardAccounts } from './accounts.js'
import { authorizeRoutes, matchRedirectUri } from './authorize.js'
import { standardOptionsSchema } from './options.js'
import { defineProvider } from '../../core/define.js'
import { standardManifest } from './manifest.js'
import { STANDARD_ROUTE_IDS } from './config.js'
import { standardConformance } from './conformance.js'
import { standardClient } from './client.js'
import {
  createStandardStore,
  endpointUrl,
  resourceUrlOf,
  STANDARD_BASE_URL,
  STANDARD_FIXTURES,
  STANDARD_PATHS,
  STANDARD_SCOPES,
  STANDARD_SIGNING_ALGS,
  type StandardClientMeta,
  type StandardConfig,
  type StandardOptions,
  type StandardRuntime,
  type StandardStore,
  type StandardRouteId,
  type StandardDescription,
} from './config.js'
import { BROKEN_ID_TOKEN_KINDS, isBrokenIdTokenKind } from './broken-id-tokens.js'
import { deviceRoutes } from './device.js'
import { parseDeviceUserScript } from './device-user.js'
import { endpointRoutes } from './endpoints.js'
import { initialStandardKeys, rotationKey, type SigningAlg } from './keys.js'
import { DEVICE_CODE_GRANT } from './supported.js'
import { tokenRoute } from './token.js'
import { pushedAuthorizationRequestRoute } from './par.js'
import { provideClientIdDocument } from './client-id-document.js'
import { withMovableEndpoints } from './moved-endpoints.js'
import { withCors } from './cors.js'

export { standardOptionsSchema } from './options.js'
export { STANDARD_BASE_URL, STANDARD_FIXTURES, STANDARD_SCOPES, STANDARD_RESOURCE_PATH, STANDARD_ROUTE_IDS } from './config.js'
export type { StandardOptions, StandardRuntime, StandardRouteId, StandardDescription } from './config.js'
export type { SigningAlg } from './keys.js'
export { BROKEN_ID_TOKEN_KINDS, type BrokenIdTokenKind } from './broken-id-tokens.js'

const JSON_ERROR_HEADERS = { 'Cache-Control': 'no-store' }

const routes = withMovableEndpoints(
  withCors([
    ...loginRoutes({
      routePrefix: 'standard',
      loginPath: STANDARD_PATHS.login,
      logoutPath: STANDARD_PATHS.logout,
      prompt(ctx, returnTo) {
        const clientId = new URL(returnTo, 'http://x').searchParams.get('client_id')
        const client = clientId ? ctx.provider.store.clients.by('clientId', clientId) : undefined
        return client ? `Sign in to continue to ${client.name}` : 'Sign in'
      },
    }),
    ...authorizeRoutes,
    tokenRoute,
    pushedAuthorizationRequestRoute,
    ...deviceRoutes,
    ...endpointRoutes,
  ]),
)

/** Makes a new signing key for `alg` and publishes it; the previous one stays published unless `retirePrevious`. */
export async function rotateStandardSigningKey(
  provider: StandardRuntime,
  options: { alg?: SigningAlg; retirePrevious?: boolean } = {},
): Promise<{ kid: string; alg: SigningAlg; published: string[] }> {
  await provider.ready
  const alg = options.alg ?? provider.config.idTokenSigningAlg
  const key = await rotationKey(provider.store.keys, alg)
  provider.store.keys.install(key, { retirePrevious: options.retirePrevious })
  return { kid: key.kid, alg, published: provider.store.keys.kids }
}

/**
 * `standard`: a modern OAuth 2.1 / OpenID Connect server built to today's
 * RFCs: discovery (RFC 8414, OIDC Discovery), authorization code with PKCE
 * S256 and `iss` (RFC 9207), ID tokens, UserInfo, rotating refresh tokens
 * with reuse detection (RFC 9700 §4.14.2), client authentication by secret,
 * `private_key_jwt` (RFC 7523) or none, revocation (RFC 7009),
 * introspection (RFC 7662), client credentials, the device grant
 * (RFC 8628), Dynamic Client Registration (RFC 7591), and a protected
 * resource with its metadata (RFC 9728) taking tokens bound to it (RFC 8707).
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { createStandard } from 'oauth-dance'
 * const standard = createStandard()
 * const server = setupServer(...standard.handlers) // answers https://auth.standard.example offline
 */
export function createStandard(options: ProviderOptions & StandardOptions = {}): StandardRuntime {
  const parsed = parseProviderOptions('standard', standardOptionsSchema, options)
  const config: StandardConfig = {
    web: {
      cookieName: 'standard_session',
      loginPath: STANDARD_PATHS.login,
      brand: { name: 'Standard', tagline: 'OAuth 2.1 / OpenID Connect', color: '#0f172a', accent: '#0f766e' },
    },
    authorize: {
      routePrefix: 'standard',
      path: STANDARD_PATHS.authorize,
      scopes: STANDARD_SCOPES,
      defaultScopes: [],
      scopeSeparator: / +/,
      requireRedirectUri: true,
      matchRedirectUri,
      // The option in force (standard issues its codes itself, from config.codeTtlSeconds; this keeps the core's copy the same).
      get codeTtlSeconds() {
        return config.codeTtlSeconds
      },
      pkce: 'required',
      skipConsentWhenGranted: true,
      responseTypes: ['code'],
    },
    ...parsed,
    fetchClientMetadata: options.fetchClientMetadata ?? ((url, init) => fetch(url, init)),
  }
  return new ProviderRuntime<StandardStore, StandardConfig, StandardRouteId, StandardDescription>(
    {
      id: 'standard',
      origins: { default: STANDARD_BASE_URL },
      config,
      createStore: createStandardStore,
      async seed(provider) {
        const { store } = provider
        const { confidentialClient, publicClient, user } = STANDARD_FIXTURES
        const now = provider.clock.nowMs()
        const userGrants = ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT]
        // Synchronously, before the first await, so describe() lists them as soon as the provider exists.
        store.users.createNow({ id: user.id, username: user.username, password: user.password, profile: { ...user.profile } })
        store.clients.createNow({
          ...confidentialClient,
          redirectUris: [...confidentialClient.redirectUris],
          grantTypes: [...userGrants, 'client_credentials'],
          createdAtMs: now,
          meta: { token_endpoint_auth_method: 'client_secret_basic' } satisfies StandardClientMeta,
        })
        store.clients.createNow({
          ...publicClient,
          clientSecret: '',
          redirectUris: [...publicClient.redirectUris],
          grantTypes: userGrants,
          createdAtMs: now,
          meta: { token_endpoint_auth_method: 'none' } satisfies StandardClientMeta,
        })
        for (const key of await initialStandardKeys()) store.keys.install(key)
      },
      routes,
      options: { schema: standardOptionsSchema, initial: { ...parsed }, apply: (config, o) => Object.assign(config, o) },
      accounts: standardAccounts,
      renderError: renderTokenError,
      notFound: () =>
        Reply.json(
          404,
          { error: 'not_found', error_description: 'No such endpoint; the server metadata at /.well-known/openid-configuration lists them.' },
          JSON_ERROR_HEADERS,
        ),
      methodNotAllowed: (_ctx, allowed) =>
        Reply.json(
          405,
          { error: 'invalid_request', error_description: `This endpoint accepts ${allowed.join(', ')}.` },
          { ...JSON_ERROR_HEADERS, Allow: allowed.join(', ') },
        ),
      controls: {
        // The user withdraws consent: every token is revoked, as its revocation endpoint (RFC 7009) revokes one. The harness's revoke-tokens step.
        'revoke-tokens'(provider) {
          const now = provider.clock.nowMs()
          const live = provider.store.tokens.collection.findMany().filter((t) => t.revokedAtMs === null)
          for (const token of live) provider.store.tokens.patch(token, { revokedAtMs: now })
          return { revoked: live.length }
        },
        'rotate-key'(provider, body) {
          if (body.alg !== undefined && !STANDARD_SIGNING_ALGS.includes(body.alg))
            throw new TypeError(`"alg" must be one of ${STANDARD_SIGNING_ALGS.join(', ')}`)
          if (body.retirePrevious !== undefined && typeof body.retirePrevious !== 'boolean') throw new TypeError('"retirePrevious" must be true or false')
          return rotateStandardSigningKey(provider, { alg: body.alg, retirePrevious: body.retirePrevious })
        },
        'break-next-id-token'(provider, body) {
          if (!isBrokenIdTokenKind(body.kind)) throw new TypeError(`"kind" must be one of ${BROKEN_ID_TOKEN_KINDS.join(', ')}`)
          provider.store.pendingIdTokenBreak = body.kind
          return { kind: body.kind }
        },
        // The harness's device scenarios: the user answers every device request this way, without the verification page.
        'device-user'(provider, body) {
          provider.store.deviceUserScript = parseDeviceUserScript(body)
          return { ...provider.store.deviceUserScript }
        },
        'break-next-userinfo'(provider, body) {
          if (body.kind !== 'wrong-sub') throw new TypeError('"kind" must be wrong-sub')
          provider.store.pendingUserinfoWrongSub = true
          return { kind: body.kind }
        },
        'client-id-document': (provider, body) => provideClientIdDocument(provider, body),
        'retire-key'(provider, body) {
          if (typeof body.kid !== 'string') throw new TypeError('"kid" must be the key id to unpublish')
          return { retired: provider.store.keys.retire(body.kid), published: provider.store.keys.kids }
        },
      },
      describe(provider) {
        return {
          baseUrl: provider.baseUrl,
          authorizationEndpoint: provider.baseUrl + STANDARD_PATHS.authorize,
          tokenEndpoint: endpointUrl(provider, 'token'),
          apiBaseUrl: provider.baseUrl,
          issuer: provider.baseUrl,
          discoveryUrl: `${provider.baseUrl}/.well-known/openid-configuration`,
          resourceUrl: resourceUrlOf(provider),
          clients: provider.store.clients.collection.findMany().map((c) => ({
            id: c.clientId,
            secret: c.clientSecret,
            name: c.name,
            redirectUris: c.redirectUris,
            scopes: c.scopes.length ? c.scopes : Object.keys(STANDARD_SCOPES),
          })),
          users: provider.store.users.collection.findMany().map((u) => ({ username: u.username, password: u.password })),
        }
      },
    },
    options,
  )
}

/** Everything about standard: `serve`, the config file, the harness and the reference clients derive from it. */
export const standardDefinition = defineProvider({
  ...standardManifest,
  create: createStandard,
  options: standardOptionsSchema,
  accounts: standardAccounts,
  routeIds: STANDARD_ROUTE_IDS,
  conformance: standardConformance,
  client: standardClient,
})
