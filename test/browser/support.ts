import type { Page } from '@playwright/test'
import { test as base, type RegisteredClient } from '../../playwright/index.js'
import { OOB_REDIRECT_URI, startExampleApp, type ExampleApp } from '../../conformance/clients/example-app/server.js'
import type { ExampleAppProviderId } from '../../conformance/clients/example-app/providers.js'

export { expect } from '../../playwright/index.js'
export { OOB_REDIRECT_URI }

/** The example app, started for one test and registered with its provider. */
export interface RunningExampleApp extends ExampleApp {
  client: RegisteredClient
}

export interface ExampleAppOptions {
  /** Redirect URIs to register: the app's callback, the out-of-band URN, or both (the default). */
  redirectUris?: Array<'callback' | 'oob'>
  /** The name the provider shows for it; default "Example App". */
  name?: string
}

interface BrowserTestFixtures {
  /**
   * Starts the example app on a free port for the test's provider, at the
   * provider's base URL (production URL in route mode), and registers it as
   * a client. Every app started is closed after the test.
   */
  exampleApp(options?: ExampleAppOptions): Promise<RunningExampleApp>
  /**
   * Starts the example app without registering it, for tests that register it
   * through the provider's own pages and then call `useClient`. Closed after the test.
   */
  unregisteredExampleApp(): Promise<ExampleApp>
  /** URLs and bodies of every request the test's page sent, to prove what the browser never saw. */
  browserTraffic: string[]
}

export const test = base.extend<BrowserTestFixtures>({
  unregisteredExampleApp: async ({ oauthProvider }, use) => {
    const apps: ExampleApp[] = []
    await use(async () => {
      const app = await startExampleApp({ provider: oauthProvider.id as ExampleAppProviderId, providerBaseUrl: oauthProvider.baseUrl })
      apps.push(app)
      return app
    })
    await Promise.all(apps.map((app) => app.close()))
  },
  exampleApp: async ({ unregisteredExampleApp, registerClient }, use) => {
    await use(async (options = {}) => {
      const app = await unregisteredExampleApp()
      const kinds = options.redirectUris ?? ['callback', 'oob']
      const redirectUris = kinds.map((kind) => (kind === 'callback' ? app.redirectUri : OOB_REDIRECT_URI))
      const client = await registerClient({ name: options.name ?? 'Example App', redirectUris })
      app.useClient(client)
      return Object.assign(app, { client })
    })
  },
  browserTraffic: async ({ page }, use) => {
    const urls: string[] = []
    page.on('request', (request) => {
      urls.push(request.url())
      const body = request.postData()
      if (body) urls.push(body)
    })
    await use(urls)
  },
})

/** Path of the page the browser shows. */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname
}
