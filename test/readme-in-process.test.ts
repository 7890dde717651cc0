// The README's in-process example, verbatim but for the import path; if this
// fails, the README is wrong.
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { createCogo } from '../mocks/index.js'

const cogo = createCogo() // https://auth.*.*.carbonengine.co and https://api.*.*.carbonengine.co
const server = setupServer(...cogo.handlers)

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
beforeEach(() => cogo.reset()) // fresh store, empty journal, no faults, real time
afterAll(() => server.close())

it('calls the Carbon Engine API with a client-credentials token, until it expires', async () => {
  const [client] = cogo.describe().clients // the seeded client (its id is the document's), there as soon as cogo is created
  if (!client) throw new Error('Cogo has no seeded client')
  const tokenResponse = await fetch('https://auth.sandbox.example.carbonengine.co/oauth2/token', {
    method: 'POST',
    headers: {
      Authorization: `Basic ${btoa(`${client.id}:${client.secret}`)}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  })
  const { access_token, expires_in, token_type } = await tokenResponse.json()
  expect([expires_in, token_type]).toEqual([3600, 'Bearer'])

  const categories = () => fetch('https://api.sandbox.example.carbonengine.co/api/v2/categories', { headers: { Authorization: `Bearer ${access_token}` } })
  expect((await categories()).status).toBe(200)

  cogo.clock.advance(3600) // an hour passes on the mock clock, none in the test
  expect((await categories()).status).toBe(403) // the document: 403 without a valid token

  // Every exchange is in the journal, with what the provider observed.
  expect(cogo.journal.entries().map((e) => [e.route, e.response.status])).toEqual([
    ['cogo.token', 200],
    ['cogo.categories', 200],
    ['cogo.categories', 403],
  ])
})
