import { cloud66Fixtures } from '../../fixtures/cloud66.js'
import { CLOUD66_SCOPES } from '../../mocks/providers/cloud66/config.js'
import type { Store } from '../../mocks/store/index.js'
import { expect, pathOf, test } from './support.js'

test.use({ provider: 'cloud66', oauthDanceProviders: ['cloud66'] })

const [rails, sinatra] = cloud66Fixtures.stacks

test.describe('Cloud 66 in a browser, through the example app', () => {
  test('a developer registers the app on the Developers page, then signs in with it and sees their stacks', async ({
    page,
    oauthProvider,
    oauthPages,
    unregisteredExampleApp,
  }) => {
    const app = await unregisteredExampleApp()
    await page.goto(`${oauthProvider.baseUrl}/oauth/applications/new`)
    await expect(page.getByTestId('login-prompt')).toHaveText('Sign in to Cloud 66')
    await oauthPages.logIn()
    await page.getByLabel('Name').fill('Example App')
    await page.getByLabel('OAuth 2.0 callback URL').fill(app.redirectUri)
    await page.getByTestId('application-submit').click()
    await expect(page.getByTestId('application-callback-url')).toHaveText(app.redirectUri)
    app.useClient({
      clientId: (await page.getByTestId('application-id').innerText()).trim(),
      clientSecret: (await page.getByTestId('application-secret').innerText()).trim(),
    })
    // Sign out of Cloud 66, so the dance shows its login page.
    await page.context().clearCookies()

    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    expect(page.url().startsWith(`${oauthProvider.baseUrl}/users/sign_in?return_to=`)).toBe(true)
    await expect(page.getByTestId('login-prompt')).toHaveText('Sign in to Cloud 66 to authorize Example App')
    await expect(page.getByLabel('Email or username')).toBeVisible()
    await oauthPages.capture('cloud66 login page')
    await oauthPages.logIn()

    await expect(page.getByTestId('consent-app-name')).toHaveText('Example App')
    await expect(page.getByTestId('consent-scopes').getByRole('listitem')).toHaveText([CLOUD66_SCOPES.public])
    await oauthPages.capture('cloud66 consent page')
    await oauthPages.approve()

    expect(page.url()).toBe(`${app.url}/`)
    await expect(page.getByTestId('signed-in')).toHaveText('Your Cloud 66 stacks')
    await expect(page.getByTestId('user-data').locator('dt')).toHaveText([rails.name, sinatra.name])
    await expect(page.getByTestId('user-data').locator('dd')).toHaveText([rails.environment, sinatra.environment])
    const [exchange] = oauthProvider.runtime.journal.entries().filter((e) => e.route === 'cloud66.token')
    expect(exchange.response.status).toBe(200)
    expect(exchange.request.headers.accept).toBe('application/json')
    expect(Object.fromEntries(new URLSearchParams(exchange.request.body))).toMatchObject({ grant_type: 'authorization_code', redirect_uri: app.redirectUri })
  })

  test('deny: the app says Cloud 66 did not authorize it, and no code is exchanged', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp({ redirectUris: ['callback'] })
    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    await oauthPages.logIn()
    await oauthPages.deny()
    await expect(page.getByTestId('login-failed')).toHaveText('Cloud 66 did not authorize the app (access_denied).')
    expect(new URL(page.url()).searchParams.get('state')).not.toBeNull()
    expect(oauthProvider.runtime.journal.entries().filter((e) => e.route === 'cloud66.token')).toEqual([])
  })

  test('a callback with a forged state is refused, and its code is never redeemed', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp({ redirectUris: ['callback'] })
    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    await expect(page.getByTestId('login-form')).toBeVisible()
    await page.goto(
      `${oauthProvider.baseUrl}/oauth/authorize?${new URLSearchParams({ client_id: app.client.clientId, redirect_uri: app.redirectUri, response_type: 'code', scope: 'public', state: 'forged-by-attacker' })}`,
    )
    await oauthPages.logIn()
    await oauthPages.approve()
    await expect(page.getByTestId('login-failed')).toHaveText(
      'The state parameter does not match the login this browser started, so the app refused this callback.',
    )
    expect(oauthProvider.runtime.journal.entries().filter((e) => e.route === 'cloud66.token')).toEqual([])
    const codes = (oauthProvider.runtime.store as Store).codes.collection.findMany((q) => q.where({ clientId: app.client.clientId }))
    expect(codes.map((c) => c.redeemedAtMs)).toEqual([null])
  })

  test('out of band: an app registered with the urn callback gets its code from the page Cloud 66 shows', async ({ page, oauthPages, exampleApp }) => {
    const app = await exampleApp({ redirectUris: ['oob'] })
    await page.goto(`${app.url}/oob`)
    await page.getByTestId('oob-authorize-link').click()
    await oauthPages.logIn()
    await oauthPages.approve()
    const code = await oauthPages.readOobCode()
    expect(code).toMatch(/^[0-9a-f]{64}$/)
    await oauthPages.capture('cloud66 out-of-band code page')
    await page.goto(`${app.url}/oob`)
    await page.getByLabel('Authorization code').fill(code)
    await page.getByTestId('oob-submit').click()
    await expect(page.getByTestId('user-data').locator('dt')).toHaveText([rails.name, sinatra.name])
  })

  test('a user already signed in to Cloud 66 goes straight to consent, and once granted not even there', async ({
    page,
    oauthProvider,
    oauthPages,
    exampleApp,
  }) => {
    const app = await exampleApp({ redirectUris: ['callback'] })
    await page.goto(`${oauthProvider.baseUrl}/users/sign_in`)
    await oauthPages.logIn()

    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    expect(pathOf(page)).toBe('/oauth/authorize')
    await oauthPages.approve()
    await expect(page.getByTestId('signed-in')).toBeVisible()

    await page.getByTestId('logout-button').click()
    await page.getByTestId('login-button').click()
    expect(page.url()).toBe(`${app.url}/`)
    await expect(page.getByTestId('signed-in')).toBeVisible()
    expect(oauthProvider.runtime.journal.entries().filter((e) => e.route === 'cloud66.login-page')).toHaveLength(1)
    expect(
      oauthProvider.runtime.journal
        .entries()
        .filter((e) => e.route === 'cloud66.authorize')
        .map((e) => e.response.status),
    ).toEqual([200, 302])
  })

  test('revoking the app under Account/Apps makes the next login ask for consent again', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp({ redirectUris: ['callback'] })
    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    await oauthPages.logIn()
    await oauthPages.approve()
    await expect(page.getByTestId('signed-in')).toBeVisible()
    await page.getByTestId('logout-button').click()

    await page.goto(`${oauthProvider.baseUrl}/oauth/authorized_applications`)
    const row = page.getByTestId('authorized-applications').getByRole('row', { name: /Example App/ })
    await row.getByTestId('revoke-application').click()
    await expect(page.getByTestId('no-authorized-applications')).toBeVisible()
    const store = oauthProvider.runtime.store as Store
    expect(store.tokens.collection.findMany((q) => q.where({ clientId: app.client.clientId })).map((t) => t.revokedAtMs !== null)).toEqual([true])

    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    expect(pathOf(page)).toBe('/oauth/authorize')
    await expect(page.getByTestId('consent-form')).toBeVisible()
  })
})
