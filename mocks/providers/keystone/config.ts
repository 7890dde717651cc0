import type { ProviderRuntime } from '../../core/provider.js'
import type { RouteContext } from '../../core/routes.js'
import type { KeystoneStore } from './store.js'

/**
 * Documented production-like origin with devstack's Apache mount point: the
 * seed's `POST /identity/v3/OS-OAUTH2/token` (PROVIDERS.md §1.1). Routes are
 * relative to it, so `https://host:5000` (Keystone at the root) works as well.
 */
export const KEYSTONE_BASE_URL = 'https://keystone.example.com/identity'

/** `[oauth2] oauth2_authn_methods` (keystone/conf/oauth2.py). */
export type KeystoneAuthnMethod = 'client_secret_basic' | 'tls_client_auth'

export type { KeystoneOptions } from './options.js'

export interface KeystoneConfig {
  tokenExpirationSeconds: number
  authnMethods: KeystoneAuthnMethod[]
  repeatedParameters: 'first' | 'reject'
  basicCredentials: 'raw' | 'lenient'
  clientCas: string[]
  /** Issuer CNs the certificate DN mapping accepts (`SSL_CLIENT_ISSUER_DN_CN` `any_one_of`). */
  trustedIssuerCns: string[]
  domain: { id: string; name: string }
  roles: Array<{ id: string; name: string }>
  /** Fernet signing and encryption keys (16 bytes each), fresh per runtime. */
  fernetKey: { signing: Buffer; encryption: Buffer }
}

export type KeystoneRuntime = ProviderRuntime<KeystoneStore, KeystoneConfig>
export type KeystoneContext = RouteContext<KeystoneRuntime>
export type { KeystoneStore }
