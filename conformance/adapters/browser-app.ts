import { spawn, type ChildProcess } from 'node:child_process'
import type { Browser, BrowserContext, LaunchOptions, Locator, Page } from '@playwright/test'
import { HarnessError, HarnessErrorCode } from '../errors.js'
import { PROFILES } from '../profiles/index.js'
import type { ClientAdapter, ClientConfig, ClientEnvironment, ConformanceClient, Outcome, Scenario } from '../types.js'
import { browserScenarios, captureProviderRedirect, clientOfSession, toAppCallback } from './browser.js'

/**
 * Any web app, driven in Chromium through the provider's scenarios (`--client
 * browser:<url>`, or `webAppClient()` from a Playwright suite). Unlike the
 * bundled example app, the app is told nothing about oauth-dance's markers:
 * the caller says how to begin sign-in, where the result shows and how errors
 * are reported, as selectors or URL patterns.
 *
 * The app is started per scenario by `start` (a shell command) with the
 * provider's endpoints and its client in the environment
 * ({@link webAppEnvironment}), and stopped after it, so every scenario meets
 * a fresh app. The app talks to the providers `serve` runs on 127.0.0.1.
 *
 * Time: the provider runs on a frozen mock clock that scenarios move (expiry,
 * Retry-After, polling). An app reads it at `GET $OAUTH_DANCE_CLOCK_URL`
 * (`{ nowMs }`) and waits by `POST $OAUTH_DANCE_CLOCK_URL {"advance": seconds}`;
 * one on its wall clock is judged as if no time passed.
 *
 * @example
 * const client = webAppClient({
 *   url: 'http://127.0.0.1:4300',
 *   start: 'node app.mjs',
 *   signIn: 'role=button[name="Sign in"]',
 *   signedIn: '#profile',
 *   error: '.error',
 *   calls: { me: { action: 'role=button[name="Reload"]', result: '#profile' } },
 * })
 * await runScenarios({ provider: 'carina', client, scenarios: webAppScenarios('carina', options, scenariosFor('carina')).scenarios, transport: 'sockets' })
 */
export interface WebAppOptions {
  /** Name in reports; default the URL's host. */
  name?: string
  /** The app's page with the sign-in control, where the app listens. */
  url: string
  /** Shell command that starts the app (run per scenario, stopped after it); omit for an app already running that `configure` sets up. */
  start?: string
  /** URL that answers once the app is ready; default `url`. */
  waitFor?: string
  /** How long the app may take to answer `waitFor` (real ms); default 20000. */
  startTimeoutMs?: number
  /** Path of the app's OAuth callback, where the registered redirect URI's query is delivered; default `/callback`. */
  callbackPath?: string
  /** The control that begins sign-in: a Playwright selector (`role=button[name="Sign in"]`, `#login`) or a role and name. */
  signIn: Target
  /** Where the app shows it is signed in: a selector, or `{ url }` a pattern the address matches. */
  signedIn: Marker
  /** Where the app reports an error (its text is the description; the error code is `data-error`, or the URL's `error` parameter); default none. */
  error?: Marker
  /** Protected calls the app can make, by scenario operation (Carina: `me`): the control that makes it and where its result shows. */
  calls?: Record<string, { action: Target; result: Marker }>
  /** Providers the app signs in with; default every authorization-code provider. */
  providers?: string[]
  /** For an app already running: give it the scenario's configuration (the provider's endpoints and the client). */
  configure?(config: ClientConfig, env: ClientEnvironment): Promise<void> | void
}

/** A Playwright selector, or a role and accessible name. */
export type Target = string | { role: Parameters<Page['getByRole']>[0]; name: string | RegExp }
/** A Playwright selector, or a URL the page ends on. */
export type Marker = string | { url: RegExp }

export interface WebAppClientOptions {
  /** A browser to open pages in (a Playwright suite's own); default: launch Debian's Chromium, headless, per scenario. */
  browser?: Browser
  launchOptions?: LaunchOptions
  /** How long an outcome may take to show (real ms) before the page counts as unrecognized; default 15000. */
  outcomeTimeoutMs?: number
}

/**
 * The environment a started app gets: the provider's endpoints, the client
 * registered for it, and the mock clock's control URL.
 */
