import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { expect, test } from '../../playwright/index.js'

test.use({ provider: 'standard', oauthDanceProviders: ['standard'] })

const PAGE = `<!doctype html><meta charset="utf-8"><title>SPA</title>
<button id="login">Sign in</button> <button id="refresh">Refresh</button> <button id="api">Call API</button> <button id="logout">Sign out</button>
<dl><dt>ready</dt><dd id="ready"></dd><dt>signed in</dt><dd id="signed-in"></dd><dt>sub</dt><dd id="sub"></dd><dt>name</dt><dd id="name"></dd><dt>email</dt><dd id="email"></dd>
<dt>refresh token</dt><dd id="has-refresh-token"></dd><dt>refreshed</dt><dd id="refreshed"></dd><dt>api</dt><dd id="api-status"></dd><dt>error</dt><dd id="error"></dd></dl>
<script type="module" src="/spa/app.js"></script>`

let bundle: string

test.beforeAll(async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./standard-spa/app.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  bundle = result.outputFiles[0].text
})

test.describe('an oidc-client-ts single-page app against standard', () => {
  test('code flow with PKCE, ID token and UserInfo, refresh, the API, then sign-out by revocation', async ({ page, oauthProvider, oauthPages }) => {
    const base = oauthProvider.baseUrl
    // The SPA's files, served by the browser itself at the issuer's origin; every OAuth request reaches `serve`.
    await page.route(
      (url) => url.href.startsWith(`${base}/spa/`),
      (route) => {
        const path = new URL(route.request().url()).pathname
        return path === '/spa/app.js'
          ? route.fulfill({ contentType: 'text/javascript', body: bundle })
          : route.fulfill({ contentType: 'text/html', body: PAGE })
      },
    )
    const added = await fetch(`${base}/__oauth-dance/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'spa-client', name: 'Example SPA', redirectUris: [`${base}/spa/callback`], tokenEndpointAuthMethod: 'none' }),
    })
    expect(added.status).toBe(201)

    await page.goto(`${base}/spa/`)
    await expect(page.locator('#ready')).toHaveText('yes')
    await expect(page.locator('#signed-in')).toHaveText('no')
    const authorizeRequest = page.waitForRequest((request) => new URL(request.url()).pathname === '/authorize')
    await page.locator('#login').click()
    const authorize = new URL((await authorizeRequest).url())
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('resource')).toBe(`${base}/api`)
    await oauthPages.logIn()
    await expect(page.getByTestId('consent-app-name')).toHaveText('Example SPA')
    const callbackRequest = page.waitForRequest((request) => request.url().startsWith(`${base}/spa/callback?`))
    await oauthPages.approve()
    // Chromium follows the consent's 302 inside its network stack, where page.route does not see it
    // (`serve` answers that request 404): the page opens the same callback URL again, this time routed.
    const callback = (await callbackRequest).url()
    expect(new URL(callback).searchParams.get('iss')).toBe(base)
    await page.goto(callback)

    await expect(page.locator('#ready')).toHaveText('yes')
    await expect(page.locator('#error')).toHaveText('')
    await expect(page.locator('#signed-in')).toHaveText('yes')
    await expect(page.locator('#sub')).toHaveText('248289761001')
    // From UserInfo (loadUserInfo), merged into the ID token's claims.
    await expect(page.locator('#name')).toHaveText('Alice Example')
    await expect(page.locator('#email')).toHaveText('alice@example.com')
    await expect(page.locator('#has-refresh-token')).toHaveText('yes')
    expect(new URL(page.url()).pathname).toBe('/spa/')

    await page.locator('#api').click()
    await expect(page.locator('#api-status')).toHaveText('200')

    // signinSilent uses the refresh token (rotated by the server) when the app has one.
    await page.locator('#refresh').click()
    await expect(page.locator('#refreshed')).toHaveText('new access token')
    await expect(page.locator('#error')).toHaveText('')
    await page.locator('#api').click()
    await expect(page.locator('#api-status')).toHaveText('200')

    await page.locator('#logout').click()
    await expect(page.locator('#signed-in')).toHaveText('no')
    await expect(page.locator('#api-status')).toHaveText('401')
    await expect(page.locator('#error')).toHaveText('')
  })
})
