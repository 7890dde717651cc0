import { createServer } from 'node:http'
import { freePort } from '../../test/support/free-port.js'
import { chromium, type Browser } from '@playwright/test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseChromium } from './chromium.js'
import { scenariosFor } from '../scenarios/index.js'
import { runScenarios, type CheckReport } from '../runner.js'
import { webAppClient, webAppEnvironment, webAppScenarios, type WebAppOptions } from './browser-app.js'

const flagged = (checks: CheckReport[]) => checks.filter((c) => c.result === 'fail' || c.result === 'warning')

/** The plain node:http app (conformance/clients/plain-app), described the way a team describes its own app: selectors only. */
const plainApp = (port: number, broken?: string): WebAppOptions => ({
  name: broken ? `plain-app:${broken}` : 'plain-app',
  url: `http://127.0.0.1:${port}/`,
  start: `${broken ? `PLAIN_APP_BROKEN=${broken} ` : ''}node conformance/clients/plain-app/app.mjs`,
  signIn: 'role=button[name="Sign in with Carina"]',
  signedIn: '#signed-in',
  error: '.error',
  calls: { me: { action: 'role=button[name="Reload profile"]', result: '#result' } },
  providers: ['carina'],
})

/**
 * Any web app in Chromium: the plain node:http app, written unlike the
 * bundled example (no framework, results rendered by fetch), started per
 * scenario by its command, passes every Carina scenario it can run; its
 * broken mode is flagged by exactly the rule it breaks.
 */
