import { authorizationRoutes, doorkeeperUriWithQuery, OOB_REDIRECT_URI } from '../../core/authorize.js'
import { authenticateClient } from '../../core/client-auth.js'
import { ProviderRuntime, type ProviderOptions } from '../../core/provider.js'
import { defineRoute } from '../../core/routes.js'
import { loginRoutes } from '../../core/session.js'
import { revokeAllAuthorizations, revokeToken } from '../../core/token.js'
import { renderDoorkeeperTokenError, tokenRoute } from './token.js'
import { carinaFixtures } from '../../../fixtures/carina.js'
import { applicationRoutes } from './applications.js'
import {
  CARINA_BASE_URL,
  CARINA_SCOPES,
  DOORKEEPER_DESCRIPTIONS,
  type CarinaConfig,
  type CarinaContext,
  type CarinaOptions,
  type CarinaRuntime,
  type CarinaRouteId,
  type CarinaDescription,
} from './config.js'
import { createCluster, downloadClusterCredentials, showProfile } from './resources.js'
import { createCarinaStore } from './store.js'
import { Reply } from '../../core/reply.js'
import { parseProviderOptions } from '../../core/options.js'
import { coreAuthorizeShortcut } from '../../control/authorize-shortcut.js'
import { listedAccounts } from '../../control/accounts.js'
import { carinaAccounts } from './accounts.js'
import { carinaOptionsSchema } from './options.js'
import { defineProvider } from '../../core/define.js'
import { carinaManifest } from './manifest.js'
import { CARINA_ROUTE_IDS } from './config.js'
import { carinaConformance } from './conformance.js'
import { carinaClient } from './client.js'

export { CARINA_BASE_URL, CARINA_SCOPES, CARINA_ROUTE_IDS } from './config.js'
export type { CarinaOptions, CarinaRuntime, CarinaRouteId, CarinaDescription } from './config.js'

function json(body: unknown, status = 200): Reply {
  return Reply.json(status, body, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
}

/** RFC 7009 token revocation, as Doorkeeper serves it at `/oauth/revoke`: 200 whatever the token. */
const revokeRoute = defineRoute<CarinaRuntime>({
  id: 'carina.revoke',
  method: 'POST',
  path: '/oauth/revoke',
  renderError: renderDoorkeeperTokenError,
  async resolve(ctx) {
    const params = ctx.body({ accept: ['form', 'json'] })
    const { client } = authenticateClient(ctx.request, params, {
      methods: ['client_secret_basic', 'client_secret_post'],
      findClient: (id) => ctx.provider.store.clients.by('clientId', id),
      rejectMultipleMethods: false,
    })
    const value = params.require('token')
    const { tokens } = ctx.provider.store
    const token = tokens.by('token', value) ?? tokens.by('refreshToken', value)
    // RFC 7009 §2.2: an unknown or foreign token is answered 200 all the same.
    if (token && token.clientId === client.clientId) await revokeToken(ctx.provider.store, token, ctx.provider.clock.nowMs())
    return json({})
  },
})

/** Doorkeeper's `GET /oauth/token/info`: what a valid token grants. */
const tokenInfoRoute = defineRoute<CarinaRuntime>({
  id: 'carina.token-info',
  method: 'GET',
  path: '/oauth/token/info',
  resolve(ctx: CarinaContext) {
    const header = ctx.request.headers.get('authorization') ?? ''
    const value = /^bearer\s+(.+)$/i.exec(header)?.[1] ?? ctx.query.get('access_token')
    const token = value ? ctx.provider.store.tokens.by('token', value) : undefined
    const now = ctx.provider.clock.nowMs()
    if (!token || token.revokedAtMs !== null || (token.expiresAtMs !== null && now >= token.expiresAtMs)) {
      return new Response(JSON.stringify({ error: 'invalid_token', error_description: 'The access token is invalid' }), {
        status: 401,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'WWW-Authenticate': 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"',
        },
      })
    }
    return json({
      resource_owner_id: token.userId === null ? null : Number(token.userId),
      scopes: token.scopes,
      expires_in_seconds: token.expiresAtMs === null ? null : Math.round((token.expiresAtMs - now) / 1000),
      application: { uid: token.clientId },
      created_at: Math.floor(token.issuedAtMs / 1000),
    })
  },
})

const routes = [
  ...loginRoutes({
    routePrefix: 'carina',
    loginPath: '/login',
    usernameLabel: 'Rackspace username',
    prompt(ctx, returnTo) {
      const clientId = new URL(returnTo, 'http://x').searchParams.get('client_id')
      const client = clientId ? ctx.provider.store.clients.by('clientId', clientId) : undefined
      return client ? `Enter your Rackspace login info to authorize ${client.name}` : 'Enter your Rackspace login info'
    },
  }),
  ...authorizationRoutes({ routePrefix: 'carina', path: '/oauth/authorize', oobPath: '/oauth/authorize/:code' }),
  tokenRoute,
  revokeRoute,
  tokenInfoRoute,
  showProfile,
  createCluster,
  downloadClusterCredentials,
  ...applicationRoutes,
]

/**
 * Rackspace Carina's OAuth provider (`carina-oauth.txt`), emulated as the
 * Doorkeeper 3 server it was.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { createCarina } from 'oauth-dance'
 * const carina = createCarina()
 * const server = setupServer(...carina.handlers) // answers https://oauth.getcarina.com offline
 */
