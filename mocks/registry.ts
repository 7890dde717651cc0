import type { TlsListenerOptions } from './core/client-cert.js'
import type { ProviderDescription, ProviderOptions, ProviderRuntime } from './core/provider.js'
import { createCarina, CARINA_ROUTE_IDS } from './providers/carina/index.js'
import { createKeystone, KEYSTONE_ROUTE_IDS } from './providers/keystone/index.js'
import { caPem, serverCertPem, serverKeyPem } from '../fixtures/keystone-tls.js'
import { createCogo, COGO_ROUTE_IDS } from './providers/cogo/index.js'
import { createCloud66, CLOUD66_ROUTE_IDS } from './providers/cloud66/index.js'
import { createGocd, GOCD_ROUTE_IDS } from './providers/gocd/index.js'
import { createStandard, STANDARD_ROUTE_IDS } from './providers/standard/index.js'

export interface ProviderEntry {
  /** Builds the provider for the given base URLs (per origin). */
  create(options: ProviderOptions): ProviderRuntime
  /** Origin key → DESIGN.md listener name and port offset from `--port-base`. */
  origins: Record<string, { name: string; offset: number }>
  /** Path the provider is mounted under on its listener ('' at the root). */
  basePath(origin: string): string
  /** The provider's entry in `serve --json`. */
  describe(provider: ProviderRuntime): ProviderDescription
  /** Key, certificate and client CA of its HTTPS listener under `serve --tls` (providers with TLS fixtures). */
  tls?(): TlsListenerOptions
}

/**
 * Every provider `serve` can start, with DESIGN.md's port offsets
 * (carina 1, keystone 2, cloud66 3, cogo-auth 4, cogo-api 5, gocd 6, standard 7).
 */
export const PROVIDERS = {
  carina: {
    create: (options) => createCarina(options),
    origins: { default: { name: 'carina', offset: 1 } },
    basePath: () => '',
    describe: (provider) => provider.describe(),
  },
  keystone: { create: (options) => createKeystone(options), origins: { default: { name: 'keystone', offset: 2 } }, basePath: () => '/identity', describe: (provider) => provider.describe(), tls: () => ({ key: serverKeyPem, cert: serverCertPem, ca: caPem }) },
  cloud66: { create: (options) => createCloud66(options), origins: { default: { name: 'cloud66', offset: 3 } }, basePath: () => '', describe: (provider) => provider.describe() },
  cogo: { create: (options) => createCogo(options), origins: { auth: { name: 'cogo-auth', offset: 4 }, api: { name: 'cogo-api', offset: 5 } }, basePath: () => '', describe: (provider) => provider.describe() },
  gocd: { create: (options) => createGocd(options), origins: { default: { name: 'gocd', offset: 6 } }, basePath: () => '', describe: (provider) => provider.describe() },
  standard: { create: (options) => createStandard(options), origins: { default: { name: 'standard', offset: 7 } }, basePath: () => '', describe: (provider) => provider.describe() },
} satisfies Record<string, ProviderEntry>

export type ProviderId = keyof typeof PROVIDERS

/** Every route id of each provider (what `faults.add({ route })` accepts besides `*`). */
export const ROUTE_IDS = {
  carina: CARINA_ROUTE_IDS,
  keystone: KEYSTONE_ROUTE_IDS,
  cloud66: CLOUD66_ROUTE_IDS,
  cogo: COGO_ROUTE_IDS,
  gocd: GOCD_ROUTE_IDS,
  standard: STANDARD_ROUTE_IDS,
} as const satisfies Record<ProviderId, readonly string[]>
