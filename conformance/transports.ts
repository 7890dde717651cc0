import type { RequestHandler } from 'msw'
import { setupServer, type SetupServer } from 'msw/node'
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

/**
 * The process's one msw interception, shared by every in-process transport
 * open at once: each adds its provider's handlers and takes them away on
 * close (the providers' origins are distinct), so `check` can run several
 * providers in process at the same time. Two `setupServer`s listening at
 * once would patch the same globals twice.
 */
let interception: { server: SetupServer; active: Set<RequestHandler[]> } | undefined

function intercept(handlers: RequestHandler[]): () => void {
  let current = interception
  if (!current) {
    const server = setupServer()
    // @note requests to other hosts are the client's business (a third-party library may fetch metadata elsewhere).
    server.listen({ onUnhandledRequest: 'bypass' })
    current = interception = { server, active: new Set() }
  }
  current.active.add(handlers)
  current.server.resetHandlers(...[...current.active].flat())
  return () => {
    if (!current.active.delete(handlers)) return
    if (current.active.size) return current.server.resetHandlers(...[...current.active].flat())
    current.server.close()
    if (interception === current) interception = undefined
  }
}

export async function startTransport(kind: TransportKind, profile: ProviderProfile): Promise<Transport> {
  if (kind === 'in-process') {
    const provider = profile.create({ clock: new Clock({ frozen: true, start: SCENARIO_START_MS }) })
    const stop = intercept(mswHandlers(provider))
    await provider.ready
    return { kind, provider, close: async () => stop() }
  }
  const clock = new Clock({ frozen: true, start: SCENARIO_START_MS })
  const running = await serve({ portBase: 0, providers: [profile.registryId as ProviderId], log: null, clock })
  const provider = running.providers[profile.registryId as ProviderId]!
  return { kind, provider, close: () => running.close() }
}
