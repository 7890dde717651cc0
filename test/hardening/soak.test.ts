import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { PURGE_GRACE_MS } from '../../mocks/store/index.js'
import { PROVIDERS } from '../../mocks/registry.js'

/**
 * Soak: Keystone issues a fixed number of tokens through its whole pipeline
 * while the mock clock moves on, four token lifetimes' worth. Expired tokens
 * must be purged as new ones are issued: the store stays near the tokens alive
 * in one lifetime, the heap stops growing, and tokens still alive still work.
 * How fast, and the heap at a million tokens, is `npm run bench`'s scale
 * section: a count reached in a time budget is a benchmark, not a test.
 */

const TOKENS = Number(process.env.SOAK_TOKENS ?? 8_000)
const CHUNK = Number(process.env.SOAK_CHUNK ?? 500)

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heapMB = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 1048576
}

describe('soak', () => {
  it('issues tokens over four lifetimes with the store and heap staying bounded', async () => {
    const keystone = PROVIDERS.keystone.create({})
    await keystone.ready
    const client = keystone.describe().clients[0]
    const url = `${keystone.baseUrl}/v3/OS-OAUTH2/token`
    const init = {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    }
    const lifetimeMs = (keystone.config as { tokenExpirationSeconds: number }).tokenExpirationSeconds * 1000 + PURGE_GRACE_MS
    // Four chunks per token lifetime: a token outlives four chunks of newer ones.
    const stepSeconds = lifetimeMs / 4 / 1000

    const samples: Array<{ issued: number; records: number; heapMB: number }> = []
    let issued = 0
    let lastToken = ''
    while (issued < TOKENS) {
      for (let i = 0; i < CHUNK; i++) {
        const res = await keystone.handle(new Request(url, init))
        expect(res.status).toBe(200)
        lastToken = ((await res.json()) as { access_token: string }).access_token
        // Between requests a server returns to the event loop; so does this loop, now and then.
        if (i % 256 === 0) await new Promise(setImmediate)
      }
      issued += CHUNK
      keystone.clock.advance(stepSeconds)
      samples.push({ issued, records: keystone.store.tokens.collection.count(), heapMB: heapMB() })
    }

    expect(issued).toBeGreaterThanOrEqual(12 * CHUNK) // enough rounds to see a trend on any machine
    // Alive at once: about four chunks; expired ones are released as new ones are stored (the bound leaves twice the room).
    const bound = 2 * 5 * CHUNK + 1024
    expect(Math.max(...samples.map((s) => s.records)), JSON.stringify(samples)).toBeLessThanOrEqual(bound)
    expect(keystone.store.tokens.size).toBe(keystone.store.tokens.collection.count())
    // The heap plateaus: the last third is no bigger than the middle third, give or take GC noise.
    const third = Math.floor(samples.length / 3)
    const middle = Math.max(...samples.slice(third, 2 * third).map((s) => s.heapMB))
    const last = Math.max(...samples.slice(2 * third).map((s) => s.heapMB))
    expect(last, JSON.stringify(samples.map((s) => Math.round(s.heapMB)))).toBeLessThan(middle * 1.25 + 8)

    // The newest token still works; the purge took only the dead.
    const servers = await keystone.handle(new Request(`${keystone.baseUrl}/v2.1/servers`, { headers: { authorization: `Bearer ${lastToken}` } }))
    expect(servers.status).toBe(200)
  }, 120_000)
})
