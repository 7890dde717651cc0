import { createHash, randomBytes } from 'node:crypto'
import { expect, test } from '../../playwright/index.js'

test.use({ provider: 'standard', oauthDanceProviders: ['standard'] })

/** A native app's loopback redirect (RFC 8252 §7.3): the port is the app's, the registration has none. */
const CALLBACK = 'http://127.0.0.1:49231/callback'

test.describe('standard in a browser', () => {
  test('a public client signs alice in with PKCE: login, consent, a code with iss, then tokens', async ({ page, oauthProvider, oauthPages }) => {
    // The app's loopback listener, answered by the browser itself.
    await page.route(
      (url) => url.href.startsWith(`${CALLBACK}?`),
      (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>callback</title><p>done</p>' }),
    )
    const verifier = randomBytes(32).toString('base64url')
    const authorize = new URL('/authorize', oauthProvider.baseUrl)
    authorize.search = new URLSearchParams({
      client_id: 'standard-public-client',
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid profile',
      state: 'browser-state',
      nonce: 'browser-nonce',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString()
    await page.goto(authorize.toString())
    await expect(page.getByTestId('login-prompt')).toHaveText('Sign in to continue to Example Native App')
    await expect(page.getByLabel('Username')).toBeVisible()
    await oauthPages.logIn()
    await expect(page.getByTestId('consent-app-name')).toHaveText('Example Native App')
    await expect(page.getByTestId('consent-scopes').getByRole('listitem')).toHaveText(['Sign you in (your user identifier)', 'Read your name and user name'])
    // The redirect to the app's loopback listener, as the browser sent it (whether or not anything answers there).
    const callbackRequest = page.waitForRequest((request) => request.url().startsWith(`${CALLBACK}?`))
    await oauthPages.approve()

    const callback = new URL((await callbackRequest).url())
    expect(callback.origin + callback.pathname).toBe(CALLBACK)
    expect(callback.searchParams.get('state')).toBe('browser-state')
    expect(callback.searchParams.get('iss')).toBe(oauthProvider.baseUrl)
    const tokens = await fetch(new URL('/token', oauthProvider.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: CALLBACK,
        client_id: 'standard-public-client',
      }),
    })
    expect(tokens.status).toBe(200)
    expect(Object.keys(await tokens.json()).sort()).toEqual(['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type'])
  })

  test('the device verification page: enter the code, allow, and the device gets its tokens', async ({ page, oauthProvider, oauthPages }) => {
    const started = await (
      await fetch(new URL('/device_authorization', oauthProvider.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'client_id=standard-public-client&scope=openid',
      })
    ).json()
    await page.goto(started.verification_uri)
    await oauthPages.logIn()
    await page.getByLabel('Code shown on the device').fill(started.user_code.toLowerCase())
    await page.getByTestId('device-continue').click()
    await expect(page.getByTestId('device-shown-code')).toHaveText(started.user_code)
    await page.getByTestId('consent-approve').click()
    await expect(page.getByTestId('device-result')).toHaveText('You may return to your device.')
    const poll = await fetch(new URL('/token', oauthProvider.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: started.device_code,
        client_id: 'standard-public-client',
      }),
    })
    expect(poll.status).toBe(200)
  })
})
