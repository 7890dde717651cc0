import { randomBytes, X509Certificate } from 'node:crypto'
import { ProviderRuntime, type ProviderOptions } from '../../core/provider.js'
import { keystoneFixtures } from '../../../fixtures/keystone.js'
import { caPem } from '../../../fixtures/keystone-tls.js'
import { computeRoutes } from './compute.js'
import { discoveryRoutes } from './discovery.js'
import { KEYSTONE_BASE_URL, type KeystoneConfig, type KeystoneOptions, type KeystoneRuntime } from './config.js'
import { identityRoutes } from './identity.js'
import { tokenMethodNotAllowedRoute, tokenRoute } from './oauth2.js'
import { identityErrorResponse, renderIdentityError } from './responses.js'
import { createKeystoneStore, type KeystoneStore } from './store.js'

export { KEYSTONE_BASE_URL } from './config.js'
export type { KeystoneOptions, KeystoneRuntime, KeystoneAuthnMethod } from './config.js'

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
  const config: KeystoneConfig = {
    tokenExpirationSeconds: options.tokenExpirationSeconds ?? 3600,
    authnMethods: options.authnMethods ?? ['client_secret_basic', 'tls_client_auth'],
    repeatedParameters: options.repeatedParameters ?? 'first',
    basicCredentials: options.basicCredentials ?? 'raw',
    clientCas: options.clientCas ?? [caPem],
    // The mapping's `SSL_CLIENT_ISSUER_DN_CN` `any_one_of`: the CNs of the trusted CAs.
    trustedIssuerCns: (options.clientCas ?? [caPem]).map((pem) => /^CN=(.*)$/m.exec(new X509Certificate(pem).subject)?.[1] ?? ''),
    domain: { ...keystoneFixtures.domain },
    roles: keystoneFixtures.roles.map((r) => ({ ...r })),
    fernetKey: { signing: randomBytes(16), encryption: randomBytes(16) },
  }
  return new ProviderRuntime<KeystoneStore, KeystoneConfig>(
    {
      id: 'keystone',
      origins: { default: KEYSTONE_BASE_URL },
      config,
      createStore: createKeystoneStore,
      async seed(provider) {
        const { store } = provider
        const f = keystoneFixtures
        const now = provider.clock.nowMs()
        for (const project of f.projects) await store.projects.collection.create({ ...project, domainId: f.domain.id, enabled: true })
        for (const user of [f.user, f.mtlsUser]) {
          await store.users.collection.create({
            id: user.id,
            username: user.name,
            password: user.password,
            profile: { name: user.name, email: user.email, domainId: f.domain.id, defaultProjectId: user.defaultProjectId, roles: [...user.roles] },
          })
        }
        const credential = f.applicationCredential
        await store.applicationCredentials.collection.create({
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
        await store.applicationCredentials.collection.create({
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
        for (const server of f.servers) await store.servers.collection.create({ ...server })
      },
      routes: [tokenRoute, tokenMethodNotAllowedRoute, ...identityRoutes, ...computeRoutes, ...discoveryRoutes],
      renderError: renderIdentityError,
      // Flask's 404 and 405 through Keystone's error handler.
      notFound: (ctx) => identityErrorResponse(ctx, 404, 'The resource could not be found.'),
      methodNotAllowed: (ctx) => identityErrorResponse(ctx, 405, 'The method is not allowed for the requested URL.'),
      describe(provider) {
        const f = keystoneFixtures
        return {
          baseUrl: provider.baseUrl,
          tokenUrl: `${provider.baseUrl}/v3/OS-OAUTH2/token`,
          clients: [{ id: f.applicationCredential.id, secret: f.applicationCredential.secret, name: f.applicationCredential.name, redirectUris: [], scopes: [] }],
          users: [f.user, f.mtlsUser].map((u) => ({ username: u.name, password: u.password, id: u.id, defaultProjectId: u.defaultProjectId })),
          mtls: { clientId: f.mtlsUser.id, files: 'fixtures/keystone/ (ca.pem, mtls-client.pem, mtls-client-key.pem)' },
        }
      },
    },
    options,
  )
}
