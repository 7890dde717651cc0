import { http } from 'msw'
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

  describe('the request body, taken as given to fetch or read from its stream', () => {
    /** A client-credentials request to standard through its first handler: the answer's status and the body the journal recorded. */
    async function tokenRequest(body: BodyInit, readBefore = false) {
      const standard = PROVIDERS.standard.create({})
      await standard.ready
      const { id, secret } = standard.describe().clients.find((c: { secret?: string }) => c.secret)!
      const request = new Request(`${standard.baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
        body,
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit)
      if (readBefore) {
        // Another handler before the provider's reads the body and lets the request through.
        const reader = http.all(/.*/, async ({ request: seen }) => void (await seen.text()))
        await reader.run({ request, requestId: 'before' })
      }
      const [under] = mswHandlers(standard)
      const result = await under.run({ request, requestId: 'body' })
      const [exchange] = standard.journal.entries()
      return { status: result?.response?.status, recorded: exchange.request.body }
    }
    const form = 'grant_type=client_credentials&scope=api%3Aread'

    it('is the text fetch was given, as a string, bytes or URLSearchParams', async () => {
      expect(await tokenRequest(form)).toEqual({ status: 200, recorded: form })
      expect(await tokenRequest(new TextEncoder().encode(form))).toEqual({ status: 200, recorded: form })
      expect(await tokenRequest(new URLSearchParams(form))).toEqual({ status: 200, recorded: form })
    })

    it('is what the stream carries where that differs from the string: a byte order mark dropped, a lone surrogate replaced', async () => {
      expect(await tokenRequest(`\uFEFF${form}`)).toEqual({ status: 200, recorded: form })
      expect(await tokenRequest(`${form}&x=\uD800`)).toEqual({ status: 200, recorded: `${form}&x=\uFFFD` })
    })

    it('is read from the stream when there is no text to take (a stream, a Blob) or the body was read before', async () => {
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(form))
          controller.close()
        },
      })
      expect(await tokenRequest(stream)).toEqual({ status: 200, recorded: form })
      expect(await tokenRequest(new Blob([form]))).toEqual({ status: 200, recorded: form })
      // As before: the stream, already read, cannot be read again (500, nothing recorded of the body).
      expect(await tokenRequest(form, true)).toEqual({ status: 500, recorded: '' })
    })
  })
})
