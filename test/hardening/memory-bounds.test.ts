import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { carinaFixtures } from '../../fixtures/carina.js'
import { createCarina } from '../../mocks/providers/carina/index.js'
import { MAX_ANONYMOUS_SESSIONS, SESSION_IDLE_MS } from '../../mocks/store/index.js'
import { serve, type RunningServer } from '../../mocks/server.js'
import { browser, formFields } from '../support/browser-like.js'

/**
 * What a long CI job accumulates stays bounded: browser sessions expire on the
 * mock clock and anonymous ones are capped.
 */

describe('browser sessions', () => {
  let running: RunningServer
  let base: string
  beforeAll(async () => {
    running = await serve({ portBase: 0, providers: ['carina'], log: null })
    base = running.providers.carina!.baseUrl
  })
  afterAll(() => running.close())

  async function signedIn() {
    const agent = browser(base)
    const page = await agent.get('/login')
    const res = await agent
      .post('/login')
      .type('form')
      .send({ ...formFields(page.text), username: carinaFixtures.user.username, password: carinaFixtures.user.password })
    expect(res.status).toBe(302)
    return agent
  }
  const sentToLogin = (res: { status: number; headers: Record<string, string> }) => res.status === 302 && new URL(res.headers.location).pathname === '/login'
  const authorize = (agent: ReturnType<typeof browser>) =>
    agent.get('/oauth/authorize').query({
      client_id: carinaFixtures.application.clientId,
      redirect_uri: 'https://example.com/carina-oauth-callback',
      response_type: 'code',
      scope: 'identity',
    })

  it(`ends after ${SESSION_IDLE_MS / 3600_000} hours without use on the mock clock, and its record is released`, async () => {
    const carina = running.providers.carina!
    const agent = await signedIn()
    expect(sentToLogin(await authorize(agent))).toBe(false)
    const before = carina.store.sessions.size
    carina.clock.advance(SESSION_IDLE_MS / 1000 + 1)
    expect(sentToLogin(await authorize(agent))).toBe(true)
    expect(carina.store.sessions.size).toBe(before - 1)
  })

  it('lives on while it is used', async () => {
    const agent = await signedIn()
    for (let i = 0; i < 3; i++) {
      running.providers.carina!.clock.advance((SESSION_IDLE_MS * 0.75) / 1000)
      expect(sentToLogin(await authorize(agent))).toBe(false)
    }
  })

  it('releases idle sessions when others are made, without anyone presenting them', async () => {
    const carina = running.providers.carina!
    await carina.reset()
    for (let i = 0; i < 50; i++) await browser(base).get('/login')
    expect(carina.store.sessions.size).toBe(50)
    carina.clock.advance(SESSION_IDLE_MS / 1000 + 1)
    await browser(base).get('/login')
    expect(carina.store.sessions.size).toBe(1)
  })
})

describe('anonymous sessions', () => {
  it(`are capped at ${MAX_ANONYMOUS_SESSIONS}: cookie-less login page visits drop the oldest`, async () => {
    const carina = createCarina()
    await carina.ready
    const visit = () => carina.handle(new Request(`${carina.baseUrl}/login`))
    const first = (await visit()).headers.get('set-cookie')!.split(';')[0]
    for (let i = 0; i < MAX_ANONYMOUS_SESSIONS + 20; i++) await visit()
    expect(carina.store.sessions.size).toBe(MAX_ANONYMOUS_SESSIONS)
    expect(carina.store.sessions.collection.count()).toBe(MAX_ANONYMOUS_SESSIONS)
    // The oldest went: its cookie now gets a fresh session.
    expect((await carina.handle(new Request(`${carina.baseUrl}/login`, { headers: { cookie: first } }))).headers.get('set-cookie')).toMatch(/=/)
  }, 60_000)
})
