import type { Browser, BrowserContext, LaunchOptions, Page, Route } from '@playwright/test'
import { HarnessError, HarnessErrorCode } from '../errors.js'
import { PROFILES } from '../profiles/index.js'
import type { ClientAdapter, ClientConfig, ClientEnvironment, ConformanceClient, Outcome, Scenario } from '../types.js'

/**
 * Drives a running web app in real Chromium through its user's steps
 * (docs/conformance.md, "Browsers"). The runner still plays the user at the
 * provider with its own cookie-keeping agent; the browser is the user's
 * browser at the app:
 *
 * - `startAuthorization()` opens the app, clicks its Login button, and
 *   captures the provider URL the app redirects the browser to. That request
 *   is answered in the browser by a hand-off page and never reaches the
 *   provider, so the journal holds each authorization request once (the
 *   runner's visit), exactly as with any other adapter.
 * - `receiveRedirect()` loads the redirect in the same page: the registered
 *   redirect URI's query is delivered to the app's callback (the app's own
 *   session cookie comes along, so its state check is real), and the outcome
 *   is read from the page the app ends on.
 * - `callApi()` submits the app's form for the operation and reads the result
 *   page.
 *
 * Outcomes are read from `data-testid` markers once the new page has loaded,
 * never by waiting for something to appear:
 *
 * | marker | outcome |
 * |---|---|
 * | `signed-in` | `{ ok: true }` (after a redirect) |
 * | `call-result` (`data-status`) | `{ ok: true, status }` |
 * | `login-failed`, `call-failed` (`data-error`) | `{ ok: false, error }` |
 * | `login-required`, `signed-out` | `{ ok: false, error: 'authorization_required' }` (the runner plays the user again) |
 *
 * Operations are forms: `form[data-operation="<operation>"]` with an input
 * named after each argument and a submit button.
 *
 * @example
 * const client = browserClient(exampleBrowserApp())
 * await runScenarios({ provider: 'carina', client, scenarios: browserScenarios('carina').scenarios, transport: 'sockets' })
 */

export interface BrowserApp {
  /** Name in reports. */
  name: string
  /** Providers the app can sign in with (profile ids); scenarios of others are skipped. */
  providers: readonly string[]
  /**
   * Starts the app for one scenario with what the harness gives: the
   * provider's endpoints and the client credentials (`config`), and the mock
   * clock (`env.now`, `env.sleep`) for expiry, Retry-After and polling.
   */
  start(config: ClientConfig, env: ClientEnvironment): Promise<RunningBrowserApp>
}

export interface RunningBrowserApp {
  /** The page the user opens (with the Login button). */
  url: string
  /**
   * Where the app's callback listens. The registered redirect URI
   * (`config.redirectUri`) is the app's public address; the adapter delivers
   * its query here, as a reverse proxy in front of the app would.
   */
  callbackUrl: string
  /** The app's "enter a code" page for out-of-band redirects (input `data-testid="oob-code"`, button `oob-submit`), if it has one. */
  oobUrl?: string
  close(): Promise<void>
}

export interface BrowserClientOptions {
  /** A browser to open pages in (one context per scenario); default: launch Chromium per scenario with {@link launchOptions}. */
  browser?: Browser
  /** How to launch Chromium when no browser is given; default `chooseChromium()` (Debian's chromium, headless). */
  launchOptions?: LaunchOptions
  /** Guard for a page that never loads (real ms): a failure path only, never how an outcome is decided. Default 20000. */
  pageTimeoutMs?: number
}

