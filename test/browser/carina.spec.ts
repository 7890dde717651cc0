import { carinaFixtures } from '../../fixtures/carina.js'
import type { Store } from '../../mocks/store/index.js'
import { expect, OOB_REDIRECT_URI, pathOf, test } from './support.js'

test.use({ provider: 'carina', oauthDanceProviders: ['carina'] })

const user = carinaFixtures.user

test.describe('Carina in a browser, through the example app', () => {
  test('signs in: Login, log in, approve, and the app shows the profile', async ({ page, oauthProvider, oauthPages, exampleApp, browserTraffic }) => {
    const app = await exampleApp()
    await page.goto(app.url)
    await expect(page.getByTestId('signed-out')).toBeVisible()
    await page.getByTestId('login-button').click()

    // The provider's login page, naming the application.
    expect(page.url().startsWith(`${oauthProvider.baseUrl}/login?return_to=`)).toBe(true)
    await expect(page.getByTestId('login-prompt')).toHaveText('Enter your Rackspace login info to authorize Example App')
    await expect(page.getByLabel('Rackspace username')).toBeVisible()
    await expect(page.getByLabel('Password')).toBeVisible()
    await oauthPages.capture('carina login page')
    await oauthPages.logIn()

    // Consent: the application's name and the scope in words.
    expect(pathOf(page)).toBe('/oauth/authorize')
    await expect(page.getByTestId('consent-app-name')).toHaveText('Example App')
    await expect(page.getByTestId('consent-scopes').getByRole('listitem')).toHaveText(['Read your public profile'])
    await oauthPages.capture('carina consent page')
    await oauthPages.approve()

    expect(page.url()).toBe(`${app.url}/`)
    await expect(page.getByTestId('signed-in')).toHaveText('Your Carina profile')
    await expect(page.getByTestId('data-username')).toHaveText(user.username)
    await expect(page.getByTestId('data-full-name')).toHaveText(user.full_name)
    await expect(page.getByTestId('data-email')).toHaveText(user.email)

    // The code was exchanged server-side, with the secret, in the document's JSON form...
    const tokenRequests = oauthProvider.runtime.journal.entries().filter((e) => e.route === 'carina.token')
    expect(tokenRequests).toHaveLength(1)
    expect(tokenRequests[0].response.status).toBe(200)
    expect(JSON.parse(tokenRequests[0].request.body)).toMatchObject({
      client_id: app.client.clientId,
      client_secret: app.client.clientSecret,
      grant_type: 'authorization_code',
      redirect_uri: app.redirectUri,
    })
    // ...and the browser never carried the secret or an access token.
    const token = (oauthProvider.runtime.store as Store).tokens.collection.findFirst((q) => q.where({ clientId: app.client.clientId }))!
    expect(browserTraffic.length).toBeGreaterThan(5)
    expect(browserTraffic.filter((t) => t.includes(app.client.clientSecret) || t.includes(token.token))).toEqual([])
  })

  test('deny: the app says Carina did not authorize it, and no code is exchanged', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp()
    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    await oauthPages.logIn()
    await oauthPages.deny()

    expect(page.url().startsWith(`${app.url}/callback?error=access_denied&`)).toBe(true)
    await expect(page.getByTestId('login-failed')).toHaveText('Carina did not authorize the app (access_denied).')
    expect(oauthProvider.runtime.journal.entries().filter((e) => e.route === 'carina.token')).toEqual([])
    await page.getByTestId('home-link').click()
    await expect(page.getByTestId('signed-out')).toBeVisible()
  })

  test('a callback with a forged state is refused, and its code is never redeemed', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp()
    await page.goto(app.url)
    // The user starts a login of their own (the app remembers its state)...
    await page.getByTestId('login-button').click()
    await expect(page.getByTestId('login-form')).toBeVisible()
    // ...and is then led through an attacker's authorization link with the attacker's state.
    const forged = new URL(`${oauthProvider.baseUrl}/oauth/authorize`)
    forged.search = new URLSearchParams({
      client_id: app.client.clientId,
      redirect_uri: app.redirectUri,
      response_type: 'code',
      scope: 'identity',
      state: 'forged-by-attacker',
    }).toString()
    await page.goto(forged.toString())
    await oauthPages.logIn()
    await oauthPages.approve()

    expect(page.url().startsWith(`${app.url}/callback?code=`)).toBe(true)
    expect(new URL(page.url()).searchParams.get('state')).toBe('forged-by-attacker')
    await expect(page.getByTestId('login-failed')).toHaveText(
      'The state parameter does not match the login this browser started, so the app refused this callback.',
    )
    expect(oauthProvider.runtime.journal.entries().filter((e) => e.route === 'carina.token')).toEqual([])
    const codes = (oauthProvider.runtime.store as Store).codes.collection.findMany((q) => q.where({ clientId: app.client.clientId }))
    expect(codes.map((c) => c.redeemedAtMs)).toEqual([null])
  })

  test('out of band: Carina shows the code, the user pastes it into the app', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp()
    await page.goto(app.url)
    await page.getByTestId('oob-link').click()
    await page.getByTestId('oob-authorize-link').click()
    await oauthPages.logIn()
    await oauthPages.approve()

    expect(page.url()).toMatch(new RegExp(`^${oauthProvider.baseUrl.replace(/[.]/g, '\\.')}/oauth/authorize/[0-9a-f]{64}$`))
    const code = await oauthPages.readOobCode()
    expect(page.url().endsWith(`/${code}`)).toBe(true)
    await expect(page.getByText('Copy this code and paste it into Example App:')).toBeVisible()
    await oauthPages.capture('carina out-of-band code page')

    await page.goto(`${app.url}/oob`)
    await page.getByLabel('Authorization code').fill(code)
    await page.getByTestId('oob-submit').click()
    await expect(page.getByTestId('data-username')).toHaveText(user.username)
    const [exchange] = oauthProvider.runtime.journal.entries().filter((e) => e.route === 'carina.token')
    expect(JSON.parse(exchange.request.body)).toMatchObject({ code, redirect_uri: OOB_REDIRECT_URI })
    expect(exchange.response.status).toBe(200)
  })

  test('a user already logged in to Carina goes straight to consent, and once granted not even there', async ({
    page,
    oauthProvider,
    oauthPages,
    exampleApp,
  }) => {
    const app = await exampleApp()
    await page.goto(`${oauthProvider.baseUrl}/login`)
    await oauthPages.logIn()
    expect(pathOf(page)).toBe('/oauth/applications')

    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    // No login page on the way: the session cookie came along.
    expect(pathOf(page)).toBe('/oauth/authorize')
    await expect(page.getByTestId('consent-app-name')).toHaveText('Example App')
    await oauthPages.approve()
    await expect(page.getByTestId('data-username')).toHaveText(user.username)

    await page.getByTestId('logout-button').click()
    await page.getByTestId('login-button').click()
    // Doorkeeper skips consent for scopes already granted: straight back, signed in.
    expect(page.url()).toBe(`${app.url}/`)
    await expect(page.getByTestId('data-username')).toHaveText(user.username)
    const authorizePages = oauthProvider.runtime.journal.entries().filter((e) => e.route === 'carina.authorize')
    expect(authorizePages.map((e) => [e.response.status, e.notes.consentSkipped ?? false])).toEqual([
      [200, false],
      [302, true],
    ])
    expect(oauthProvider.runtime.journal.entries().filter((e) => e.route === 'carina.login-page')).toHaveLength(1)
  })

  test('revoking the app on Carina makes the next login ask for consent again', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp()
    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    await oauthPages.logIn()
    await oauthPages.approve()
    await expect(page.getByTestId('signed-in')).toBeVisible()
    await page.getByTestId('logout-button').click()

    await page.goto(`${oauthProvider.baseUrl}/oauth/authorized_applications`)
    const row = page.getByTestId('authorized-applications').getByRole('row', { name: /Example App/ })
    await expect(row).toHaveCount(1)
    await oauthPages.capture('carina authorized applications')
    await row.getByTestId('revoke-application').click()
    await expect(page.getByTestId('no-authorized-applications')).toBeVisible()
    const store = oauthProvider.runtime.store as Store
    expect(store.tokens.collection.findMany((q) => q.where({ clientId: app.client.clientId })).map((t) => t.revokedAtMs !== null)).toEqual([true])

    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    expect(pathOf(page)).toBe('/oauth/authorize')
    await expect(page.getByTestId('consent-form')).toBeVisible()
    await oauthPages.approve()
    await expect(page.getByTestId('data-username')).toHaveText(user.username)
  })
})
