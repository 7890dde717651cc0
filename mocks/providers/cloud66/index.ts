import { authorizationRoutes, doorkeeperUriWithQuery } from '../../core/authorize.js'
import { html, renderPage } from '../../core/html.js'
import { Params } from '../../core/params.js'
import { ProviderRuntime, type ProviderOptions } from '../../core/provider.js'
import type { RouteDefinition } from '../../core/routes.js'
import { loginRoutes } from '../../core/session.js'
import { cloud66Fixtures } from '../../../fixtures/cloud66.js'
import { apiError, apiRoutes } from './api.js'
import { applicationRoutes } from './applications.js'
import {
  CLOUD66_BASE_URL,
  CLOUD66_SCOPES,
  DOORKEEPER_DESCRIPTIONS,
  type Cloud66Config,
  type Cloud66Context,
  type Cloud66Options,
  type Cloud66Runtime,
  type Cloud66RouteId,
  type Cloud66Description,
} from './config.js'
import { matchesCallbackExactly, matchesCallbackHost } from './redirect-uri.js'
import { createCloud66Store, type Cloud66Store } from './store.js'
import { renderCloud66TokenError, tokenEndpoint } from './token.js'
import type { RouteAnswer } from '../../core/reply.js'
import { revokeAllAuthorizations } from '../../core/token.js'
import { parseProviderOptions } from '../../core/options.js'
import { coreAuthorizeShortcut } from '../../control/authorize-shortcut.js'
import { listedAccounts } from '../../control/accounts.js'
import { cloud66Accounts } from './accounts.js'
import { cloud66OptionsSchema } from './options.js'
import { defineProvider } from '../../core/define.js'
import { cloud66Manifest } from './manifest.js'
import { CLOUD66_ROUTE_IDS } from './config.js'
import { cloud66Conformance } from './conformance.js'
import { cloud66Client } from './client.js'

export { CLOUD66_BASE_URL, CLOUD66_SCOPES, CLOUD66_ROUTE_IDS } from './config.js'
export type { Cloud66Options, Cloud66Runtime, Cloud66RouteId, Cloud66Description } from './config.js'

/**
 * The document's authorization request names no `response_type` (GitHub's
 * 2011 API needed none), so an absent or empty one means `code` unless
 * `requiredParams` is `doorkeeper`.
 */
function withDefaultResponseType(route: RouteDefinition<Cloud66Runtime>): RouteDefinition<Cloud66Runtime> {
  return {
    ...route,
    resolve(ctx) {
      const search = ctx.url.searchParams
      if (ctx.provider.config.requiredParams === 'document' && search.getAll('response_type').every((v) => v === '')) {
        const patched = new URLSearchParams(search)
        patched.delete('response_type')
        patched.append('response_type', 'code')
        ctx.query = Params.fromSearch(patched, ctx.violation, ctx.provider.repeatedParameters)
      }
      return route.resolve(ctx)
    },
  }
}

const authorizeRoutes = (
  authorizationRoutes({ routePrefix: 'cloud66', path: '/oauth/authorize', oobPath: '/oauth/authorize/:code' }) as RouteDefinition<Cloud66Runtime>[]
).map((route) => (route.id === 'cloud66.authorize' ? withDefaultResponseType(route) : route))

const routes: RouteDefinition<Cloud66Runtime>[] = [
  ...(loginRoutes({
    routePrefix: 'cloud66',
    loginPath: '/users/sign_in',
    logoutPath: '/users/sign_out',
    usernameLabel: 'Email or username',
    prompt(ctx, returnTo) {
      const clientId = new URL(returnTo, 'http://x').searchParams.get('client_id')
      const client = clientId ? ctx.provider.store.clients.by('clientId', clientId) : undefined
      return client ? `Sign in to Cloud 66 to authorize ${client.name}` : 'Sign in to Cloud 66'
    },
  }) as RouteDefinition<Cloud66Runtime>[]),
  ...authorizeRoutes,
  tokenEndpoint,
  ...apiRoutes,
  ...applicationRoutes,
]

/** Unknown paths: the API's JSON `not_found` under `/api/`, Rails' 404 page elsewhere. */
function notFound(ctx: Cloud66Context): RouteAnswer {
  if (/\/api\/2\/a\/stack\.json$/.test(ctx.url.pathname)) {
    ctx.hint(
      "The document's example path /api/2/a/stack.json does not exist on Cloud 66: the stacks are listed at /api/2/stacks.json, and one stack is /api/2/stacks/{uid}.json.",
    )
  }
  if (ctx.url.pathname.startsWith('/api/')) return apiError(404, 'not_found', 'The requested resource was not found.')
  return renderPage({
    title: "The page you were looking for doesn't exist (404)",
    brand: ctx.provider.config.web.brand,
    status: 404,
    body: html`<h1>The page you were looking for doesn't exist.</h1><p>You may have mistyped the address or the page may have moved.</p>`,
  })
}

/**
 * Cloud 66 API v2 (`cloud66-api-basics.md`): the OAuth 2.0 provider of
 * www.cloud66.com, emulated as the document describes it, with the Doorkeeper
 * behaviour of the real server as options (see {@link Cloud66Options}).
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { createCloud66 } from 'oauth-dance'
 * const cloud66 = createCloud66()
 * const server = setupServer(...cloud66.handlers) // answers https://www.cloud66.com offline
 */