const HANDOFF_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>oauth-dance</title></head>
<body><p data-testid="oauth-dance-handoff">The app sent the browser to the provider; oauth-dance plays the user there.</p></body></html>`

const SIGNED_OUT = { ok: false, error: 'authorization_required', description: 'the app asks its user to log in' } as const

export function browserClient(app: BrowserApp, options: BrowserClientOptions = {}): ClientAdapter {
  return {
    name: `browser:${app.name}`,
    async start(config, env) {
      const { chromium } = await import('@playwright/test')
      let launched: Browser | undefined
      if (!options.browser) {
        const { chooseChromium } = await import('./chromium.js')
        launched = await chromium.launch(options.launchOptions ?? chooseChromium().launchOptions)
      }
      let context: BrowserContext | undefined
      let running: RunningBrowserApp | undefined
      try {
        context = await (options.browser ?? launched)!.newContext()
        const page = await context.newPage()
        page.setDefaultTimeout(options.pageTimeoutMs ?? 20_000)
        running = await app.start(config, env)
        return new BrowserSession(page, running, config, async () => {
          await context?.close()
          await launched?.close()
          await running?.close()
        }).client()
      } catch (error) {
        await context?.close().catch(() => {})
        await launched?.close().catch(() => {})
        await running?.close().catch(() => {})
        throw error
      }
    },
  }
}

/** What the harness holds of a browser session: its three steps, bound to it, and `close` that shuts it down. */
export function clientOfSession(session: Omit<ConformanceClient, 'close'>, close: () => Promise<void>): ConformanceClient {
  return {
    startAuthorization: () => session.startAuthorization(),
    receiveRedirect: (redirect) => session.receiveRedirect(redirect),
    callApi: (operation, args) => session.callApi(operation, args),
    close,
  }
}

class BrowserSession {
  constructor(
    private readonly page: Page,
    private readonly app: RunningBrowserApp,
    private readonly config: ClientConfig,
    private readonly shutdown: () => Promise<void>,
  ) {}

  client(): ConformanceClient {
    return clientOfSession(this, this.shutdown)
  }

  /** Navigates by `action` (a click, a goto) and resolves once the page it leads to has loaded. */
  async #navigate(action: () => Promise<unknown>): Promise<void> {
    // @note registered before the action: the next load event is the new document's, so no marker of the old page is ever read.
    const loaded = this.page.waitForEvent('load')
    try {
      await action()
    } catch (error) {
      loaded.catch(() => {})
      throw error
    }
    await loaded
  }

  async #marker(testId: string): Promise<{ text: string; error?: string; status?: string } | undefined> {
    const element = this.page.getByTestId(testId)
    if ((await element.count()) === 0) return undefined
    const first = element.first()
    return {
      text: (await first.innerText()).trim(),
      error: (await first.getAttribute('data-error')) ?? undefined,
      status: (await first.getAttribute('data-status')) ?? undefined,
    }
  }

  async #unrecognized(what: string): Promise<Outcome> {
    return {
      ok: false,
      error: 'unrecognized_page',
      description: `${what}: ${this.page.url()} (“${await this.page.title()}”) shows none of the outcome markers`,
      crashed: true,
    }
  }

  async startAuthorization(): Promise<{ url: string }> {
    // The user opens the app and clicks Login.
    await this.#navigate(() => this.page.goto(this.app.url))
    const login = this.page.getByTestId('login-button')
    if ((await login.count()) === 0) throw new Error(`the app's page ${this.page.url()} shows no Login button (data-testid="login-button")`)
    const captured = await captureProviderRedirect(this.page, this.app.url, () => this.#navigate(() => login.first().click()))
    if (!captured) {
      const failed = await this.#marker('login-failed')
      throw new Error(`clicking Login did not send the browser to the provider; the app shows ${this.page.url()}${failed ? `: ${failed.text}` : ''}`)
    }
    return { url: captured }
  }

  async receiveRedirect(redirect: { url: string } | { code: string }): Promise<Outcome> {
    if ('code' in redirect) {
      if (!this.app.oobUrl) return { ok: false, error: 'oob_unsupported', description: 'the app has no page to paste an out-of-band code into' }
      await this.#navigate(() => this.page.goto(this.app.oobUrl!))
      await this.page.getByTestId('oob-code').fill(redirect.code)
      await this.#navigate(() => this.page.getByTestId('oob-submit').click())
    } else {
      await this.#navigate(() => this.page.goto(this.#toCallback(redirect.url)))
    }
    if (await this.#marker('signed-in')) return { ok: true }
    const failed = await this.#marker('login-failed')
    if (failed) return { ok: false, error: failed.error ?? 'login_failed', description: failed.text }
    return this.#unrecognized('after the redirect')
  }

  #toCallback(url: string): string {
    return toAppCallback(url, this.config.redirectUri, this.app)
  }

  async callApi(operation: string, args: Record<string, string>): Promise<Outcome> {
    let form = this.page.locator(`form[data-operation="${operation.replace(/["\\]/g, '\\$&')}"]`)
    if ((await form.count()) === 0) {
      // The user opens the app first when the page at hand does not offer the call.
      await this.#navigate(() => this.page.goto(this.app.url))
      form = this.page.locator(`form[data-operation="${operation.replace(/["\\]/g, '\\$&')}"]`)
    }
    if ((await form.count()) === 0) {
      if ((await this.#marker('signed-out')) || (await this.#marker('login-required'))) return SIGNED_OUT
      return { ok: false, error: 'unsupported_operation', description: `the app's page ${this.page.url()} has no form for "${operation}"` }
    }
    for (const [name, value] of Object.entries(args)) {
      const input = form.first().locator(`[name="${name.replace(/["\\]/g, '\\$&')}"]`)
      if ((await input.count()) === 0) return { ok: false, error: 'unsupported_operation', description: `the form for "${operation}" has no input "${name}"` }
      await input.first().fill(value)
    }
    await this.#navigate(() => form.first().locator('[type="submit"]').first().click())
    const result = await this.#marker('call-result')
    if (result) return { ok: true, ...(result.status ? { status: Number(result.status) } : {}), data: result.text }
    if ((await this.#marker('login-required')) || (await this.#marker('signed-out'))) return SIGNED_OUT
    const failed = await this.#marker('call-failed')
    if (failed) return { ok: false, error: failed.error ?? 'call_failed', description: failed.text }
    return this.#unrecognized(`after "${operation}"`)
  }
}

/**
 * Runs `action` (the click that starts sign-in) and returns the provider URL
 * the app redirected the browser to, or undefined when it did not leave the
 * app. That navigation is answered in the browser by a hand-off page, so it
 * never reaches the provider: the runner's user agent visits it instead.
 */
export async function captureProviderRedirect(page: Page, appUrl: string, action: () => Promise<unknown>): Promise<string | undefined> {
  const appOrigin = new URL(appUrl).origin
  let captured: string | undefined
  // @note Playwright does not route the requests of a redirect the browser follows, so the app's own answer is fetched here without following it: its Location is the authorization URL. route.fetch shares the context's cookie jar both ways, so a state cookie the app sets at Login is kept.
  const handler = async (route: Route) => {
    const request = route.request()
    if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return route.continue()
    const response = await route.fetch({ maxRedirects: 0 })
    const location = response.headers()['location']
    const next = location === undefined ? undefined : new URL(location, request.url())
    if (response.status() >= 300 && response.status() < 400 && next && next.origin !== appOrigin) {
      captured = next.toString()
      return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: HANDOFF_PAGE })
    }
    return route.fulfill({ response })
  }
  // @note a single-page app navigates to the provider itself (location.assign): that request is off the app's origin, so it is caught here too.
  const offOrigin = async (route: Route) => {
    const request = route.request()
    if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return route.continue()
    captured = request.url()
    return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: HANDOFF_PAGE })
  }
  const matcher = (url: URL) => url.origin === appOrigin
  const elsewhere = (url: URL) => url.origin !== appOrigin && (url.protocol === 'http:' || url.protocol === 'https:')
  await page.route(matcher, handler)
  await page.route(elsewhere, offOrigin)
  try {
    await action()
  } finally {
    await page.unroute(matcher, handler)
    await page.unroute(elsewhere, offOrigin)
  }
  return captured
}

