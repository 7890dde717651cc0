import { ProviderRuntime, type ProviderOptions } from '../../core/provider.js'
import { loginRoutes } from '../../core/session.js'
import { gocdFixtures } from '../../../fixtures/gocd.js'
import { adminClientRoutes } from './admin-clients.js'
import { authorizationRoutes } from './authorize.js'
import { GOCD_BASE_URL, GOCD_HOST_ALIASES, type GocdConfig, type GocdOptions, type GocdRuntime, type GocdRouteId, type GocdDescription } from './config.js'
import { resourceRoutes } from './resources.js'
import { GOCD_BRAND, gocdRoute, jettyErrorPage, renderGocdError } from './responses.js'
import { createGocdStore, ownerKey, type GocdStore } from './store.js'
import { tokenRoutes } from './token.js'
import { parseProviderOptions } from '../../core/options.js'
import { listedAccounts } from '../../control/accounts.js'
import { gocdAccounts } from './accounts.js'
import { gocdAuthorizeShortcut } from './authorize.js'
import { gocdOptionsSchema } from './options.js'
import { defineProvider } from '../../core/define.js'
import { gocdManifest } from './manifest.js'
import { GOCD_ROUTE_IDS } from './config.js'
import { gocdConformance } from './conformance.js'
import { gocdClient } from './client.js'

export { GOCD_BASE_URL, GOCD_HOST_ALIASES, GOCD_TOKEN_TTL_SECONDS, GOCD_CODE_TTL_SECONDS, GOCD_ROUTE_IDS } from './config.js'
export type { GocdOptions, GocdRuntime, GocdRouteId, GocdDescription } from './config.js'

const routes = [
  ...loginRoutes({
    routePrefix: 'gocd',
    loginPath: '/go/auth/login',
    logoutPath: '/go/auth/logout',
    prompt(ctx, returnTo) {
      const clientId = new URL(returnTo, 'http://x').searchParams.get('client_id')
      const client = clientId ? ctx.provider.store.clients.by('clientId', clientId) : undefined
      return client ? `Sign in to Go to authorize '${client.name}'` : 'Sign in to Go'
    },
  }).map((route) => gocdRoute(route)),
  ...authorizationRoutes,
  ...tokenRoutes,
  ...resourceRoutes,
  ...adminClientRoutes,
]

/**
 * The document's example code and token pair, issued now to the admin for My
 * Client, so its three lines run as a chain (exchanging the example code
 * answers the example tokens, which its cctray call uses). As GoCD issues
 * any code and token, each replaces the one the admin held for that client.
 */
function issueDocumentExamples(provider: GocdRuntime): void {
  const { store, clock, config } = provider
  const { client, admin, examples } = gocdFixtures
  const user = store.users.by('username', admin.username)
  if (!user) return
  const owner = ownerKey(user.id, client.clientId)
  const now = clock.nowMs()
  const issued = (ttlSeconds: number) => ({ clientId: client.clientId, userId: user.id, owner, issuedAtMs: now, expiresAtMs: now + ttlSeconds * 1000 })
  const earlierCode = store.codes.by('owner', owner)
  if (earlierCode) store.codes.remove(earlierCode)
  store.codes.createNow({ code: examples.code, ...issued(config.codeTtlSeconds) })
  const earlierToken = store.tokens.by('owner', owner)
  if (earlierToken) store.tokens.remove(earlierToken)
  store.tokens.createNow({ token: examples.accessToken, refreshToken: examples.refreshToken, ...issued(config.accessTokenTtlSeconds) })
}

/**
 * `documentExamples` changed at run time takes effect at once: turned on, the
 * example code and token are issued; turned off, those still there are taken
 * out (a token exchanged from a fresh code is the client's own and stays).
 * Reset seeds a new store by the created options anyway.
 */
function followDocumentExamples(provider: GocdRuntime): void {
  let inForce = provider.config.documentExamples
  provider.options.onChange(() => {
    if (provider.config.documentExamples === inForce) return
    inForce = provider.config.documentExamples
    if (inForce) return issueDocumentExamples(provider)
    const { store } = provider
    const { examples } = gocdFixtures
    const code = store.codes.by('code', examples.code)
    if (code) store.codes.remove(code)
    const token = store.tokens.by('token', examples.accessToken)
    if (token) store.tokens.remove(token)
  })
}

