// The README's standard Playwright example, verbatim but for the import path (the package
// name resolves to the built dist/, the suite runs the sources). If this fails, the README is wrong.
import { createHash, randomBytes } from 'node:crypto'
import { test, expect } from '../../playwright/index.js'

test.use({ provider: 'standard', oauthDanceProviders: ['standard'] })

test('alice signs in at standard with PKCE, and the code comes back with iss', async ({ page, oauthProvider, oauthPages }) => {
  const callback = 'http://127.0.0.1:49231/callback' // the public client's loopback redirect: any port (RFC 8252 §7.3)
  await page.route(`${callback}?*`, (route) => route.fulfill({ contentType: 'text/html', body: '<title>signed in</title>' }))
  const verifier = randomBytes(32).toString('base64url')
  const authorize = new URL('/authorize', oauthProvider.baseUrl)
  authorize.search = new URLSearchParams({
    client_id: 'standard-public-client',
    redirect_uri: callback,
    response_type: 'code',
    scope: 'openid profile',
    state: randomBytes(16).toString('hex'),
    nonce: randomBytes(16).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString()
  await page.goto(authorize.toString())
  await oauthPages.logIn() // alice / demo
  await oauthPages.approve()
  await expect(page).toHaveTitle('signed in')
  const redirect = new URL(page.url())
  expect(redirect.searchParams.get('iss')).toBe(oauthProvider.baseUrl) // RFC 9207
  const token = await fetch(new URL('/token', oauthProvider.baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: callback,
      client_id: 'standard-public-client',
    }),
  })
  expect(Object.keys(await token.json())).toContain('id_token')
})
