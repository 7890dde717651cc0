import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PROVIDER_DEFINITIONS } from './registry.js'
import { describeSeeded, placeSeeded, seededOrigin, type SeededDescriptions } from './seeded.js'
import { serve, type RunningServer } from './server.js'
import { basicAuth } from '../test/support/standard.js'

let seeded: SeededDescriptions
let running: RunningServer | undefined

beforeAll(async () => {
  seeded = Object.fromEntries(await Promise.all(PROVIDER_DEFINITIONS.map(async (definition) => [definition.id, await describeSeeded(definition)])))
})
afterEach(async () => {
  await running?.close()
  running = undefined
})

const keystoneToken = (description: Record<string, unknown>) => {
  const [client] = description.clients as Array<{ id: string; secret: string }>
  return fetch(description.tokenEndpoint as string, {
    method: 'POST',
    headers: { authorization: basicAuth(client!.id, client!.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  })
}

describe('seeded descriptions (serve builds a provider on its first request)', () => {
  it('write each origin as a .invalid host, which placeSeeded swaps for the listener URL', () => {
    expect(seeded.keystone!.tokenEndpoint).toBe(`${seededOrigin('keystone')}/identity/v3/OS-OAUTH2/token`)
    const placed = placeSeeded(seeded.cogo!, { 'cogo-auth': 'http://127.0.0.1:1', 'cogo-api': 'http://127.0.0.1:2' })
    expect([placed.baseUrl, placed.apiBaseUrl, placed.issuer]).toEqual(['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:1/'])
    expect(JSON.stringify(placed)).not.toContain('.invalid')
  })

  it('serve builds none at start, and each, once built by its first request, describes itself as its seeded description said', async () => {
    running = await serve({ portBase: 0, log: null, seeded })
    expect(running.providers).toEqual({})
    const before = running.describe().providers as Record<string, Record<string, unknown>>
    expect(Object.keys(before)).toEqual(PROVIDER_DEFINITIONS.map((definition) => definition.id))
    for (const [id, description] of Object.entries(before)) {
      const index = await fetch(`${description.baseUrl as string}/__oauth-dance/`, { headers: { accept: 'application/json' } })
      expect(index.status, id).toBe(200)
      const { providers } = (await index.json()) as { providers: Array<{ id: string; baseUrl: string }> }
      // Its index links every provider started, built or not.
      expect(providers.map((p) => [p.id, p.baseUrl])).toEqual(Object.entries(before).map(([other, d]) => [other, d.baseUrl]))
      expect(running.providers[id as keyof typeof running.providers], id).toBeDefined()
    }
    expect(running.describe().providers).toEqual(before)
  })

  it('the first requests, arriving together, wait for one build and are all answered', async () => {
    running = await serve({ portBase: 0, log: null, seeded, providers: ['keystone'] })
    const keystone = running.describe().providers.keystone as Record<string, unknown>
    const answers = await Promise.all(Array.from({ length: 5 }, () => keystoneToken(keystone)))
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200])
    const tokens = await Promise.all(answers.map(async (answer) => ((await answer.json()) as { access_token: string }).access_token))
    expect(new Set(tokens).size).toBe(5)
    expect(running.providers.keystone).toBeDefined()
  })

  it('builds at start a provider the config sets up, or served over TLS', async () => {
    running = await serve({
      portBase: 0,
      log: null,
      seeded,
      providers: ['cogo', 'gocd', 'keystone'],
      config: { providers: { cogo: { options: { audience: 'https://api.example' } } } },
      tls: { keystone: true },
    })
    expect(Object.keys(running.providers).sort()).toEqual(['cogo', 'keystone'])
    expect((running.describe().providers.cogo as { audience: string }).audience).toBe('https://api.example')
  })

  it('without seeded descriptions, builds every provider at start', async () => {
    running = await serve({ portBase: 0, log: null, providers: ['carina', 'keystone'] })
    expect(Object.keys(running.providers)).toEqual(['carina', 'keystone'])
  })
})
