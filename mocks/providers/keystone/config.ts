import type { DescribedUser, ProviderDescription, ProviderRuntime } from '../../core/provider.js'
import type { DescribedEndpoints } from '../../core/define.js'
import type { RouteContext } from '../../core/routes.js'
import type { KeystoneStore } from './store.js'

export { KEYSTONE_BASE_URL } from './manifest.js'

/** `[oauth2] oauth2_authn_methods` (keystone/conf/oauth2.py). */
export type KeystoneAuthnMethod = 'client_secret_basic' | 'tls_client_auth'

export type { KeystoneOptions } from './options.js'

export interface KeystoneConfig {
  tokenExpirationSeconds: number
  authnMethods: KeystoneAuthnMethod[]
  repeatedParameters: 'first' | 'reject'
  basicCredentials: 'raw' | 'lenient'
  /** PEM CAs whose client certificates are trusted; the DN mapping's `SSL_CLIENT_ISSUER_DN_CN` `any_one_of` is their CNs. */
  clientCas: string[]
  domain: { id: string; name: string }
  roles: Array<{ id: string; name: string }>
  /** Fernet signing and encryption keys (16 bytes each), fresh per runtime. */
  fernetKey: { signing: Buffer; encryption: Buffer }
}

/**
 * Every route id of the provider (faults and the journal name routes by them).
 * The one list: it types the route table (an id not in it does not compile) and
 * `faults.add({ route })`; `route-ids.test.ts` checks every id has a route.
 */
export const KEYSTONE_ROUTE_IDS = [
  'keystone.token',
  'keystone.token-method-not-allowed',
  'keystone.auth-tokens-issue',
  'keystone.auth-tokens-validate',
  'keystone.auth-tokens-revoke',
  'keystone.application-credentials-create',
  'keystone.application-credentials-list',
  'keystone.application-credentials-show',
  'keystone.application-credentials-delete',
  'keystone.compute-servers',
  'keystone.compute-server',
  'keystone.versions',
  'keystone.version-v3',
  'keystone.compute-version',
] as const
export type KeystoneRouteId = (typeof KEYSTONE_ROUTE_IDS)[number]

/** What `createKeystone().describe()` (and `serve --json`) says about it. */
export interface KeystoneDescription extends ProviderDescription, DescribedEndpoints {
  /** `POST` here for a client-credentials token (OS-OAUTH2). */
  tokenEndpoint: string
  users: Array<DescribedUser & { id: string; defaultProjectId: string | undefined }>
  /** The mutual-TLS user (`serve --tls`): its id is the `client_id`; the test PKI's files. */
  mtls: { clientId: string; files: string }
}

export type KeystoneRuntime = ProviderRuntime<KeystoneStore, KeystoneConfig, KeystoneRouteId, KeystoneDescription>
export type KeystoneContext = RouteContext<KeystoneRuntime>
export type { KeystoneStore }
