import { decodeProtectedHeader } from 'jose/decode/protected_header'
import { cogoKeys } from '../../../fixtures/cogo-keys.js'
import { cogoFixtures } from '../../../fixtures/cogo.js'
import { OAuthError } from '../../core/errors.js'
import { ProviderRuntime, type ProviderOptions } from '../../core/provider.js'
import type { RouteContext } from '../../core/routes.js'
import { apiFallback, apiRoutes, renderApiError } from './api.js'
import {
  COGO_API_BASE_URL,
  COGO_AUTH_BASE_URL,
  COGO_JWKS_PATH,
  COGO_TOKEN_PATH,
  type CogoConfig,
  type CogoContext,
  type CogoOptions,
  type CogoRuntime,
  type CogoRouteId,
  type CogoDescription,
} from './config.js'
import { createCogoStore, type CogoStore } from './store.js'
import { anyTenantPatterns, defaultIssuer, isCarbonEngineUrl, refusePlainHttp } from './hosts.js'
import { importSigningKey } from './keys.js'
import { BROKEN_COGO_TOKEN_KINDS, mintBrokenCogoToken, mintCogoToken, retireCogoKey, rotateCogoSigningKey, type BrokenCogoTokenKind } from './access-tokens.js'
import { jwksEndpoint, renderCognitoError, TOKEN_HEADERS, tokenEndpoint } from './token.js'
import { Reply } from '../../core/reply.js'
import { parseProviderOptions } from '../../core/options.js'
import { cogoAccounts } from './accounts.js'
import { cogoOptionsSchema } from './options.js'
import { defineProvider } from '../../core/define.js'
import { cogoManifest } from './manifest.js'
import { COGO_ROUTE_IDS } from './config.js'
import { cogoConformance } from './conformance.js'
import { cogoClient } from './client.js'

export { COGO_API_BASE_URL, COGO_AUDIENCE, COGO_AUTH_BASE_URL, COGO_TOKEN_TTL_SECONDS, COGO_ROUTE_IDS } from './config.js'
export type { CogoOptions, CogoRuntime, CogoRouteId, CogoDescription } from './config.js'
export {
  BROKEN_COGO_TOKEN_KINDS,
  mintBrokenCogoToken,
  mintCogoToken,
  retireCogoKey,
  rotateCogoSigningKey,
  type BrokenCogoTokenKind,
  type MintOptions,
} from './access-tokens.js'

/** Errors in each origin's own format: Cognito's bare code on the auth origin, API Gateway's message on the API. */
function renderError(error: OAuthError, ctx: RouteContext): Reply {
  return ctx.origin === 'api' ? renderApiError(error) : renderCognitoError(error)
}

/**
 * Paths the auth origin does not serve. The API origin never gets here: its
 * catch-all route checks the token first. Bodies are invented (the document
 * shows none): the token endpoint's Cognito format.
 */
function notFound(ctx: RouteContext): Reply {
  refusePlainHttp(ctx as CogoContext)
  return new Reply(404, TOKEN_HEADERS, JSON.stringify({ error: 'not_found' }))
}

function methodNotAllowed(ctx: RouteContext, allowed: string[]): Reply {
  refusePlainHttp(ctx as CogoContext)
  return new Reply(405, { ...TOKEN_HEADERS, Allow: allowed.join(', ') }, JSON.stringify({ error: 'invalid_request' }))
}

/**
 * Cogo's Carbon Engine (`cogo-carbon-engine-auth.txt`): a client-credentials
 * token endpoint issuing RS256 JWTs on `auth.<env>.<name>.carbonengine.co`,
 * and an API on `api.<env>.<name>.carbonengine.co` that refuses anything but a
 * valid token with 403.
 *
 * In-process, the handlers answer every env and name; `baseUrl: { auth, api }`
 * moves both origins (`serve` puts them on 127.0.0.1).
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { createCogo } from 'oauth-dance'
 * const cogo = createCogo()
 * const server = setupServer(...cogo.handlers) // answers https://auth.*.carbonengine.co and https://api.*.carbonengine.co offline
 */
