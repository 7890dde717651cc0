import { EXAMPLE_APP_PROVIDERS, type ExampleAppProviderId } from '../clients/example-app/providers.js'
import { EXAMPLE_APP_BROKEN_MODES, startExampleApp, type ExampleAppBrokenMode } from '../clients/example-app/server.js'
import { HarnessError, HarnessErrorCode } from '../errors.js'
import type { BrowserApp } from './browser.js'

/**
 * The bundled example web app (conformance/clients/example-app) as a {@link BrowserApp}:
 * started per scenario on 127.0.0.1 with the harness's provider endpoints,
 * client id and secret, registered redirect URI, scope, request timeout and
 * mock clock. `broken` starts one of its deliberately broken modes.
 *
 * @example
 * browserClient(exampleBrowserApp({ broken: 'ignores-state' }))
 */
export function exampleBrowserApp(options: { broken?: ExampleAppBrokenMode } = {}): BrowserApp {
  if (options.broken && !EXAMPLE_APP_BROKEN_MODES.includes(options.broken)) {
    throw HarnessError.for(HarnessErrorCode.UNKNOWN_CLIENT)(
      `Failed to start the example app: no broken mode "${options.broken}" (known: ${EXAMPLE_APP_BROKEN_MODES.join(', ')})`,
    )
  }
  return {
    name: options.broken ? `example-app:${options.broken}` : 'example-app',
    providers: Object.keys(EXAMPLE_APP_PROVIDERS),
    async start(config, env) {
      const provider = EXAMPLE_APP_PROVIDERS[config.provider as ExampleAppProviderId]
      if (!provider || !config.authorizationEndpoint) throw new Error(`the example app does not sign in with ${config.provider}`)
      // The app knows the provider's paths from its document; the harness says where the provider runs.
      const providerBaseUrl = config.authorizationEndpoint.slice(0, -provider.authorizePath.length)
      const app = await startExampleApp({
        provider: config.provider as ExampleAppProviderId,
        providerBaseUrl,
        redirectUri: config.redirectUri,
        scope: config.scope,
        requestTimeoutMs: config.requestTimeoutMs,
        clock: { now: env.now, sleep: env.sleep },
        fetch: env.fetch,
        broken: options.broken,
      })
      app.useClient({ clientId: config.clientId, clientSecret: config.clientSecret })
      return { url: app.url, callbackUrl: `${app.url}/callback`, oobUrl: `${app.url}/oob`, close: () => app.close() }
    },
  }
}
