import { DEFINITIONS, type ProviderId } from '../../mocks/registry.js'
import { profileOf, type ProviderProfile } from './profile.js'

/** Every provider the harness can check, by id: one profile per definition in `mocks/registry.ts`. */
export const PROFILES = Object.fromEntries(Object.values(DEFINITIONS).map((definition) => [definition.id, profileOf(definition as never)])) as Record<
  ProviderId,
  ProviderProfile
> &
  Record<string, ProviderProfile>

export type { ProviderProfile }
