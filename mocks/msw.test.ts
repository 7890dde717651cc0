import { describe, expect, it } from 'vitest'
import { Clock } from './core/clock.js'
import { createCarina, createCogo } from './index.js'
import { mswHandlers, withMswHandlers } from './msw.js'
import { PROVIDERS } from './registry.js'

describe('msw adapter (mocks/msw.ts)', () => {
  it('builds two handlers per origin pattern, once per runtime', () => {
    const carina = PROVIDERS.carina.create({})
    const handlers = mswHandlers(carina)
    expect(handlers).toHaveLength(2)
    expect(mswHandlers(carina)).toBe(handlers)
    const cogo = PROVIDERS.cogo.create({})
    expect(mswHandlers(cogo)).toHaveLength(2 * Object.values(cogo.urlPatterns).flat().length)
  })

  it('gives the package root factories their `handlers`, not the provider folders or the registry', () => {
    const carina = createCarina()
    expect(carina.handlers).toBe(mswHandlers(carina))
    expect(createCogo().handlers.length).toBeGreaterThan(0)
    expect('handlers' in PROVIDERS.carina.create({})).toBe(false)
    const runtime = PROVIDERS.gocd.create({})
    expect(withMswHandlers(runtime)).toBe(runtime)
    expect(withMswHandlers(runtime).handlers).toBe(mswHandlers(runtime))
  })

  it('answers a route and a control path in-process through the runtime', async () => {
    const carina = createCarina({ clock: new Clock({ frozen: true, start: Date.UTC(2030, 0, 1) }) })
    const [under] = carina.handlers
    const control = await under.run({ request: new Request(`${carina.baseUrl}/__oauth-dance/clock`), requestId: 'clock' })
    expect(control?.response?.status).toBe(200)
    expect(await control?.response?.json()).toEqual({ now: '2030-01-01T00:00:00.000Z', nowMs: Date.UTC(2030, 0, 1) })
    const missing = await under.run({ request: new Request(`${carina.baseUrl}/no-such-page`), requestId: 'missing' })
    expect(missing?.response?.status).toBe(404)
  })
})
