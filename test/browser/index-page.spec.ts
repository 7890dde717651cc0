import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test as plainTest } from '@playwright/test'
import { expect, test } from './support.js'
import { serve, type RunningServer } from '../../mocks/server.js'
import { carinaFixtures } from '../../fixtures/carina.js'

test.use({ provider: 'carina', oauthDanceProviders: ['carina', 'keystone'] })

/**
 * The index page at /__oauth-dance/ (issue 14) in Debian's Chromium: readable,
 * quiet, self-contained, and out of reach of other sites.
 */

test('shows what is running, readable at a glance, with no console errors and no request of its own', async ({ page, oauthProvider, oauthPages }) => {
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  const requests: string[] = []
  page.on('request', (request) => requests.push(request.url()))

  const index = `${oauthProvider.baseUrl}/__oauth-dance/`
  const response = await page.goto(index)
  expect(response!.status()).toBe(200)
  expect(await response!.headerValue('x-frame-options')).toBe('DENY')
  expect(await response!.headerValue('content-security-policy')).toMatch(
    /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:; base-uri 'none'; frame-ancestors 'none'$/,
  )

  await expect(page).toHaveTitle('oauth-dance: carina')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('carina: what is running')
  const [client] = oauthProvider.clients
  const clients = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Client id' }) })
  await expect(clients.getByRole('rowheader', { name: client.id })).toBeVisible()
  await expect(clients.getByText(client.secret!, { exact: true })).toBeVisible()
  await expect(page.getByTestId('index-users').getByRole('rowheader', { name: 'carolynvs' })).toBeVisible()
  await expect(page.getByTestId('index-options').getByRole('rowheader', { name: 'tokenErrorStatus' })).toBeVisible()
  await expect(page.getByTestId('index-strictness')).toHaveText('strict')
  await expect(page.getByTestId('index-providers').getByRole('link', { name: 'keystone index' })).toBeVisible()
  // Nothing to scroll sideways for at a laptop's width.
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
  await oauthPages.capture('oauth-dance index page')

  // A shortcut shows up among the latest exchanges after a reload.
  await page.request.post(`${oauthProvider.baseUrl}/__oauth-dance/authorize`, {
    data: { client: client.id, redirectUri: 'urn:ietf:wg:oauth:2.0:oob', scope: 'identity' },
  })
  await page.reload()
  await expect(page.getByTestId('index-journal').getByRole('row').nth(1)).toContainText('carina.authorize')
  await expect(page.getByTestId('index-journal').getByRole('row').nth(1)).toContainText('authorize shortcut')

  expect(problems).toEqual([])
  expect(requests).toEqual([index, index])
})

// Without the fixtures' msw network: Playwright's context routing skips the browser's CORS preflight,
// and what is tested here is what a browser does with a real one.
plainTest.describe('another site', () => {
  let attacker: Server
  let attackerUrl = ''
  let running: RunningServer
  let base = ''
  plainTest.beforeAll(async () => {
    running = await serve({ portBase: 0, providers: ['carina'], log: null })
    base = running.listeners[0].url
    attacker = createServer((req, res) => {
      const target = new URL(req.url ?? '/', 'http://x').searchParams.get('target') ?? ''
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><title>attacker</title><iframe id="victim" src="${target}" onload="document.title = 'framed'"></iframe>`)
    })
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
    // "localhost" against the providers' 127.0.0.1: another site, not only another origin.
    attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`
  })
  plainTest.afterAll(async () => {
    await new Promise((resolve) => attacker.close(resolve))
    await running.close()
  })

  plainTest('cannot frame the index page', async ({ page }) => {
    const index = `${base}/__oauth-dance/`
    await page.goto(`${attackerUrl}?target=${encodeURIComponent(index)}`)
    await expect(page).toHaveTitle('framed')
    const frame = page.frames().find((f) => f !== page.mainFrame())!
    const shown = await frame.content().catch(() => '')
    expect(shown).not.toContain('what is running')
    expect(shown).not.toContain(carinaFixtures.application.clientSecret)
  })

  plainTest('cannot read the index or change clients with a fetch', async ({ page }) => {
    await page.goto(`${attackerUrl}?target=about:blank`)
    const outcomes = await page.evaluate(async (base) => {
      const attempt = (promise: Promise<Response>) =>
        promise.then(
          (r) => `answered ${r.type} ${r.status}`,
          (e: Error) => `refused: ${e.name}`,
        )
      const evil = JSON.stringify({ name: 'evil', redirectUris: ['https://evil.example/cb'] })
      return {
        index: await attempt(fetch(`${base}/__oauth-dance/index.json`)),
        // application/json needs a CORS preflight, which the control paths never grant.
        addJson: await attempt(fetch(`${base}/__oauth-dance/clients`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: evil })),
        // Sent without a preflight (text/plain, a "simple" request): refused for not being JSON, answer hidden.
        addPlain: await attempt(fetch(`${base}/__oauth-dance/clients`, { method: 'POST', mode: 'no-cors', body: evil })),
      }
    }, base)
    expect(outcomes).toEqual({ index: 'refused: TypeError', addJson: 'refused: TypeError', addPlain: 'answered opaque 0' })
    // Nothing changed: the one seeded client is all there is.
    expect(running.providers.carina!.clients.list().map((c) => (c as { name: string }).name)).toEqual(['My Cool App'])
  })
})
