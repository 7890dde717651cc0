import { chromium, type Browser } from '@playwright/test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseChromium } from './chromium.js'
import { scenariosFor } from '../scenarios/index.js'
import { runScenarios, type CheckReport } from '../runner.js'
import { browserClient, browserScenarios } from './browser.js'
import { exampleBrowserApp } from './browser-example-app.js'

const flagged = (checks: CheckReport[]) => checks.filter((c) => c.result === 'fail' || c.result === 'warning')

/**
 * The example web app in real Chromium, over sockets: the correct app passes
 * every Carina scenario with no flag, and each broken mode is flagged by
 * exactly the rule it breaks, in the scenarios where it breaks it and nowhere
 * else. One browser for the file, a context per scenario. A browser step
 * costs about 0.2 s of CPU, so the broken modes run the scenarios that judge
 * their rule beside ones that must stay clean (all 18 take about 25 s each).
 */
describe('browser adapter: the example app in Chromium on Carina', { timeout: 180_000 }, () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await chromium.launch(chooseChromium().launchOptions)
  })
  afterAll(async () => {
    await browser?.close()
  })
  const run = (broken?: 'ignores-state' | 'token-in-query', only?: string[]) =>
    runScenarios({
      provider: 'carina',
      client: browserClient(exampleBrowserApp({ broken }), { browser }),
      scenarios: scenariosFor('carina', only),
      transport: 'sockets',
    })

  it('passes the correct app on all 18 scenarios, with outcomes read from its pages', async () => {
    const result = await run()
    expect(result.client).toBe('browser:example-app')
    expect(result.scenarios.map((s) => s.scenario)).toEqual(scenariosFor('carina').map((s) => `carina/${s.id}`))
    expect(result.scenarios).toHaveLength(18)
    expect(flagged(result.checks)).toEqual([])
    expect(result.passed).toBe(true)

    const outcomes = (id: string) => result.scenarios.find((s) => s.scenario === `carina/${id}`)!.steps.map((s) => s.outcome)
    const updated = { ok: true, status: 200, data: 'Your data is up to date.' }
    expect(outcomes('happy-path')).toEqual([{ ok: true }, updated])
    expect(outcomes('access-denied')).toEqual([{ ok: false, error: 'access_denied', description: 'Carina did not authorize the app (access_denied).' }])
    expect(outcomes('state-mismatch')).toEqual([
      {
        ok: false,
        error: 'state_mismatch',
        description: 'The state parameter does not match the login this browser started, so the app refused this callback.',
      },
    ])
    expect(outcomes('expired-token')).toEqual([{ ok: true }, updated, undefined, updated])
    expect(outcomes('token-slow-answer')).toEqual([
      undefined,
      { ok: false, error: 'timeout', description: 'Signing in failed: Carina did not answer in 1000 ms.' },
      updated,
    ])
    expect(outcomes('token-unavailable')).toEqual([undefined, { ok: true }, updated])
    expect(outcomes('cluster-polling')).toEqual([
      { ok: true },
      { ok: true, status: 201, data: 'Cluster mycluster is building.' },
      { ok: true, status: 200, data: 'Credentials ready: 5990 bytes of application/zip.' },
    ])

    // The browser's trip to the provider stops at the hand-off: the provider sees each authorization once (the runner's user),
    // then the code exchange and the app's calls come from the app's server.
    const routes = (id: string) =>
      result.scenarios.find((s) => s.scenario === `carina/${id}`)!.exchanges.map((e) => `${e.request.method} ${e.route} ${e.response.status}`)
    expect(routes('happy-path')).toEqual([
      'GET carina.authorize 302',
      'GET carina.login-page 200',
      'POST carina.login 302',
      'GET carina.authorize 200',
      'POST carina.consent 302',
      'POST carina.token 200',
      'GET carina.me 200',
      'GET carina.me 200',
    ])
    // Revoked: the app's next call is refused, its refresh too (Doorkeeper answers 401 invalid_grant); the page asks for a new login,
    // the runner plays the user (still logged in at Carina; the user removed the app, so Doorkeeper asks for consent again), and the call is made again.
    expect(routes('refresh-token-revoked').slice(8)).toEqual([
      'GET carina.me 401',
      'POST carina.token 401',
      'GET carina.authorize 200',
      'POST carina.consent 302',
      'POST carina.token 200',
      'GET carina.me 200',
      'GET carina.me 200',
    ])
    expect(outcomes('refresh-token-revoked')).toEqual([{ ok: true }, updated, undefined, updated])
    // Polled every 30 s of mock clock while the cluster built (150 s), never by waiting.
    const polls = result.scenarios.find((s) => s.scenario === 'carina/cluster-polling')!.exchanges.filter((e) => e.route === 'carina.cluster-credentials')
    expect(polls.map((e) => [e.atMs - polls[0].atMs, e.response.status])).toEqual([
      [0, 404],
      [30_000, 404],
      [60_000, 404],
      [90_000, 404],
      [120_000, 404],
      [150_000, 200],
    ])
  })

  it('flags the app that skips the state check by reject-state-mismatch alone', async () => {
    const result = await run('ignores-state', ['happy-path', 'access-denied', 'state-mismatch', 'refresh-token-revoked'])
    expect(result.scenarios).toHaveLength(4)
    expect(flagged(result.checks).map((c) => [c.scenario, c.rule, c.result, c.exchange?.route])).toEqual([
      ['carina/state-mismatch', 'reject-state-mismatch', 'fail', 'carina.token'],
    ])
    expect(result.passed).toBe(false)
    // It signed in with the attacker's code: the page said so.
    expect(result.scenarios.find((s) => s.scenario === 'carina/state-mismatch')!.steps.map((s) => s.outcome)).toEqual([{ ok: true }])
  })

  it('flags the app that sends the token in the query by send-token-as-documented alone', async () => {
    const result = await run('token-in-query', ['happy-path', 'access-denied', 'expired-token', 'api-rate-limited'])
    expect(result.scenarios).toHaveLength(4)
    // Every scenario with a protected call flags it (after a refresh and a Retry-After too); a denied login makes no call.
    expect(flagged(result.checks).map((c) => [c.scenario, c.rule])).toEqual([
      ['carina/happy-path', 'send-token-as-documented'],
      ['carina/expired-token', 'send-token-as-documented'],
      ['carina/api-rate-limited', 'send-token-as-documented'],
    ])
    expect(flagged(result.checks)[0]).toMatchObject({
      result: 'fail',
      expected: 'Authorization: bearer <access_token>',
      actual: 'query parameter access_token',
      exchange: { method: 'GET', route: 'carina.me', url: expect.stringMatching(/\/me\?access_token=<access_token#1>$/) },
    })
  })

  it('skips what a browser app cannot run, saying why', () => {
    const app = exampleBrowserApp()
    expect(browserScenarios('carina', app, scenariosFor('carina')).skipped).toEqual([])
    const keystone = browserScenarios('keystone', app, scenariosFor('keystone'))
    expect(keystone.scenarios).toEqual([])
    expect(keystone.skipped[0]).toEqual({
      scenario: 'keystone/happy-path',
      reason: 'keystone uses client credentials: there is no user, so no browser to drive',
    })
    expect(keystone.skipped).toHaveLength(scenariosFor('keystone').length)
    expect(browserScenarios('carina', { name: 'my-app', providers: ['gocd'] }, scenariosFor('carina', ['happy-path'])).skipped).toEqual([
      { scenario: 'carina/happy-path', reason: 'my-app does not sign in with carina (it supports gocd)' },
    ])
  })
})
