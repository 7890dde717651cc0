import type { Page } from '@playwright/test'
import { expect, OOB_REDIRECT_URI, test } from './support.js'

test.use({ provider: 'carina', oauthDanceProviders: ['carina'] })

// Issue 6: an application name is attacker-controlled text. Each payload tries a different way out of its context.
const HOSTILE_NAME = `<img src=x onerror=alert(1)><script>alert(2)</script>"><svg onload=alert(3)>'<iframe srcdoc="<p>x">`

/** Elements and inline handlers the payload would create if it were parsed as markup. */
async function injectedMarkup(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('img, script, svg, iframe, [onerror], [onload]')].map((e) => e.outerHTML))
}

test.describe('pages show a hostile application name as text (issue 6)', () => {
  // Without the CSP, an unescaped name would run its handlers and open a dialog: what is tested here is the escaping.
  test.use({ bypassCSP: true })

  test('Carina: developer application pages, login prompt and consent page', async ({ page, oauthProvider, oauthPages }) => {
    const dialogs: string[] = []
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message())
      await dialog.dismiss()
    })

    await page.goto(`${oauthProvider.baseUrl}/oauth/applications/new`)
    await oauthPages.logIn()
    await page.getByLabel('Name').fill(HOSTILE_NAME)
    await page.getByLabel('Redirect URI').fill(OOB_REDIRECT_URI)
    await page.getByTestId('application-submit').click()

    // The application's page.
    await expect(page.getByTestId('application-title')).toHaveText(HOSTILE_NAME)
    expect(await page.title()).toBe(`Application: ${HOSTILE_NAME}`)
    expect(await injectedMarkup(page)).toEqual([])
    await oauthPages.capture('carina application page with a hostile name')
    const clientId = (await page.getByTestId('application-id').innerText()).trim()

    // The list of applications.
    await page.goto(`${oauthProvider.baseUrl}/oauth/applications`)
    await expect(page.getByTestId('applications').getByRole('link', { name: HOSTILE_NAME })).toHaveCount(1)
    expect(await injectedMarkup(page)).toEqual([])

    // Log out, so the login page names the application too.
    await page.context().clearCookies()
    await page.goto(
      `${oauthProvider.baseUrl}/oauth/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: OOB_REDIRECT_URI, response_type: 'code' })}`,
    )
    await expect(page.getByTestId('login-prompt')).toHaveText(`Enter your Rackspace login info to authorize ${HOSTILE_NAME}`)
    expect(await injectedMarkup(page)).toEqual([])
    await oauthPages.logIn()

    await expect(page.getByTestId('consent-app-name')).toHaveText(HOSTILE_NAME)
    expect(await injectedMarkup(page)).toEqual([])
    await oauthPages.capture('carina consent page with a hostile name')
    await oauthPages.approve()

    // The out-of-band page names it as well.
    await expect(page.getByText(`Copy this code and paste it into ${HOSTILE_NAME}:`)).toBeVisible()
    expect(await injectedMarkup(page)).toEqual([])

    await page.goto(`${oauthProvider.baseUrl}/oauth/authorized_applications`)
    await expect(page.getByTestId('authorized-applications').getByRole('cell', { name: HOSTILE_NAME, exact: true })).toHaveCount(1)
    expect(await injectedMarkup(page)).toEqual([])

    expect(dialogs).toEqual([])
  })
})

test.describe('provider pages load nothing from the network and cannot be framed', () => {
  test('Carina: login and consent pages send a CSP without scripts, and make no request of their own', async ({
    page,
    oauthProvider,
    oauthPages,
    exampleApp,
  }) => {
    const app = await exampleApp()
    const subresources: string[] = []
    page.on('request', (request) => {
      if (!request.isNavigationRequest()) subresources.push(request.url())
    })
    await page.goto(app.url)
    const [login] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${oauthProvider.baseUrl}/login?`)),
      page.getByTestId('login-button').click(),
    ])
    const csp = await login.headerValue('content-security-policy')
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:; base-uri 'none'; frame-ancestors 'none'$/)
    expect(await login.headerValue('x-frame-options')).toBe('DENY')
    await oauthPages.logIn()
    await oauthPages.approve()
    await expect(page.getByTestId('signed-in')).toBeVisible()
    expect(subresources).toEqual([])
  })
})