export function webAppEnvironment(config: ClientConfig, appUrl: string): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PORT: new URL(appUrl).port,
    OAUTH_DANCE_PROVIDER: config.provider,
    OAUTH_DANCE_AUTHORIZATION_ENDPOINT: config.authorizationEndpoint,
    OAUTH_DANCE_TOKEN_ENDPOINT: config.tokenEndpoint,
    OAUTH_DANCE_API_BASE_URL: config.apiBaseUrl,
    OAUTH_DANCE_CLIENT_ID: config.clientId,
    OAUTH_DANCE_CLIENT_SECRET: config.clientSecret,
    OAUTH_DANCE_REDIRECT_URI: config.redirectUri,
    OAUTH_DANCE_SCOPE: config.scope,
    OAUTH_DANCE_REQUEST_TIMEOUT_MS: String(config.requestTimeoutMs),
    OAUTH_DANCE_CLOCK_URL: `${new URL(config.tokenEndpoint).origin}/__oauth-dance/clock`,
  }
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''))
}

const SIGNED_OUT = { ok: false, error: 'authorization_required', description: 'the app shows its sign-in control again' } as const
const POLL_MS = 50

/** App processes still running, killed when this process exits (a run that stops early never leaves one holding its port). */
const running = new Set<number>()
let exitHook = false
function killOnExit(pid: number): void {
  running.add(pid)
  if (exitHook) return
  exitHook = true
  process.once('exit', () => {
    for (const group of running) {
      try {
        process.kill(-group, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
  })
}

/** Whether something already answers at `url` (another app on the port would be judged in place of this one). */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000), redirect: 'manual' })
    await response.arrayBuffer()
    return true
  } catch {
    return false
  }
}

/** A started app process: its output kept (bounded) for error messages, stopped with its whole process group. */
class AppProcess {
  #output = ''
  #exited?: number | null
  readonly #child: ChildProcess