export function createCarina(options: ProviderOptions & CarinaOptions = {}): CarinaRuntime {
  const parsed = parseProviderOptions('carina', carinaOptionsSchema, options)
  const config: CarinaConfig = {
    clusterBuildSeconds: parsed.clusterBuildSeconds,
    tokenErrorStatus: parsed.tokenErrorStatus,
    web: {
      cookieName: '_carina_oauth_session',
      loginPath: '/login',
      brand: { name: 'CARINA™', tagline: 'A HIGH PERFORMANCE, INSTANT-ON & PORTABLE CONTAINER ENVIRONMENT.', color: '#1b1f23', accent: '#c40022' },
    },
    authorize: {
      routePrefix: 'carina',
      path: '/oauth/authorize',
      oobPath: '/oauth/authorize/:code',
      scopes: CARINA_SCOPES,
      defaultScopes: parsed.defaultScopes,
      scopeSeparator: / +/,
      requireRedirectUri: true,
      // Doorkeeper's uri_checker: drop the request's query, then compare whole URIs.
      matchRedirectUri(given, client) {
        if (given === undefined) return undefined
        let withoutQuery = given
        if (given !== OOB_REDIRECT_URI) {
          try {
            const url = new URL(given)
            url.search = ''
            withoutQuery = url.toString()
          } catch {
            return undefined
          }
        }
        // The OOB URN only as written (Doorkeeper compares it as a string): `URN:...` or `...oob?x` would then be redirected to as a URL.
        if (withoutQuery === OOB_REDIRECT_URI && given !== OOB_REDIRECT_URI) return undefined
        return client.redirectUris.includes(withoutQuery) ? given : undefined
      },
      codeTtlSeconds: 600,
      pkce: 'unsupported',
      skipConsentWhenGranted: true,
      responseTypes: ['code'],
      // Doorkeeper's en.yml texts and URI builder, as at the token endpoint.
      errorDescriptionOf: (error) => DOORKEEPER_DESCRIPTIONS[error],
      appendQuery: doorkeeperUriWithQuery,
      hintFor(error, params) {
        const given = error.error === 'invalid_redirect_uri' ? params.get('redirect_uri') : undefined
        if (!given?.toLowerCase().startsWith('http://')) return undefined
        return `Carina's redirect URIs must start with https:// (the document; ${OOB_REDIRECT_URI} serves local tests): register and send https://${given.slice('http://'.length)}, or the out-of-band URN.`
      },
    },
    token: {
      accessTokenTtlSeconds: parsed.accessTokenTtlSeconds,
      revokeTokensOnCodeReplay: parsed.revokeTokensOnCodeReplay,
    },
  }
  return new ProviderRuntime<ReturnType<typeof createCarinaStore>, CarinaConfig, CarinaRouteId, CarinaDescription>(
    {
      id: 'carina',
      origins: { default: CARINA_BASE_URL },
      config,
      createStore: createCarinaStore,
      async seed(provider) {
        const { user, application } = carinaFixtures
        const { store } = provider
        // Synchronously, so describe() lists them as soon as the provider exists.
        store.users.createNow({
          id: String(user.id),
          username: user.username,
          password: user.password,
          profile: { id: user.id, username: user.username, email: user.email, full_name: user.full_name },
        })
        store.clients.createNow({
          clientId: application.clientId,
          clientSecret: application.clientSecret,
          name: application.name,
          redirectUris: [...application.redirectUris],
          ownerId: String(user.id),
          createdAtMs: provider.clock.nowMs(),
        })
      },
      // The user removes the application from "Authorized applications": Doorkeeper revokes the grant and every token (`revoked_at`); the harness's revoke-tokens step.
      controls: { 'revoke-tokens': (provider) => revokeAllAuthorizations(provider.store, provider.clock.nowMs()) },
      routes,
      // Rails' parameter parsing took the last of a repeated parameter: served, and recorded for the rules.
      repeatedParameters: 'last',
      options: {
        schema: carinaOptionsSchema,
        initial: parsed,
        apply(config, o) {
          const next = o as typeof parsed
          config.clusterBuildSeconds = next.clusterBuildSeconds
          config.tokenErrorStatus = next.tokenErrorStatus
          config.token.accessTokenTtlSeconds = next.accessTokenTtlSeconds
          config.authorize.defaultScopes = next.defaultScopes
          config.token.revokeTokensOnCodeReplay = next.revokeTokensOnCodeReplay
        },
      },
      accounts: carinaAccounts,
      authorize: coreAuthorizeShortcut,
      renderError: renderDoorkeeperTokenError as never,
      notFound: () => json({ error: 'not_found', message: 'The page you were looking for does not exist.' }, 404),
      methodNotAllowed: (_ctx, allowed) =>
        new Response(JSON.stringify({ error: 'method_not_allowed', message: 'The method is not allowed for this resource.' }), {
          status: 405,
          headers: { 'Content-Type': 'application/json; charset=utf-8', Allow: allowed.join(', ') },
        }),
      describe(provider) {
        return {
          baseUrl: provider.baseUrl,
          authorizationEndpoint: `${provider.baseUrl}/oauth/authorize`,
          tokenEndpoint: `${provider.baseUrl}/oauth/token`,
          apiBaseUrl: provider.baseUrl,
          ...listedAccounts(provider.store, Object.keys(CARINA_SCOPES)),
        }
      },
    },
    options,
  )
}

/** Everything about Carina: `serve`, the config file, the harness and the reference clients derive from it. */
export const carinaDefinition = defineProvider({
  ...carinaManifest,
  create: createCarina,
  options: carinaOptionsSchema,
  accounts: carinaAccounts,
  routeIds: CARINA_ROUTE_IDS,
  conformance: carinaConformance,
  client: carinaClient,
})
