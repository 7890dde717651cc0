import type { Page } from '@playwright/test'
import type { ProviderPageHelpers } from '../../playwright/index.js'
import type { ExampleApp } from '../../conformance/clients/example-app/server.js'
import type { Store } from '../../mocks/store/index.js'
import { expect, pathOf, test } from './support.js'

test.use({ provider: 'gocd', oauthDanceProviders: ['gocd'] })

/** Admin > OAuth Clients > New OAuth Client, as the document describes; returns to a logged-out browser. */
async function registerThroughAdmin(page: Page, baseUrl: string, oauthPages: ProviderPageHelpers, app: ExampleApp): Promise<void> {
  await page.goto(`${baseUrl}/go/oauth/admin/clients/new`)
  await oauthPages.logIn()
  await page.getByLabel('Name').fill('Example App')
  await page.getByLabel('Redirect URL').fill(app.redirectUri)
  await page.getByTestId('client-submit').click()
  await expect(page.getByTestId('client-redirect')).toHaveText(app.redirectUri)
  app.useClient({
    clientId: (await page.getByTestId('client-id').innerText()).trim(),
    clientSecret: (await page.getByTestId('client-secret').innerText()).trim(),
  })
  await page.context().clearCookies()
}

test.describe('GoCD in a browser, through the example app', () => {
  test('an admin registers the app under Admin > OAuth Clients; the user ticks the box and the app shows the pipelines', async ({
    page,
    oauthProvider,
    oauthPages,
    unregisteredExampleApp,
  }) => {
    // Two flows in one test (the admin's registration pages, then the user's sign-in and consent) run close to the
    // default timeout on a 2-core CI machine; slow() gives it three times the default.
    test.slow()
    const app = await unregisteredExampleApp()
    await registerThroughAdmin(page, oauthProvider.baseUrl, oauthPages, app)

    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    expect(page.url().startsWith(`${oauthProvider.baseUrl}/go/auth/login?return_to=`)).toBe(true)
    await expect(page.getByTestId('login-prompt')).toHaveText("Sign in to Go to authorize 'Example App'")
    await oauthPages.capture('gocd login page')
    await oauthPages.logIn()

    expect(pathOf(page)).toBe('/go/oauth/authorize')
    await expect(page.getByTestId('consent-prompt')).toHaveText("The service named 'Example App' wants to access Go on your behalf.")
    await expect(page.getByLabel("I authorize 'Example App' to access Go on my behalf")).not.toBeChecked()
    await oauthPages.tickConsent()
    await expect(page.getByLabel("I authorize 'Example App' to access Go on my behalf")).toBeChecked()
    await oauthPages.capture('gocd consent page, box ticked')
    await oauthPages.approve()

    expect(page.url()).toBe(`${app.url}/`)
    await expect(page.getByTestId('signed-in')).toHaveText('Your GoCD pipelines')
    const data = page.getByTestId('user-data')
    await expect(data.getByText('up42 :: up42_stage', { exact: true })).toHaveCount(1)
    await expect(page.getByTestId('data-project-0')).toHaveText('Success')
    const failedStage = data.locator('dt', { hasText: /^build-linux :: test$/ })
    await expect(failedStage).toHaveCount(1)
    await expect(failedStage.locator('xpath=following-sibling::dd[1]')).toHaveText('Failure')

    // The document's exchange: a form with the hyphenated grant type, the secret in the body.
    const [exchange] = oauthProvider.runtime.journal.entries().filter((e) => e.route === 'gocd.token')
    expect(exchange.response.status).toBe(200)
    expect(Object.fromEntries(new URLSearchParams(exchange.request.body))).toMatchObject({ grant_type: 'authorization-code', redirect_uri: app.redirectUri })
    const [feed] = oauthProvider.runtime.journal.entries().filter((e) => e.route === 'gocd.cctray')
    expect(feed.request.headers.authorization).toMatch(/^Token token="[0-9a-f]+"$/)
  })

  test('submitting with the box unticked is a refusal: access-denied, without state, and no code', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp({ redirectUris: ['callback'] })
    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    await oauthPages.logIn()
    await oauthPages.deny()
    expect(page.url()).toBe(`${app.url}/callback?error=access-denied`)
    await expect(page.getByTestId('login-failed')).toHaveText('GoCD did not authorize the app (access-denied).')
    expect(oauthProvider.runtime.journal.entries().filter((e) => e.route === 'gocd.token')).toEqual([])
    expect((oauthProvider.runtime.store as Store).codes.collection.findMany((q) => q.where({ clientId: app.client.clientId }))).toEqual([])
  })

  test('a callback with a forged state is refused, and its code is never exchanged', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp({ redirectUris: ['callback'] })
    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    await expect(page.getByTestId('login-form')).toBeVisible()
    await page.goto(
      `${oauthProvider.baseUrl}/go/oauth/authorize?${new URLSearchParams({ client_id: app.client.clientId, redirect_uri: app.redirectUri, response_type: 'code', state: 'forged-by-attacker' })}`,
    )
    await oauthPages.logIn()
    await oauthPages.approve()
    expect(new URL(page.url()).searchParams.get('state')).toBe('forged-by-attacker')
    await expect(page.getByTestId('login-failed')).toHaveText(
      'The state parameter does not match the login this browser started, so the app refused this callback.',
    )
    expect(oauthProvider.runtime.journal.entries().filter((e) => e.route === 'gocd.token')).toEqual([])
  })

  test('a user already signed in to Go goes straight to the consent form', async ({ page, oauthProvider, oauthPages, exampleApp }) => {
    const app = await exampleApp({ redirectUris: ['callback'] })
    await page.goto(`${oauthProvider.baseUrl}/go/auth/login`)
    await oauthPages.logIn()

    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    expect(pathOf(page)).toBe('/go/oauth/authorize')
    await expect(page.getByTestId('consent-form')).toBeVisible()
    await oauthPages.approve()
    await expect(page.getByTestId('signed-in')).toBeVisible()
    expect(oauthProvider.runtime.journal.entries().filter((e) => e.route === 'gocd.login-page')).toHaveLength(1)
  })

  test('an admin destroying the client cuts the app off: its token is gone and a new login stops at an error page', async ({
    page,
    oauthProvider,
    oauthPages,
    exampleApp,
  }) => {
    const app = await exampleApp({ redirectUris: ['callback'] })
    await page.goto(app.url)
    await page.getByTestId('login-button').click()
    await oauthPages.logIn()
    await oauthPages.approve()
    await expect(page.getByTestId('signed-in')).toBeVisible()
    const store = oauthProvider.runtime.store as Store
    expect(store.tokens.collection.findMany((q) => q.where({ clientId: app.client.clientId }))).toHaveLength(1)

    // GoCD has no user-side revocation; its administrator destroys the client (which deletes its tokens).
    await page.goto(`${oauthProvider.baseUrl}/go/oauth/admin/clients/${app.client.clientId}`)
    await page.getByTestId('client-destroy').click()
    await expect(page.getByTestId('clients')).not.toContainText('Example App')
    expect(store.tokens.collection.findMany((q) => q.where({ clientId: app.client.clientId }))).toEqual([])

    await page.goto(app.url)
    await page.getByTestId('logout-button').click()
    await page.getByTestId('login-button').click()
    await expect(page.getByTestId('authorize-error-code')).toHaveText('invalid-client-id')
  })
})
