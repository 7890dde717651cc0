// The README's `standard` example, verbatim but for the import path; if this
// fails, the README is wrong.
import { setupServer } from 'msw/node'
import * as client from 'openid-client'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { createStandard } from '../../index.js'

const standard = createStandard() // issuer https://auth.standard.example, protected resource https://auth.standard.example/api
const server = setupServer(...standard.handlers)

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
beforeEach(() => standard.reset())
afterAll(() => server.close())

it('discovers the server, gets a token for the resource, and sees it expire', async () => {
  const [confidential] = standard.describe().clients
  const config = await client.discovery(new URL('https://auth.standard.example'), confidential.id, confidential.secret)
  const resource = 'https://auth.standard.example/api'
  const { access_token } = await client.clientCredentialsGrant(config, { scope: 'api:read', resource })

  const call = () => fetch(`${resource}/items`, { headers: { Authorization: `Bearer ${access_token}` } })
  expect((await call()).status).toBe(200)

  standard.clock.advance(3600) // an hour on the mock clock, none in the test
  const expired = await call()
  expect(expired.status).toBe(401)
  expect(expired.headers.get('www-authenticate')).toContain('resource_metadata="https://auth.standard.example/.well-known/oauth-protected-resource/api"')
})
