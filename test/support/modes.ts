import { setupServer } from 'msw/node'
import type { ProviderOptions, ProviderRuntime } from '../../mocks/core/provider.js'
import { mswHandlers } from '../../mocks/msw.js'
import { serve } from '../../mocks/server.js'
import { PROVIDERS, type ProviderEntry, type ProviderId } from '../../mocks/registry.js'

/** A provider running in one of the two modes, for suites that must pass in both. */
export interface Running<R extends ProviderRuntime = ProviderRuntime> {
  provider: R
  /** Base URL of each origin: the production URL in-process, 127.0.0.1 over sockets. */
  baseUrl: string
  origins: Record<string, string>
  close(): Promise<void>
}

export interface Mode {
  name: string
  start<R extends ProviderRuntime>(id: ProviderId, options?: ProviderOptions): Promise<Running<R>>
}

/** msw `setupServer` over the provider's production URLs: no socket is opened. */
export const inProcess: Mode = {
  name: 'in-process (msw setupServer)',
  async start(id, options = {}) {
    const provider = (PROVIDERS[id] as ProviderEntry).create(options) as never as ProviderRuntime
    const server = setupServer(...mswHandlers(provider))
    server.listen({ onUnhandledRequest: 'error' })
    await provider.ready
    return {
      provider: provider as never,
      baseUrl: provider.baseUrl,
      origins: provider.origins,
      async close() {
        server.close()
      },
    }
  },
}

/** `serve` on 127.0.0.1 with free ports: real sockets, the standalone dispatcher. */
export const overSockets: Mode = {
  name: 'standalone server (real sockets)',
  async start(id) {
    const running = await serve({ portBase: 0, providers: [id], log: null })
    const provider = running.providers[id]!
    return {
      provider: provider as never,
      baseUrl: provider.baseUrl,
      origins: provider.origins,
      close: () => running.close(),
    }
  },
}

export const bothModes = [inProcess, overSockets]
