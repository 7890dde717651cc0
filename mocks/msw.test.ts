import { describe, expect, it } from 'vitest'
import { PROVIDERS } from './registry.js'

describe('msw loading (mocks/msw.ts)', () => {
  it('refuses to build handlers with a clear error until msw is loaded, then builds them', async () => {
    const carina = PROVIDERS.carina.create({})
    expect(() => carina.handlers).toThrow('Failed to build the msw handlers of "carina": msw is not loaded. Import the providers from "oauth-dance" (or import "oauth-dance/msw" once), which loads it.')
    await import('./msw.js')
    expect(carina.handlers.length).toBeGreaterThan(0)
    expect(carina.handlers).toBe(carina.handlers)
  })
})