  constructor(
    command: string,
    env: Record<string, string>,
    private readonly url: string,
  ) {
    // @note detached: the shell and what it starts share a process group, stopped together.
    this.#child = spawn(command, { shell: true, detached: true, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-4000)
    }
    this.#child.stdout!.on('data', keep)
    this.#child.stderr!.on('data', keep)
    if (this.#child.pid !== undefined) killOnExit(this.#child.pid)
    this.#child.on('exit', (code) => {
      this.#exited = code
      if (this.#child.pid !== undefined) running.delete(this.#child.pid)
    })
    this.#child.on('error', (error) => {
      this.#output += String(error)
      this.#exited = -1
    })
  }

  async waitUntilAnswering(url: string, timeoutMs: number, command: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (this.#exited !== undefined)
        throw new Error(`the app's start command "${command}" exited (${this.#exited}) before ${url} answered:\n${this.#output.trim()}`)
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(1000), redirect: 'manual' })
        await response.arrayBuffer()
        if (response.status < 500) return
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`the app did not answer ${url} within ${timeoutMs} ms after "${command}":\n${this.#output.trim()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  async stop(): Promise<void> {
    if (this.#exited !== undefined || this.#child.pid === undefined) return
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-this.#child.pid!, s)
      } catch {
        // Already gone.
      }
    }
    signal('SIGTERM')
    const timer = setTimeout(() => signal('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
    // @note the shell may exit before what it started: the next scenario's app needs the port.
    for (let waited = 0; waited < 5000 && (await answers(this.url)); waited += 100) await new Promise((r) => setTimeout(r, 100))
    signal('SIGKILL')
  }
}

/**
 * A {@link ClientAdapter} for any web app: one browser context and one app
 * process per scenario.
 */
export function webAppClient(app: WebAppOptions, options: WebAppClientOptions = {}): ClientAdapter {
  if (!app.start && !app.configure) {
    throw HarnessError.for(HarnessErrorCode.UNKNOWN_CLIENT)(
      `Failed to set up the web app ${app.url}: give a start command (the app gets the provider and its client in OAUTH_DANCE_* variables), or configure() for an app already running`,
    )
  }
  return {
    name: `browser:${app.name ?? new URL(app.url).host}`,
    async start(config, env) {
      const { chromium } = await import('@playwright/test')
      let launched: Browser | undefined
      let context: BrowserContext | undefined
      let process_: AppProcess | undefined
      const shutdown = async () => {
        await context?.close().catch(() => {})
        await launched?.close().catch(() => {})
        await process_?.stop()
      }
      try {
        if (app.start) {
          if (await answers(app.waitFor ?? app.url))
            throw new Error(`something already answers at ${app.waitFor ?? app.url} before "${app.start}" ran: stop it, or give the app another port`)
          process_ = new AppProcess(app.start, webAppEnvironment(config, app.url), app.waitFor ?? app.url)
          await process_.waitUntilAnswering(app.waitFor ?? app.url, app.startTimeoutMs ?? 20_000, app.start)
        } else await app.configure!(config, env)
        if (!options.browser) {
          const { chooseChromium } = await import('./chromium.js')
          launched = await chromium.launch(options.launchOptions ?? chooseChromium().launchOptions)
        }
        context = await (options.browser ?? launched)!.newContext()
        const page = await context.newPage()
        page.setDefaultTimeout(options.outcomeTimeoutMs ?? 15_000)
        return new WebAppSession(page, app, config, options.outcomeTimeoutMs ?? 15_000, shutdown).client()
      } catch (error) {
        await shutdown()
        throw error
      }
    },
  }
}

class WebAppSession {
  readonly #callbackUrl: string

  constructor(
    private readonly page: Page,
    private readonly app: WebAppOptions,
    private readonly config: ClientConfig,
    private readonly timeoutMs: number,
    private readonly shutdown: () => Promise<void>,
  ) {
    this.#callbackUrl = new URL(app.callbackPath ?? '/callback', app.url).toString()
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) this.#navigations++
    })
  }

  client(): ConformanceClient {
    return clientOfSession(this, this.shutdown)
  }

  #locate(target: Target): Locator {
    return typeof target === 'string' ? this.page.locator(target) : this.page.getByRole(target.role, { name: target.name })
  }

  async #visible(target: Target): Promise<Locator | undefined> {
    const all = this.#locate(target)
    const n = await all.count()
    for (let i = 0; i < n; i++) if (await all.nth(i).isVisible()) return all.nth(i)
    return undefined
  }

  /** What a marker shows now (undefined when it does not match), and whether it was on screen before the action. */
  async #read(marker: Marker): Promise<{ text: string; code?: string; seen: boolean } | undefined> {
    if (typeof marker !== 'string') {
      const url = new URL(this.page.url())
      return marker.url.test(url.toString())
        ? { text: url.toString(), code: url.searchParams.get('error') ?? undefined, seen: this.#navigations === this.#navigationsBefore }
        : undefined
    }
    const element = await this.#visible(marker)
    if (!element) return undefined
    const seen = await element.evaluate((e) => Boolean((e as unknown as Record<string, unknown>).__oauthDanceSeen))
    return { text: (await element.innerText()).trim(), code: (await element.getAttribute('data-error')) ?? undefined, seen }
  }

  #navigations = 0
  #navigationsBefore = 0

  /**
   * Waits for the outcome of an action: the success marker, the error
   * marker, or (for a call) the sign-in control, whichever shows first with
   * something new (a single-page app may keep the previous result on screen
   * until its answer comes).
   */
  async #outcome(success: Marker, before: Map<Marker, string | undefined>, signedOutCounts: boolean): Promise<Outcome & { text?: string }> {
    const deadline = Date.now() + this.timeoutMs
    // New: an element put on screen (or a page loaded) since the action, or one whose text changed.
    const fresh = async (marker: Marker | undefined) => {
      if (!marker) return undefined
      const now = await this.#read(marker).catch(() => undefined)
      return now && (!now.seen || now.text !== before.get(marker)) ? now : undefined
    }
    for (;;) {
      const error = await fresh(this.app.error)
      if (error) return { ok: false, error: error.code ?? 'app_error', description: error.text.slice(0, 300) }
      const done = await fresh(success)
      if (done) return { ok: true, text: done.text }
      if (signedOutCounts && (await this.#visible(this.app.signIn).catch(() => undefined))) return SIGNED_OUT
      if (Date.now() > deadline) {
        return {
          ok: false,
          error: 'unrecognized_page',
          description: `${this.page.url()} (“${await this.page.title().catch(() => '')}”) showed no outcome within ${this.timeoutMs} ms`,
          crashed: true,
        }
      }
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }

  /** Marks what the markers match before an action, so only what the action puts on screen counts. */
  async #snapshot(markers: Array<Marker | undefined>): Promise<Map<Marker, string | undefined>> {
    const out = new Map<Marker, string | undefined>()
    this.#navigationsBefore = this.#navigations
    for (const m of markers) {
      if (!m) continue
      if (typeof m === 'string')
        await this.page
          .locator(m)
          .evaluateAll((all) => all.forEach((e) => ((e as unknown as Record<string, unknown>).__oauthDanceSeen = true)))
          .catch(() => {})
      out.set(m, (await this.#read(m).catch(() => undefined))?.text)
    }
    return out
  }

  async startAuthorization(): Promise<{ url: string }> {
    await this.page.goto(this.app.url)
    const signIn = this.#locate(this.app.signIn).first()
    await signIn.waitFor({ state: 'visible' }).catch(() => {
      throw new Error(`the app's page ${this.page.url()} shows no sign-in control (${JSON.stringify(this.app.signIn)})`)
    })
    const captured = await captureProviderRedirect(this.page, this.app.url, async () => {
      const left = this.page.waitForEvent('framenavigated', { predicate: (f) => f === this.page.mainFrame() })
      await signIn.click()
      await left
      await this.page.waitForLoadState('load')
    })
    if (!captured) throw new Error(`clicking the sign-in control did not send the browser to the provider; the app shows ${this.page.url()}`)
    return { url: captured }
  }

  async receiveRedirect(redirect: { url: string } | { code: string }): Promise<Outcome> {
    if ('code' in redirect) return { ok: false, error: 'oob_unsupported', description: 'a web app has no page to paste an out-of-band code into' }
    // A new document: nothing on it is left from before.
    this.#navigationsBefore = this.#navigations
    await this.page.goto(toAppCallback(redirect.url, this.config.redirectUri, { url: this.app.url, callbackUrl: this.#callbackUrl }))
    const outcome = await this.#outcome(this.app.signedIn, new Map(), false)
    return outcome.ok ? { ok: true } : outcome
  }

  async callApi(operation: string, _args: Record<string, string>): Promise<Outcome> {
    const call = this.app.calls?.[operation]
    if (!call) return { ok: false, error: 'unsupported_operation', description: `no call "${operation}" is configured for the app` }
    let action = await this.#visible(call.action)
    if (!action) {
      // The user opens the app first when the page at hand does not offer the call.
      await this.page.goto(this.app.url)
      action = await this.#locate(call.action)
        .first()
        .waitFor({ state: 'visible', timeout: Math.min(this.timeoutMs, 3000) })
        .then(
          () => this.#visible(call.action),
          () => undefined,
        )
    }
    if (!action) {
      if (await this.#visible(this.app.signIn)) return SIGNED_OUT
      return { ok: false, error: 'unsupported_operation', description: `the app's page ${this.page.url()} offers no control for "${operation}"` }
    }
    const before = await this.#snapshot([call.result, this.app.error])
    await action.click()
    const outcome = await this.#outcome(call.result, before, true)
    return outcome.ok ? { ok: true, data: outcome.text } : outcome
  }
}

/**
 * The scenarios of a provider a web app can run: not client-credentials
 * providers (no user), not providers it does not sign in with, and not
 * scenarios making calls it has no control for; each skipped one with why.
 */
export function webAppScenarios(
  provider: string,
  app: WebAppOptions,
  all: Scenario[],
): { scenarios: Scenario[]; skipped: Array<{ scenario: string; reason: string }> } {
  const name = app.name ?? new URL(app.url).host
  const providers =
    app.providers ??
    Object.values(PROFILES)
      .filter((p) => p.grant === 'authorization_code')
      .map((p) => p.id)
  const fit = browserScenarios(provider, { name, providers }, all)
  const scenarios: Scenario[] = []
  for (const scenario of fit.scenarios) {
    const missing = scenario.steps.flatMap((s) => (s.do === 'call' && !app.calls?.[s.operation] ? [s.operation] : []))
    if (missing.length)
      fit.skipped.push({ scenario: `${provider}/${scenario.id}`, reason: `${name} has no control configured for ${[...new Set(missing)].join(', ')}` })
    else scenarios.push(scenario)
  }
  return { scenarios, skipped: fit.skipped }
}
