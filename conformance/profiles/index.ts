import { carinaProfile } from './carina.js'
import type { ProviderProfile } from './profile.js'

/** Every provider the harness can check, by id (added as each provider lands in mocks/registry.ts). */
export const PROFILES: Record<string, ProviderProfile> = {
  carina: carinaProfile,
}

export type { ProviderProfile }
