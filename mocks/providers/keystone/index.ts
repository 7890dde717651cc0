import { randomBytes } from 'node:crypto'
import { ProviderRuntime, type ProviderOptions } from '../../core/provider.js'
import { keystoneFixtures } from '../../../fixtures/keystone.js'
import { caPem, serverCertPem, serverKeyPem } from '../../../fixtures/keystone-tls.js'
import { computeRoutes } from './compute.js'
import { discoveryRoutes } from './discovery.js'
import { KEYSTONE_BASE_URL, type KeystoneConfig, type KeystoneOptions, type KeystoneRuntime, type KeystoneRouteId, type KeystoneDescription } from './config.js'
import { identityRoutes } from './identity.js'
import { tokenMethodNotAllowedRoute, tokenRoute } from './token.js'
import { identityErrorResponse, renderIdentityError } from './responses.js'
import { createKeystoneStore, type KeystoneStore } from './store.js'
import { parseProviderOptions } from '../../core/options.js'
import { keystoneAccounts } from './accounts.js'
import { keystoneOptionsSchema, type KeystoneParsedOptions } from './options.js'
import { defineProvider } from '../../core/define.js'
import { keystoneManifest } from './manifest.js'
import { KEYSTONE_ROUTE_IDS } from './config.js'
import { keystoneConformance } from './conformance.js'
import { keystoneClient } from './client.js'

/** The config fields the options set. */
function optionFields(o: KeystoneParsedOptions) {
  return {
    tokenExpirationSeconds: o.tokenExpirationSeconds,
    authnMethods: o.authnMethods,
    repeatedParameters: o.repeatedParameters,
    basicCredentials: o.basicCredentials,
    clientCas: o.clientCas ?? [caPem],
  }
}

export { KEYSTONE_BASE_URL, KEYSTONE_ROUTE_IDS } from './config.js'
export type { KeystoneOptions, KeystoneRuntime, KeystoneAuthnMethod, KeystoneRouteId, KeystoneDescription } from './config.js'

/**
 * OpenStack Keystone's OS-OAUTH2 API (`keystone-os-oauth2.rst`, PROVIDERS.md
 * §1): the client credentials grant with application credentials (HTTP Basic
 * or form) or mutual TLS, the identity calls a client needs around it, and a
 * compute-like service that takes the token as keystonemiddleware does.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { createKeystone } from 'oauth-dance'
 * const keystone = createKeystone()
 * const server = setupServer(...keystone.handlers) // answers https://keystone.example.com/identity offline
 */
export function createKeystone(options: ProviderOptions & KeystoneOptions = {}): KeystoneRuntime {
  const parsed = parseProviderOptions('keystone', keystoneOptionsSchema, options)
  const config: KeystoneConfig = {
    ...optionFields(parsed),
    domain: { ...keystoneFixtures.domain },
    roles: keystoneFixtures.roles.map((r) => ({ ...r })),
    fernetKey: { signing: randomBytes(16), encryption: randomBytes(16) },
  }
  return new ProviderRuntime<KeystoneStore, KeystoneConfig, KeystoneRouteId, KeystoneDescription>(
    {
      id: 'keystone',
      origins: { default: KEYSTONE_BASE_URL },
      config,
      createStore: createKeystoneStore,
      async seed(provider) {
        const { store } = provider
        const f = keystoneFixtures
        const now = provider.clock.nowMs()
        // Users and credentials synchronously, so describe() lists them as soon as the provider exists.
        for (const user of [f.user, f.mtlsUser]) {
          store.users.createNow({
            id: user.id,
            username: user.name,
            password: user.password,
            profile: { name: user.name, email: user.email, domainId: f.domain.id, defaultProjectId: user.defaultProjectId, roles: [...user.roles] },
          })
        }
        const credential = f.applicationCredential
        store.applicationCredentials.createNow({
          id: credential.id,
          name: credential.name,
          userName: `${f.user.id}/${credential.name}`,
          userId: f.user.id,
          projectId: f.user.defaultProjectId,
          secret: credential.secret,
          description: credential.description,
          expiresAtMs: null,
          roles: [...credential.roles],
          unrestricted: false,
          accessRules: [],
          createdAtMs: now,
        })
        const broken = f.brokenApplicationCredential
        store.applicationCredentials.createNow({
          id: broken.id,
          name: broken.name,
          userName: `${f.user.id}/${broken.name}`,
          userId: f.user.id,
          projectId: broken.missingProjectId,
          secret: broken.secret,
          description: 'Its project row is missing: authenticating with it answers 500 other_error',
          expiresAtMs: null,
          roles: ['member'],
          unrestricted: false,
          accessRules: [],
          createdAtMs: now,
        })
        for (const project of f.projects) await store.projects.collection.create({ ...project, domainId: f.domain.id, enabled: true })
        for (const server of f.servers) await store.servers.collection.create({ ...server })
      },
      routes: [tokenRoute, tokenMethodNotAllowedRoute, ...identityRoutes, ...computeRoutes, ...discoveryRoutes],
      options: { schema: keystoneOptionsSchema, initial: parsed, apply: (config, o) => Object.assign(config, optionFields(o as KeystoneParsedOptions)) },
      accounts: keystoneAccounts,
      renderError: renderIdentityError,
      // Flask's 404 and 405 through Keystone's error handler.
      notFound: (ctx) => identityErrorResponse(ctx, 404, 'The resource could not be found.'),
      methodNotAllowed: (ctx) => identityErrorResponse(ctx, 405, 'The method is not allowed for the requested URL.'),
      describe(provider) {
        const f = keystoneFixtures
        return {
          baseUrl: provider.baseUrl,
          tokenEndpoint: `${provider.baseUrl}/v3/OS-OAUTH2/token`,
          apiBaseUrl: provider.baseUrl,
          // The broken-backend credential is for the 500 tests, not for clients to pick up.
          clients: provider.store.applicationCredentials.collection
            .findMany()
            .filter((c) => c.id !== f.brokenApplicationCredential.id)
            .map((c) => ({ id: c.id, secret: c.secret, name: c.name, redirectUris: [], scopes: [] })),
          users: provider.store.users.collection.findMany().map((u) => ({
            username: u.username,
            password: u.password,
            id: u.id,
            defaultProjectId: (u.profile as { defaultProjectId?: string }).defaultProjectId,
          })),
          mtls: { clientId: f.mtlsUser.id, files: 'fixtures/keystone-test-only/ (ca.pem, mtls-client.pem, mtls-client-key.pem)' },
        }
      },
    },
    options,
  )
}

/** Everything about Keystone: `serve`, the config file, the harness and the reference clients derive from it. */
export const keystoneDefinition = defineProvider({
  ...keystoneManifest,
  create: createKeystone,
  // The handshake trusts the CAs the options name, as the in-process check does (mtls.ts).
  tls: (provider) => ({ key: serverKeyPem, cert: serverCertPem, ca: provider?.config.clientCas ?? caPem }),
  options: keystoneOptionsSchema,
  accounts: keystoneAccounts,
  routeIds: KEYSTONE_ROUTE_IDS,
  conformance: keystoneConformance,
  client: keystoneClient,
})