/** The registered redirect URI is the app's public address: its query goes to where the app's callback listens, as a reverse proxy in front of the app would. */
export function toAppCallback(url: string, redirectUri: string | undefined, app: Pick<RunningBrowserApp, 'url' | 'callbackUrl'>): string {
  const delivered = new URL(url)
  const registered = redirectUri ? new URL(redirectUri) : undefined
  if (registered && delivered.origin === registered.origin && delivered.pathname === registered.pathname) {
    const target = new URL(app.callbackUrl)
    target.search = delivered.search
    target.hash = delivered.hash
    return target.toString()
  }
  if (delivered.origin === new URL(app.url).origin) return url
  throw HarnessError.for(HarnessErrorCode.USER_AGENT_FAILED)(
    `Failed to deliver the redirect ${url}: it is neither the registered redirect URI (${redirectUri}) nor the app's own address`,
  )
}

/**
 * The scenarios of a provider a browser app can be run through, and why the
 * others are skipped: a client-credentials provider has no user and no
 * browser, and a provider the app does not support has nothing to drive.
 */
export function browserScenarios(
  provider: string,
  app: Pick<BrowserApp, 'providers' | 'name'>,
  all: Scenario[],
): { scenarios: Scenario[]; skipped: Array<{ scenario: string; reason: string }> } {
  const profile = PROFILES[provider]
  const skip = (reason: string) => ({ scenarios: [], skipped: all.map((s) => ({ scenario: `${provider}/${s.id}`, reason })) })
  if (profile?.grant === 'client_credentials') return skip(`${provider} uses client credentials: there is no user, so no browser to drive`)
  if (!app.providers.includes(provider)) return skip(`${app.name} does not sign in with ${provider} (it supports ${app.providers.join(', ')})`)
  return { scenarios: all, skipped: [] }
}
