import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ProviderDefinition } from './core/define.js'
import type { ProviderDescription } from './core/provider.js'
import type { ProviderId } from './manifests.js'

/**
 * What each provider describes (`serve --json`) when built with its fixtures
 * alone, written once when the bin is bundled (scripts/bundle-bin.mjs) with
 * each origin as {@link seededOrigin}. With them, `serve` prints its JSON line
 * without building the providers the configuration leaves as they are, and
 * builds each on its first request: the first token waits only for its own
 * provider's code. A test holds them to what the built providers describe.
 */
export type SeededDescriptions = Partial<Record<ProviderId, ProviderDescription>>

/** Where the bundle keeps them: beside its chunks. */
const SEEDED_FILE = 'seeded-descriptions.json'

/** The origin a listener's URL stands in for in a seeded description (`.invalid`: never a real host, RFC 2606). */
export function seededOrigin(listenerName: string): string {
  return `http://${listenerName}.seeded.invalid`
}

/** A provider's description as its definition builds it with its fixtures, each origin a {@link seededOrigin}. */
export async function describeSeeded(definition: ProviderDefinition): Promise<ProviderDescription> {
  const baseUrl = Object.fromEntries(Object.entries(definition.origins).map(([origin, { name }]) => [origin, seededOrigin(name) + definition.basePath]))
  const provider = definition.create({ baseUrl, journal: false })
  await provider.ready
  return provider.describe()
}

/** A seeded description with each listener's URL (by listener name) in place of its seeded origin. */
export function placeSeeded(description: ProviderDescription, urls: Record<string, string>): ProviderDescription {
  let text = JSON.stringify(description)
  for (const [name, url] of Object.entries(urls)) text = text.replaceAll(seededOrigin(name), url)
  return JSON.parse(text) as ProviderDescription
}

/** Writes them beside the bundle's chunks (`dir`). */
export async function writeSeededDescriptions(dir: string, definitions: readonly ProviderDefinition[]): Promise<void> {
  const descriptions = Object.fromEntries(await Promise.all(definitions.map(async (definition) => [definition.id, await describeSeeded(definition)] as const)))
  writeFileSync(join(dir, SEEDED_FILE), JSON.stringify(descriptions) + '\n')
}

/** The seeded descriptions beside this module when it runs from the bundle; undefined elsewhere (the sources, `dist/mocks/`). */
export function readSeededDescriptions(): SeededDescriptions | undefined {
  try {
    return JSON.parse(readFileSync(new URL(`./${SEEDED_FILE}`, import.meta.url), 'utf8')) as SeededDescriptions
  } catch {
    return undefined
  }
}