export function createCogo(options: ProviderOptions & CogoOptions = {}): CogoRuntime {
  const given = typeof options.baseUrl === 'string' ? { auth: options.baseUrl } : (options.baseUrl ?? {})
  const origins = { auth: given.auth ?? COGO_AUTH_BASE_URL, api: given.api ?? COGO_API_BASE_URL }
  const anyTenant = isCarbonEngineUrl(origins.auth) && isCarbonEngineUrl(origins.api)
  const parsed = parseProviderOptions('cogo', cogoOptionsSchema, options)
  const config: CogoConfig = { ...parsed, issuer: parsed.issuer, anyTenant }
  return new ProviderRuntime<CogoStore, CogoConfig, CogoRouteId, CogoDescription>(
    {
      id: 'cogo',
      origins,
      mswPatterns: anyTenant ? anyTenantPatterns() : undefined,
      config,
      createStore: createCogoStore,
      async seed(provider) {
        const { store } = provider
        const { client, categories } = cogoFixtures
        // Synchronously, before the key import's await, so describe() lists it as soon as the provider exists.
        store.clients.createNow({
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          name: client.name,
          grantTypes: ['client_credentials'],
          createdAtMs: provider.clock.nowMs(),
        })
        store.keys.install(await importSigningKey(cogoKeys.primary))
        for (const category of categories) await store.categories.collection.create({ ...category })
      },
      routes: [tokenEndpoint, jwksEndpoint, ...apiRoutes, apiFallback],
      options: { schema: cogoOptionsSchema, initial: parsed, apply: (config, o) => Object.assign(config, { issuer: undefined }, o) },
      accounts: cogoAccounts,
      // The key and token helpers over HTTP, for `serve` users in any language.
      controls: {
        'rotate-key': (provider, body) => rotateCogoSigningKey(provider, { retirePrevious: body.retirePrevious === true }),
        async 'retire-key'(provider, body) {
          if (typeof body.kid !== 'string') throw new TypeError('"kid" must be the key id to unpublish')
          return { retired: await retireCogoKey(provider, body.kid), published: provider.store.keys.kids }
        },
        async 'mint-token'(provider, body) {
          if (body.kind === undefined) return { access_token: await mintCogoToken(provider, { claims: body.claims }) }
          if (!BROKEN_COGO_TOKEN_KINDS.includes(body.kind)) throw new TypeError(`"kind" must be one of ${BROKEN_COGO_TOKEN_KINDS.join(', ')}`)
          return { access_token: await mintBrokenCogoToken(provider, body.kind as BrokenCogoTokenKind, { claims: body.claims }) }
        },
      },
      renderError,
      notFound,
      methodNotAllowed,
      // Tokens are not stored: a JWT of this provider is one whose key it publishes (for another provider's hint).
      issuedToken(provider, value) {
        try {
          const kid = decodeProtectedHeader(value).kid
          return kid !== undefined && provider.store.keys.find(kid) !== undefined
        } catch {
          return false
        }
      },
      describe(provider) {
        const auth = provider.origins.auth
        return {
          baseUrl: auth,
          apiBaseUrl: provider.origins.api,
          tokenEndpoint: auth + COGO_TOKEN_PATH,
          jwksUri: auth + COGO_JWKS_PATH,
          issuer: defaultIssuer(provider),
          audience: provider.config.audience,
          clients: provider.store.clients.collection
            .findMany()
            .map((c) => ({ id: c.clientId, secret: c.clientSecret, name: c.name, redirectUris: [], scopes: [] })),
          users: [],
        }
      },
    },
    { ...options, baseUrl: origins },
  )
}

/** Everything about Cogo: `serve`, the config file, the harness and the reference clients derive from it. */
export const cogoDefinition = defineProvider({
  ...cogoManifest,
  create: createCogo,
  options: cogoOptionsSchema,
  accounts: cogoAccounts,
  routeIds: COGO_ROUTE_IDS,
  conformance: cogoConformance,
  client: cogoClient,
})