/** Seconds before the provider's start of each seeded stage run. */
async function seedPipelines(provider: GocdRuntime): Promise<void> {
  const now = provider.clock.nowMs()
  for (const pipeline of gocdFixtures.pipelines) {
    await provider.store.pipelines.collection.create({
      name: pipeline.name,
      group: pipeline.group,
      counter: pipeline.counter,
      label: pipeline.label,
      stages: pipeline.stages.map(({ secondsAgo, ...stage }) => ({
        ...stage,
        breakers: [...stage.breakers],
        jobs: stage.jobs.map((job) => ({ ...job })),
        lastBuildTimeMs: Math.floor((now - secondsAgo * 1000) / 1000) * 1000,
      })),
    })
  }
}

/**
 * GoCD's OAuth provider (`gocd-oauth.txt`), emulated as the oauth2_provider
 * Rails engine GoCD shipped until 18.8.0: admin-registered clients, a
 * checkbox consent, hyphenated grant types and errors, `Token token="..."`
 * and `/go/cctray.xml`.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { createGocd } from 'oauth-dance'
 * const gocd = createGocd()
 * const server = setupServer(...gocd.handlers) // answers https://your-go-server.com:8154 offline
 */
export function createGocd(options: ProviderOptions & GocdOptions = {}): GocdRuntime {
  const given = typeof options.baseUrl === 'string' ? options.baseUrl : options.baseUrl?.default
  const baseUrl = given ?? GOCD_BASE_URL
  // The document's other host spellings are the production origin's; with a base URL of one's own there are none.
  const hostAliases = given === undefined ? GOCD_HOST_ALIASES : []
  const parsed = parseProviderOptions('gocd', gocdOptionsSchema, options)
  const optionFields = (o: typeof parsed) => ({ ...o, requireHttps: o.requireHttps ?? baseUrl.startsWith('https:') })
  const config: GocdConfig = {
    web: { cookieName: 'JSESSIONID', loginPath: '/go/auth/login', brand: GOCD_BRAND },
    ...optionFields(parsed),
    hostAliases,
  }
  const gocd = new ProviderRuntime<GocdStore, GocdConfig, GocdRouteId, GocdDescription>(
    {
      id: 'gocd',
      origins: { default: GOCD_BASE_URL },
      mswPatterns: hostAliases.length ? { default: [GOCD_BASE_URL, ...hostAliases] } : undefined,
      config,
      createStore: createGocdStore,
      async seed(provider) {
        const { store } = provider
        const { client, admin } = gocdFixtures
        // Synchronously, so describe() lists them as soon as the provider exists.
        const user = store.users.createNow({ id: '1', username: admin.username, password: admin.password, admin: true, profile: { name: admin.username } })
        store.clients.createNow({
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          name: client.name,
          redirectUris: [client.redirectUri],
          ownerId: user.id,
          createdAtMs: provider.clock.nowMs(),
        })
        if (provider.config.documentExamples) issueDocumentExamples(provider)
        await seedPipelines(provider)
      },
      // GoCD revokes by deleting the token rows (its admin deleting the client, a new code exchange): a deleted token is unknown to cctray and to the refresh grant alike. The harness's revoke-tokens step.
      controls: {
        'revoke-tokens'(provider) {
          const tokens = provider.store.tokens.collection.findMany()
          for (const token of tokens) provider.store.tokens.collection.delete(token)
          return { revoked: tokens.length }
        },
      },
      routes,
      // Rails' parameter parsing took the last of a repeated parameter: served, and recorded for the rules.
      repeatedParameters: 'last',
      // In force: requireHttps as the base URL decided it.
      options: { schema: gocdOptionsSchema, initial: optionFields(parsed), apply: (config, o) => Object.assign(config, optionFields(o as typeof parsed)) },
      accounts: gocdAccounts,
      authorize: gocdAuthorizeShortcut,
      renderError: renderGocdError,
      notFound: (ctx) => jettyErrorPage(ctx as never, 404),
      methodNotAllowed: (ctx, allowed) => jettyErrorPage(ctx as never, 405, { Allow: allowed.join(', ') }),
      describe(provider) {
        return {
          baseUrl: provider.baseUrl,
          authorizationEndpoint: `${provider.baseUrl}/go/oauth/authorize`,
          tokenEndpoint: `${provider.baseUrl}/go/oauth/token`,
          apiBaseUrl: provider.baseUrl,
          ...listedAccounts(provider.store, []),
        }
      },
    },
    { ...options, baseUrl },
  )
  followDocumentExamples(gocd)
  return gocd
}

/** Everything about GoCD: `serve`, the config file, the harness and the reference clients derive from it. */
export const gocdDefinition = defineProvider({
  ...gocdManifest,
  create: createGocd,
  options: gocdOptionsSchema,
  accounts: gocdAccounts,
  routeIds: GOCD_ROUTE_IDS,
  conformance: gocdConformance,
  client: gocdClient,
})
