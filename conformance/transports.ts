import { setupServer } from 'msw/node'
import { Clock } from '../mocks/core/clock.js'
import type { ProviderRuntime } from '../mocks/core/provider.js'
import { mswHandlers } from '../mocks/msw.js'
import { serve } from '../mocks/server.js'
import type { ProviderId } from '../mocks/registry.js'
import type { ProviderProfile } from './profiles/profile.js'

/** Where scenarios start: 2030-01-01T00:00:00Z on the mock clock, every time. */
export const SCENARIO_START_MS = Date.UTC(2030, 0, 1)

/**
 * How the provider is reached: in-process (msw intercepts the provider's
 * production URLs in this process, no socket) or over sockets (`serve` on
 * 127.0.0.1, free ports) for clients in other processes and languages.
 */
export type TransportKind = 'in-process' | 'sockets'

export interface Transport {
  kind: TransportKind
  provider: ProviderRuntime
  close(): Promise<void>
}

export async function startTransport(kind: TransportKind, profile: ProviderProfile): Promise<Transport> {
  if (kind === 'in-process') {
    const provider = profile.create({ clock: new Clock({ frozen: true, start: SCENARIO_START_MS }) })
    const server = setupServer(...mswHandlers(provider))
    // @note requests to other hosts are the client's business (a third-party library may fetch metadata elsewhere).
    server.listen({ onUnhandledRequest: 'bypass' })
    await provider.ready
    return { kind, provider, close: async () => server.close() }
  }
  const clock = new Clock({ frozen: true, start: SCENARIO_START_MS })
  const running = await serve({ portBase: 0, providers: [profile.registryId as ProviderId], log: null, clock })
  const provider = running.providers[profile.registryId as ProviderId]!
  return { kind, provider, close: () => running.close() }
}
