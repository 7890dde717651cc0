import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Clock } from '../mocks/core/clock.js'
import { createCarina } from '../mocks/index.js'
import { UserAgent } from './user-agent.js'
import { ReferenceClient } from './clients/reference-client.js'
import { carinaProfile } from './profiles/carina.js'
import { clientAuthMethods, journalMatchers, tokensInQuery, type JournalMatchers } from './journal-assertions.js'

expect.extend(journalMatchers)

declare module 'vitest' {
  interface Assertion<T> extends JournalMatchers<T> {}
}

describe('journal assertions in a user test', () => {
  const carina = createCarina({ clock: new Clock({ frozen: true, start: Date.UTC(2030, 0, 1) }) })
  const server = setupServer(...carina.handlers)
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterAll(() => server.close())

  async function signedInClient(quirks = {}) {
    await carina.reset()
    const env = { fetch, now: () => carina.clock.nowMs(), sleep: async (s: number) => void carina.clock.advance(s) }
    const client = new ReferenceClient({ ...carinaProfile.clientConfig(carina), requestTimeoutMs: 5000 }, env, quirks)
    const { url } = await client.startAuthorization()
    const { location } = await new UserAgent(fetch, carinaProfile.user).authorize(url, 'approve')
    expect(await client.receiveRedirect({ url: location })).toEqual({ ok: true })
    return client
  }

  it('shows client_secret_basic used, no token in a query string, and one token request across ten calls', async () => {
    const client = await signedInClient()
    for (let i = 0; i < 10; i++) expect((await client.callApi('me', {})).ok).toBe(true)
    const exchanges = carina.journal.entries()
    expect(clientAuthMethods(exchanges, 'carina.token')).toEqual(['client_secret_basic'])
    expect(exchanges).toHaveUsedClientAuth('client_secret_basic')
    expect(exchanges).toNeverSendTokenInQuery()
    expect(exchanges).toHaveCalledRoute('carina.token', 1)
    expect(exchanges).toHaveCalledRoute('carina.me', 10)
  })

  it('fails with a message naming the offending exchange', async () => {
    const client = await signedInClient({ tokenInQuery: true })
    await client.callApi('me', {})
    const exchanges = carina.journal.entries()
    expect(tokensInQuery(exchanges)).toHaveLength(1)
    expect(() => expect(exchanges).toNeverSendTokenInQuery()).toThrow(/^expected no access token in a query string, found one in #\d+ GET \/me$/)
    expect(() => expect(exchanges).toHaveCalledRoute('carina.token', 2)).toThrow('expected carina.token to be called 2 time(s), it was called 1 time(s)')
  })
})
