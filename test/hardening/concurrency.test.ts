import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CarinaRuntime } from '../../mocks/providers/carina/config.js'
import { authorizeInBrowser, browser } from '../support/browser-like.js'
import { bothModes, type Running } from '../support/modes.js'

/**
 * 1,000 authorization-code flows interleaved (50 at a time), by several users
 * through several clients, each in its own browser: every code, token and
 * profile must belong to the flow that asked for it, never to another one.
 */

const FLOWS = Number(process.env.CONCURRENT_FLOWS ?? 1000)
const IN_FLIGHT = 50
const USERS = 5
const CLIENTS = 4

describe.each(bothModes)('interleaved Carina flows over $name', (mode) => {
  let running: Running<CarinaRuntime>
  let base: string
  const users = Array.from({ length: USERS }, (_, i) => ({ id: String(9000 + i), username: `user${i}`, password: `pw-${i}`, email: `user${i}@example.com` }))
  const clients = Array.from({ length: CLIENTS }, (_, i) => ({
    clientId: `client-${i}`,
    clientSecret: `secret-${i}`,
    name: `App ${i}`,
    redirectUri: `https://app-${i}.example/callback`,
  }))

  beforeAll(async () => {
    running = await mode.start<CarinaRuntime>('carina')
    base = running.baseUrl
    const { store, clock } = running.provider
    for (const u of users) {
      await store.users.collection.create({
        id: u.id,
        username: u.username,
        password: u.password,
        profile: { id: Number(u.id), username: u.username, email: u.email, full_name: u.username },
      })
    }
    for (const c of clients) {
      await store.clients.collection.create({
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        name: c.name,
        redirectUris: [c.redirectUri],
        createdAtMs: clock.nowMs(),
      })
    }
  })
  afterAll(() => running.close())

  async function flow(n: number) {
    const user = users[n % USERS]
    const client = clients[(n * 7 + Math.floor(n / USERS)) % CLIENTS]
    const state = `flow-${n}-${Math.random().toString(36).slice(2)}`
    const location = await authorizeInBrowser(browser(base), {
      clientId: client.clientId,
      redirectUri: client.redirectUri,
      scope: 'identity',
      state,
      username: user.username,
      password: user.password,
    })
    expect(location.origin + location.pathname).toBe(client.redirectUri)
    expect(location.searchParams.get('state')).toBe(state)
    const code = location.searchParams.get('code')!
    const exchange = (c: (typeof clients)[number]) =>
      request(base)
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, client_id: c.clientId, client_secret: c.clientSecret })
    if (n % 10 === 0) {
      // Another client cannot redeem this flow's code (and trying does not burn it).
      const other = clients[(clients.indexOf(client) + 1) % CLIENTS]
      expect((await exchange(other)).body.error).toBe('invalid_grant')
    }
    const token = await exchange(client)
    expect(token.status).toBe(200)
    const me = await request(base).get('/me').set('Authorization', `Bearer ${token.body.access_token}`)
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({ username: user.username, email: user.email })
    const info = await request(base).get('/oauth/token/info').set('Authorization', `Bearer ${token.body.access_token}`)
    expect(info.body).toMatchObject({ resource_owner_id: Number(user.id), application: { uid: client.clientId } })
    return { n, code, accessToken: token.body.access_token as string, refreshToken: token.body.refresh_token as string }
  }

  it(`keeps ${FLOWS} interleaved flows apart`, async () => {
    const results: Awaited<ReturnType<typeof flow>>[] = []
    let next = 0
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < FLOWS) results.push(await flow(next++))
      }),
    )
    expect(results).toHaveLength(FLOWS)
    // Every flow got its own code and tokens.
    expect(new Set(results.map((r) => r.code)).size).toBe(FLOWS)
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(FLOWS)
    expect(new Set(results.map((r) => r.refreshToken)).size).toBe(FLOWS)
    // The store agrees: each token records the user and client of its flow.
    const { store } = running.provider
    for (const r of results) {
      const token = store.tokens.by('token', r.accessToken)!
      expect(token.userId).toBe(users[r.n % USERS].id)
      expect(token.clientId).toBe(clients[(r.n * 7 + Math.floor(r.n / USERS)) % CLIENTS].clientId)
      expect(store.codes.by('code', r.code)?.redeemedAtMs).not.toBeNull()
    }
  }, 240_000)
})
