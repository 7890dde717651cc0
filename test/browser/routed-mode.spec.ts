import { http, HttpResponse } from 'msw'
import { carinaFixtures } from '../../fixtures/carina.js'
import { CARINA_BASE_URL } from '../../mocks/providers/carina/config.js'
import { expect, pathOf, test } from './support.js'

// The app under test keeps Carina's production URL; the browser context and this process route it to the mock.
test.use({ oauthDanceMode: 'route', oauthDanceProviders: ['carina'], provider: 'carina' })

test.describe('route mode: Carina at https://oauth.getcarina.com', () => {
  test('the app signs in against the production origin, and the provider keeps its session cookie', async ({
    page,
    context,
    oauthProvider,
    oauthPages,
    exampleApp,
  }) => {
    expect(oauthProvider.baseUrl).toBe(CARINA_BASE_URL)
    const app = await exampleApp()
    await page.goto(app.url)
    await page.getByTestId('login-button').click()

    // Every hop of the redirect chain shows the real URL.
    expect(page.url().startsWith('https://oauth.getcarina.com/login?return_to=%2Foauth%2Fauthorize%3Fclient_id%3D')).toBe(true)
    await oauthPages.logIn()
    expect(page.url().startsWith('https://oauth.getcarina.com/oauth/authorize?client_id=')).toBe(true)
    await oauthPages.approve()
    await expect(page.getByTestId('data-username')).toHaveText(carinaFixtures.user.username)

    const cookies = await context.cookies('https://oauth.getcarina.com')
    expect(cookies.map(({ name, domain, path, httpOnly, secure, sameSite }) => ({ name, domain, path, httpOnly, secure, sameSite }))).toEqual([
      { name: '_carina_oauth_session', domain: 'oauth.getcarina.com', path: '/', httpOnly: true, secure: true, sameSite: 'Lax' },
    ])
    // The app's server-side exchange reached the same provider (msw in this process), at the production URL.
    const [exchange] = oauthProvider.runtime.journal.entries().filter((e) => e.route === 'carina.token')
    expect(exchange.request.url).toBe('https://oauth.getcarina.com/oauth/token')
    expect(exchange.response.status).toBe(200)
  })

  test('the session cookie carries across redirects: a logged-in user skips the login page', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp()
    await page.goto('https://oauth.getcarina.com/login')
    await oauthPages.logIn()
    expect(page.url()).toBe('https://oauth.getcarina.com/oauth/applications')

    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    expect(pathOf(page)).toBe('/oauth/authorize')
    await oauthPages.deny()
    await expect(page.getByTestId('login-failed')).toHaveText('Carina did not authorize the app (access_denied).')
    expect(oauthProvider.runtime.journal.entries().filter((e) => e.route === 'carina.login-page')).toHaveLength(1)
  })

  test('network.use() overrides the first request of a navigation in the browser', async ({ page, network, oauthProvider }) => {
    network.use(
      http.get(
        'https://oauth.getcarina.com/oauth/authorize',
        () => new HttpResponse('Down for maintenance', { status: 503, headers: { 'Content-Type': 'text/plain' } }),
      ),
    )
    const response = await page.goto(`https://oauth.getcarina.com/oauth/authorize?client_id=${carinaFixtures.application.clientId}`)
    expect(response?.status()).toBe(503)
    await expect(page.locator('body')).toHaveText('Down for maintenance')
    // The provider never saw it.
    expect(oauthProvider.runtime.journal.entries()).toEqual([])
  })
})
