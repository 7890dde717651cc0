// The README's Playwright example, verbatim but for the import path (the package
// name resolves to the built dist/, the suite runs the sources).
import { test, expect } from '../../playwright/index.js'

test.use({ provider: 'carina', oauthDanceProviders: ['carina'] })

test('a user signs in with Carina', async ({ page, oauthProvider, oauthPages }) => {
  const [client] = oauthProvider.clients // the document's "My Cool App"
  if (!client) throw new Error('Carina has no seeded client')
  const authorize = new URL('/oauth/authorize', oauthProvider.baseUrl)
  authorize.search = new URLSearchParams({
    client_id: client.id,
    redirect_uri: 'urn:ietf:wg:oauth:2.0:oob',
    response_type: 'code',
    scope: 'identity',
  }).toString()
  await page.goto(authorize.toString())
  await oauthPages.logIn() // as the seeded user, on the test's page
  await oauthPages.approve()
  const code = await oauthPages.readOobCode()
  expect(code).toMatch(/^[0-9a-f]{64}$/)
})
