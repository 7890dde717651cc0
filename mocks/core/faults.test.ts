import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeystone } from '../index.js'
import { serve, type RunningServer } from '../server.js'
import { NodeRequest, RawHeaders } from './request.js'
import type { KeystoneRuntime } from '../providers/keystone/config.js'
import { appBasic, TOKEN_PATH } from '../../test/support/keystone-suite.js'

// A hold far longer than any test: when the answer comes, it came because the client gave up.
const TEN_MINUTES = 600_000

const tokenInit = (signal: AbortSignal): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: appBasic },
  body: 'grant_type=client_credentials',
  signal,
})

/** Resolves once the provider has recorded a delayed exchange (polls; the test's own timeout bounds it). */
async function delayedExchangeRecorded(provider: KeystoneRuntime): Promise<void> {
  while (!provider.journal.entries().some((e) => e.fault === 'delay')) await new Promise((r) => setTimeout(r, 10))
}

describe('the delay fault', () => {
  let running: RunningServer
  beforeAll(async () => {
    running = await serve({ portBase: 0, providers: ['keystone'], log: null })
  })
  afterAll(() => running.close())

  it('over sockets, releases the held answer when the client closes its connection, and answers the next request normally', async () => {
    const keystone = running.providers.keystone!
    const url = keystone.describe().baseUrl + TOKEN_PATH
    keystone.faults.add({ route: 'keystone.token', action: { type: 'delay', ms: TEN_MINUTES } })
    const aborted = new AbortController()
    const held = fetch(url, tokenInit(aborted.signal))
    while (keystone.faults.list().length > 0) await new Promise((r) => setTimeout(r, 5))
    aborted.abort()
    await expect(held).rejects.toThrow()
    await delayedExchangeRecorded(keystone)
    expect((await fetch(url, tokenInit(new AbortController().signal))).status).toBe(200)
  })

  it('in process, with handleFirst, issues the token before holding its answer, until the request is aborted', async () => {
    const keystone = createKeystone() as KeystoneRuntime
    await keystone.reset()
    const tokensBefore = keystone.store.tokens.size
    keystone.faults.add({ route: 'keystone.token', action: { type: 'delay', ms: TEN_MINUTES, handleFirst: true } })
    const aborted = new AbortController()
    const answer = keystone.handle(new Request(keystone.describe().baseUrl + TOKEN_PATH, tokenInit(aborted.signal)))
    while (keystone.store.tokens.size === tokensBefore) await new Promise((r) => setTimeout(r, 5))
    // The work is done, the answer still held: nothing recorded yet.
    expect(keystone.journal.entries().some((e) => e.fault === 'delay')).toBe(false)
    aborted.abort()
    expect((await answer).status).toBe(200)
    expect(keystone.journal.entries().filter((e) => e.fault === 'delay')).toHaveLength(1)
  })

  it('as serve reads a request, with handleFirst, holds nothing for a client whose connection closed while the route was working', async () => {
    const keystone = createKeystone() as KeystoneRuntime
    await keystone.ready
    keystone.faults.add({ route: 'keystone.token', action: { type: 'delay', ms: TEN_MINUTES, handleFirst: true } })
    // serve's response, closed before the answer was ready (a Cogo signature on the pool, a starved machine).
    const gone = { writableFinished: false, destroyed: true, once: () => gone }
    const raw = ['Host', 'h.example', 'Content-Type', 'application/x-www-form-urlencoded', 'Authorization', appBasic]
    const reply = await keystone.answer(new NodeRequest('POST', keystone.baseUrl + TOKEN_PATH, new RawHeaders(raw), gone), 'default', {
      text: 'grant_type=client_credentials',
    })
    expect(reply?.status).toBe(200)
    expect(keystone.journal.entries().filter((e) => e.fault === 'delay')).toHaveLength(1)
  })

  it('refuses a handleFirst that is not a boolean, naming the valid values', () => {
    const keystone = createKeystone()
    expect(() => keystone.faults.add({ route: 'keystone.token', action: { type: 'delay', ms: 1, handleFirst: 'yes' as unknown as boolean } })).toThrow(
      '"action.handleFirst" must be true or false',
    )
    expect(keystone.faults.list()).toEqual([])
  })
})
