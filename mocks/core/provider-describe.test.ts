import { describe, expect, it } from 'vitest'
import { PROVIDERS, type ProviderId } from '../registry.js'

describe('describe() right after a provider is created', () => {
  // The seeded clients and users are stored synchronously, so a test can read
  // them before the first request or reset (README: `const [client] = cogo.describe().clients`).
  const expected: Record<ProviderId, { clients: number; users: number }> = {
    carina: { clients: 1, users: 1 },
    keystone: { clients: 1, users: 2 },
    cloud66: { clients: 1, users: 1 },
    cogo: { clients: 1, users: 0 },
    gocd: { clients: 1, users: 1 },
    standard: { clients: 2, users: 1 },
  }
  for (const id of Object.keys(PROVIDERS) as ProviderId[]) {
    it(`${id}: lists its seeded clients and users without awaiting anything`, () => {
      const provider = PROVIDERS[id].create({})
      const description = provider.describe()
      expect([description.clients.length, description.users.length]).toEqual([expected[id].clients, expected[id].users])
      for (const client of description.clients) expect([typeof client.id, typeof client.secret]).toEqual(['string', 'string'])
    })
  }

  it('lists the same clients once seeding has finished', async () => {
    const provider = PROVIDERS.carina.create({})
    const before = provider.describe()
    await provider.ready
    expect(provider.describe()).toEqual(before)
  })
})
