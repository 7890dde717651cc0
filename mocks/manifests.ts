import type { ProviderDefinition } from './core/define.js'
import { carinaManifest } from './providers/carina/manifest.js'
import { keystoneManifest } from './providers/keystone/manifest.js'
import { cloud66Manifest } from './providers/cloud66/manifest.js'
import { cogoManifest } from './providers/cogo/manifest.js'
import { gocdManifest } from './providers/gocd/manifest.js'
import { standardManifest } from './providers/standard/manifest.js'

/**
 * Every provider's manifest, in `serve`'s order (DESIGN.md's port offsets),
 * each with a loader for its definition. `serve` and the CLI start from these
 * and load a provider's code only when `serve` builds that provider (at start,
 * or on its first request: mocks/seeded.ts): in the bin's bundle each provider
 * is its own chunk. Everything else (the package's exports, the harness)
 * imports the definitions themselves from `registry.ts`, which holds this
 * list's order.
 */
export const PROVIDER_MANIFESTS = [
  { ...carinaManifest, load: () => import('./providers/carina/index.js').then((m) => m.carinaDefinition as unknown as ProviderDefinition) },
  { ...keystoneManifest, load: () => import('./providers/keystone/index.js').then((m) => m.keystoneDefinition as unknown as ProviderDefinition) },
  { ...cloud66Manifest, load: () => import('./providers/cloud66/index.js').then((m) => m.cloud66Definition as unknown as ProviderDefinition) },
  { ...cogoManifest, load: () => import('./providers/cogo/index.js').then((m) => m.cogoDefinition as unknown as ProviderDefinition) },
  { ...gocdManifest, load: () => import('./providers/gocd/index.js').then((m) => m.gocdDefinition as unknown as ProviderDefinition) },
  { ...standardManifest, load: () => import('./providers/standard/index.js').then((m) => m.standardDefinition as unknown as ProviderDefinition) },
] as const

export type ProviderManifestEntry = (typeof PROVIDER_MANIFESTS)[number]
export type ProviderId = ProviderManifestEntry['id']

/** Every provider's id, in `serve`'s order. */
export const PROVIDER_IDS: readonly ProviderId[] = PROVIDER_MANIFESTS.map((manifest) => manifest.id)

/** A provider's manifest by id, or undefined for a name that is not a provider. */
export function manifestOf(id: string): ProviderManifestEntry | undefined {
  return PROVIDER_MANIFESTS.find((manifest) => manifest.id === id)
}

/** The highest port offset of any listener: `serve` listens on `portBase` + 1 ... + this. */
export const LAST_PORT_OFFSET = Math.max(...PROVIDER_MANIFESTS.flatMap((manifest) => Object.values(manifest.origins).map((origin) => origin.offset)))

/** The highest `portBase` whose last listener is still a port (65535). */
export const MAX_PORT_BASE = 65535 - LAST_PORT_OFFSET

/** What `--port-base` and the config file's `portBase` accept, in their error messages. */
export const PORT_BASE_RANGE = `must be 0 (free ports) or a port between 1 and ${MAX_PORT_BASE}`
