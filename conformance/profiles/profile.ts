import type { ProviderOptions, ProviderRuntime } from '../../mocks/core/provider.js'
import type { ClientConfig, ProviderFacts } from '../types.js'

/**
 * What the harness knows of one provider: how to build it, what to tell the
 * client, how the user logs in, and the facts rules need. One file per
 * provider under `conformance/profiles/`.
 */
export interface ProviderProfile {
  id: string
  /** Builds the mock (in-process) for the given options. */
  create(options: ProviderOptions): ProviderRuntime
  /** Registry id for `serve` (sockets transport). */
  registryId: string
  grant: 'authorization_code' | 'client_credentials'
  /** Whether the provider issues refresh tokens. */
  refresh: boolean
  /** Access token lifetime, seconds (null: never expires). */
  accessTokenTtlSeconds: number | null
  /** The client configuration for a running provider (its base URLs and seeded client). */
  clientConfig(provider: ProviderRuntime): Omit<ClientConfig, 'requestTimeoutMs' | 'grant'>
  /** The seeded user the runner logs in as. */
  user: { username: string; password: string }
  /** The protected call scenarios make by default. */
  primaryOperation: { operation: string; args?: Record<string, string>; route: string }
  facts: ProviderFacts
  /** Requirement id of the provider's document for its token endpoint, API, and refresh. */
  requirements: { token: string; api: string; refresh?: string; expiry?: string }
  /** The error code of a denied authorization, when the provider does not say `access_denied` (GoCD: `access-denied`). */
  accessDeniedError?: string
}
