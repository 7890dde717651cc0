import type { TlsListenerOptions } from './core/client-cert.js'
import type { ProviderDefinition } from './core/define.js'
import type { ProviderDescription, ProviderOptions, ProviderRuntime } from './core/provider.js'
import { carinaDefinition } from './providers/carina/index.js'
import { keystoneDefinition } from './providers/keystone/index.js'
import { cloud66Definition } from './providers/cloud66/index.js'
import { cogoDefinition } from './providers/cogo/index.js'
import { gocdDefinition } from './providers/gocd/index.js'
import { standardDefinition } from './providers/standard/index.js'
import { LAST_PORT_OFFSET, MAX_PORT_BASE, PORT_BASE_RANGE, type ProviderId } from './manifests.js'

/**
 * Every provider's definition, in `serve`'s order (DESIGN.md's port offsets),
 * the order of `manifests.ts` (a test holds them equal). Adding a provider is
 * one line here and one there; everything below, and the config file, the CLI
 * and the harness, derive from the definitions.
 */
export const PROVIDER_DEFINITIONS = [carinaDefinition, keystoneDefinition, cloud66Definition, cogoDefinition, gocdDefinition, standardDefinition] as const

type Definitions = (typeof PROVIDER_DEFINITIONS)[number]
export type { ProviderId }
export { LAST_PORT_OFFSET, MAX_PORT_BASE, PORT_BASE_RANGE }

/** A provider's definition by id. */
export type DefinitionOf<Id extends ProviderId> = Extract<Definitions, { id: Id }>

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

function entryOf(definition: ProviderDefinition): ProviderEntry {
  return {
    create: (options) => definition.create(options),
    origins: Object.fromEntries(Object.entries(definition.origins).map(([key, { name, offset }]) => [key, { name, offset }])),
    basePath: () => definition.basePath,
    describe: (provider) => provider.describe(),
    ...(definition.tls ? { tls: definition.tls } : {}),
  }
}

function byId<T>(value: (definition: Definitions) => T): { [Id in ProviderId]: T } {
  return Object.fromEntries(PROVIDER_DEFINITIONS.map((definition) => [definition.id, value(definition)])) as { [Id in ProviderId]: T }
}

/** Every provider `serve` can start, by id, with its listeners (DESIGN.md's port offsets). */
export const PROVIDERS: { [Id in ProviderId]: ProviderEntry } = byId((definition) => entryOf(definition as unknown as ProviderDefinition))

/** Every provider's definition by id. */
export const DEFINITIONS: { [Id in ProviderId]: DefinitionOf<Id> } = byId((definition) => definition) as { [Id in ProviderId]: DefinitionOf<Id> }

/** Every route id of each provider (what `faults.add({ route })` accepts besides `*`). */
export const ROUTE_IDS: { [Id in ProviderId]: DefinitionOf<Id>['routeIds'] } = byId((definition) => definition.routeIds) as {
  [Id in ProviderId]: DefinitionOf<Id>['routeIds']
}