describe('browser adapter for any app: the plain node:http app on Carina', { timeout: 240_000 }, () => {
  let browser: Browser
  let port: number
  beforeAll(async () => {
    browser = await chromium.launch(chooseChromium().launchOptions)
    port = await freePort()
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('passes the correct app on every scenario it has controls for, and skips the rest saying why', async () => {
    const app = plainApp(port)
    const fit = webAppScenarios('carina', app, scenariosFor('carina'))
    expect(fit.skipped).toEqual([{ scenario: 'carina/cluster-polling', reason: 'plain-app has no control configured for create-cluster, cluster-credentials' }])
    const result = await runScenarios({ provider: 'carina', client: webAppClient(app, { browser }), scenarios: fit.scenarios, transport: 'sockets' })
    expect(result.client).toBe('browser:plain-app')
    expect(result.scenarios).toHaveLength(scenariosFor('carina').length - 1)
    expect(flagged(result.checks)).toEqual([])
    expect(result.passed).toBe(true)
    const outcomes = (id: string) => result.scenarios.find((s) => s.scenario === `carina/${id}`)!.steps.map((s) => s.outcome)
    expect(outcomes('happy-path')).toEqual([{ ok: true }, { ok: true, data: expect.stringMatching(/^Profile: \{/) }])
    expect(outcomes('access-denied')).toEqual([{ ok: false, error: 'access_denied', description: expect.any(String) }])
    expect(outcomes('state-missing')[0]).toEqual({
      ok: false,
      error: 'state_mismatch',
      description: 'this callback does not belong to a sign-in started in this browser',
    })
    // The app waited out Retry-After on the mock clock it reads through OAUTH_DANCE_CLOCK_URL.
    const limited = result.scenarios.find((s) => s.scenario === 'carina/api-rate-limited')!.exchanges.filter((e) => e.route === 'carina.me')
    expect(limited.map((e) => [e.response.status, (e.atMs - limited[0].atMs) / 1000])).toEqual([
      [429, 0],
      [200, 20],
    ])
  })

  it('flags the app that accepts a callback without state by reject-state-mismatch, in the scenario that sends one', async () => {
    const result = await runScenarios({
      provider: 'carina',
      client: webAppClient(plainApp(port, 'accepts-missing-state'), { browser }),
      scenarios: scenariosFor('carina', ['happy-path', 'state-mismatch', 'state-missing']),
      transport: 'sockets',
    })
    const flags = flagged(result.checks)
    expect(flags.find((c) => c.rule === 'reject-state-mismatch')).toMatchObject({
      scenario: 'carina/state-missing',
      result: 'fail',
      message: 'the client redeemed the code of a redirect that carried no state',
      exchange: { route: 'carina.token' },
    })
    // The consequence: signed in with the attacker's code, the app no longer offers the user's own sign-in.
    expect(flags.map((c) => [c.scenario, c.rule])).toEqual([
      ['carina/state-missing', 'reach-expected-outcome'],
      ['carina/state-missing', 'reject-state-mismatch'],
    ])
    expect(flags[0].actual).toMatch(/shows no sign-in control/)
  })

  it('gives a started app the provider, its client and the clock in OAUTH_DANCE_* variables', () => {
    const env = webAppEnvironment(
      {
        provider: 'carina',
        authorizationEndpoint: 'http://127.0.0.1:5000/oauth/authorize',
        tokenEndpoint: 'http://127.0.0.1:5000/oauth/token',
        apiBaseUrl: 'http://127.0.0.1:5000',
        clientId: 'id',
        clientSecret: 'secret',
        redirectUri: 'https://example.com/cb',
        requestTimeoutMs: 5000,
      },
      'http://127.0.0.1:4390/',
    )
    expect(env).toEqual({
      PORT: '4390',
      OAUTH_DANCE_PROVIDER: 'carina',
      OAUTH_DANCE_AUTHORIZATION_ENDPOINT: 'http://127.0.0.1:5000/oauth/authorize',
      OAUTH_DANCE_TOKEN_ENDPOINT: 'http://127.0.0.1:5000/oauth/token',
      OAUTH_DANCE_API_BASE_URL: 'http://127.0.0.1:5000',
      OAUTH_DANCE_CLIENT_ID: 'id',
      OAUTH_DANCE_CLIENT_SECRET: 'secret',
      OAUTH_DANCE_REDIRECT_URI: 'https://example.com/cb',
      OAUTH_DANCE_REQUEST_TIMEOUT_MS: '5000',
      OAUTH_DANCE_CLOCK_URL: 'http://127.0.0.1:5000/__oauth-dance/clock',
    })
  })

  it('refuses an app it cannot start or configure, saying what to give', () => {
    expect(() => webAppClient({ url: 'http://127.0.0.1:1/', signIn: '#x', signedIn: '#y' })).toThrow(
      'Failed to set up the web app http://127.0.0.1:1/: give a start command (the app gets the provider and its client in OAUTH_DANCE_* variables), or configure() for an app already running',
    )
  })

  it('refuses to start an app where something already answers, instead of judging that', async () => {
    const other = createServer((_req, res) => res.end('another app'))
    const busy = await freePort()
    await new Promise<void>((resolve) => other.listen(busy, '127.0.0.1', resolve))
    try {
      const client = webAppClient({ ...plainApp(busy) }, { browser })
      await expect(
        client.start(
          { provider: 'carina', tokenEndpoint: 'http://127.0.0.1:1/oauth/token', apiBaseUrl: '', clientId: '', clientSecret: '', requestTimeoutMs: 1000 },
          { fetch, now: () => 0, sleep: async () => {} },
        ),
      ).rejects.toThrow(
        `something already answers at http://127.0.0.1:${busy}/ before "node conformance/clients/plain-app/app.mjs" ran: stop it, or give the app another port`,
      )
    } finally {
      await new Promise((resolve) => other.close(resolve))
    }
  })

  it('reports an app whose start command dies, with its output', async () => {
    const client = webAppClient({ ...plainApp(port), start: 'node conformance/clients/plain-app/app.mjs', providers: ['carina'] }, { browser })
    await expect(
      client.start(
        { provider: 'carina', tokenEndpoint: 'http://127.0.0.1:1/oauth/token', apiBaseUrl: '', clientId: '', clientSecret: '', requestTimeoutMs: 1000 },
        { fetch, now: () => 0, sleep: async () => {} },
      ),
    ).rejects.toThrow(/exited \(2\) before .* answered:\nplain-app: missing configuration authorizationEndpoint/)
  })
})