export function createCloud66(options: ProviderOptions & Cloud66Options = {}): Cloud66Runtime {
  const parsed = parseProviderOptions('cloud66', cloud66OptionsSchema, options)
  const config: Cloud66Config = {
    ...parsed,
    web: {
      // Cookies ignore ports: distinct from every other provider's under `serve`.
      cookieName: '_cloud66_session',
      loginPath: '/users/sign_in',
      brand: { name: 'Cloud 66', tagline: 'Deploy and manage your stacks', color: '#0b2239', accent: '#1c9ad6' },
    },
    authorize: {
      routePrefix: 'cloud66',
      path: '/oauth/authorize',
      oobPath: '/oauth/authorize/:code',
      scopes: CLOUD66_SCOPES,
      // "(no scope): public read-only access".
      defaultScopes: ['public'],
      get scopeSeparator() {
        // The table says comma separated, the note space separated (`public+redeploy`).
        return config.scopeParsing === 'doorkeeper' ? / +/ : /[ ,]+/
      },
      get requireRedirectUri() {
        // The authorize table marks it Required, the "Redirect URLs" text optional: accept both forms.
        return config.requiredParams === 'doorkeeper'
      },
      matchRedirectUri(given, client) {
        // A Cloud 66 application has one callback URL; an absent redirect_uri falls back to it.
        const callback = client.redirectUris[0]
        if (callback === undefined) return undefined
        if (given === undefined) return callback
        const matches = config.redirectMatching === 'exact' ? matchesCallbackExactly : matchesCallbackHost
        return matches(given, callback) ? given : undefined
      },
      // Doorkeeper's default `authorization_code_expires_in`.
      codeTtlSeconds: 600,
      pkce: 'unsupported',
      skipConsentWhenGranted: true,
      responseTypes: ['code'],
      // Doorkeeper's en.yml texts and URI builder (`http://example.com?code=...`, no slash added), as at the token endpoint.
      errorDescriptionOf: (error) => DOORKEEPER_DESCRIPTIONS[error],
      appendQuery: doorkeeperUriWithQuery,
      hintFor(error, params) {
        const scope = error.error === 'invalid_scope' ? params.get('scope') : undefined
        if (!scope?.includes(',') || config.scopeParsing !== 'doorkeeper') return undefined
        return `Doorkeeper splits scopes on spaces, so "${scope}" is one unknown scope; separate them with spaces (${scope.split(/[ ,]+/).filter(Boolean).join('+')}), as the document's note does.`
      },
    },
  }
  return new ProviderRuntime<Cloud66Store, Cloud66Config, Cloud66RouteId, Cloud66Description>(
    {
      id: 'cloud66',
      origins: { default: CLOUD66_BASE_URL },
      config,
      createStore: createCloud66Store,
      async seed(provider) {
        const { user, application, stacks } = cloud66Fixtures
        const { store } = provider
        // Synchronously, so describe() lists them as soon as the provider exists.
        store.users.createNow({
          id: user.id,
          username: user.username,
          password: user.password,
          profile: { email: user.email, developer: user.developer },
        })
        store.clients.createNow({
          clientId: application.clientId,
          clientSecret: application.clientSecret,
          name: application.name,
          redirectUris: [application.callbackUrl],
          ownerId: user.id,
          createdAtMs: provider.clock.nowMs(),
        })
        for (const { created_at, updated_at, last_activity, ...stack } of stacks) {
          await store.stacks.collection.create({
            ...stack,
            ownerId: user.id,
            createdAtMs: Date.parse(created_at),
            updatedAtMs: Date.parse(updated_at),
            lastActivityMs: Date.parse(last_activity),
          })
        }
      },
      // The user removes the application from "Authorized applications": Doorkeeper revokes the grant and every token (`revoked_at`); the harness's revoke-tokens step.
      controls: { 'revoke-tokens': (provider) => revokeAllAuthorizations(provider.store, provider.clock.nowMs()) },
      routes,
      // Rails' parameter parsing took the last of a repeated parameter: served, and recorded for the rules.
      repeatedParameters: 'last',
      // Every option is a field of the config, read per request.
      options: { schema: cloud66OptionsSchema, initial: parsed, apply: (config, o) => Object.assign(config, o) },
      accounts: cloud66Accounts,
      authorize: coreAuthorizeShortcut,
      renderError: renderCloud66TokenError as never,
      notFound,
      // Rails routes by method too: a path served for another method is as unknown as any other.
      methodNotAllowed: notFound,
      describe(provider) {
        return {
          baseUrl: provider.baseUrl,
          authorizationEndpoint: `${provider.baseUrl}/oauth/authorize`,
          tokenEndpoint: `${provider.baseUrl}/oauth/token`,
          apiBaseUrl: `${provider.baseUrl}/api/2`,
          ...listedAccounts(provider.store, Object.keys(CLOUD66_SCOPES)),
        }
      },
    },
    options,
  )
}

/** Everything about Cloud 66: `serve`, the config file, the harness and the reference clients derive from it. */
export const cloud66Definition = defineProvider({
  ...cloud66Manifest,
  create: createCloud66,
  options: cloud66OptionsSchema,
  accounts: cloud66Accounts,
  routeIds: CLOUD66_ROUTE_IDS,
  conformance: cloud66Conformance,
  client: cloud66Client,
})
