import { describe, expect, it } from 'vitest'
import { Clock } from '../core/clock.js'
import { PROVIDERS } from '../registry.js'
import { withControlPaths } from './control-paths.js'

describe('control paths attached by the adapters (withControlPaths)', () => {
  it('answers 404 naming how to get them on a runtime that has none, then answers once attached', async () => {
    const carina = PROVIDERS.carina.create({ clock: new Clock({ frozen: true, start: Date.UTC(2030, 0, 1) }) })
    const clock = () => carina.handle(new Request(`${carina.baseUrl}/__oauth-dance/clock`))
    const bare = await clock()
    expect(bare.status).toBe(404)
    expect(bare.headers.get('cache-control')).toBe('no-store')
    expect(await bare.json()).toEqual({
      error:
        'the control paths of "carina" are not attached: create it from "oauth-dance" (createCarina()...), or serve it (serve(), mswHandlers()), which attach them',
    })
    expect(withControlPaths(carina)).toBe(carina)
    const attached = await clock()
    expect(attached.status).toBe(200)
    expect(await attached.json()).toEqual({ now: '2030-01-01T00:00:00.000Z', nowMs: Date.UTC(2030, 0, 1) })
  })
})
