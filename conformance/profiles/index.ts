import { carinaProfile } from './carina.js'
import { cloud66Profile } from './cloud66.js'
import { cogoProfile } from './cogo.js'
import { gocdProfile } from './gocd.js'
import { keystoneProfile } from './keystone.js'
import { standardProfile } from './standard.js'
import type { ProviderProfile } from './profile.js'

/** Every provider the harness can check, by id (added as each provider lands in mocks/registry.ts). */
export const PROFILES: Record<string, ProviderProfile> = {
  carina: carinaProfile,
  keystone: keystoneProfile,
  cloud66: cloud66Profile,
  cogo: cogoProfile,
  gocd: gocdProfile,
  standard: standardProfile,
}

export type { ProviderProfile }
