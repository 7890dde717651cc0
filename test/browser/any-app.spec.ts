// The README's "your own web app" Playwright example, but for the import path:
// an app's own suite runs the Carina conformance scenarios against it.
import { freePort } from '../support/free-port.js'
import { test, expect } from '../../playwright/index.js'

test.use({ provider: 'carina', oauthDanceProviders: ['carina'] })
test.setTimeout(300_000)

test('my app passes the Carina conformance scenarios', async ({ checkWebApp }) => {
  const port = await freePort()
  const result = await checkWebApp({
    app: {
      url: `http://127.0.0.1:${port}/`,
      start: 'node conformance/clients/plain-app/app.mjs', // gets PORT and OAUTH_DANCE_* from the harness
      signIn: 'role=button[name="Sign in with Carina"]',
      signedIn: '#signed-in',
      error: '.error',
      calls: { me: { action: 'role=button[name="Reload profile"]', result: '#result' } },
    },
    scenarios: ['happy-path', 'state-mismatch', 'expired-token'],
  })
  expect(result.checks.filter((c) => c.result !== 'pass' && c.result !== 'skip')).toEqual([])
  expect(result.scenarios.map((s) => s.scenario)).toEqual(['carina/happy-path', 'carina/state-mismatch', 'carina/expired-token'])
})
