import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_CLOCK_MS } from '../../mocks/core/clock.js'
import type { ProviderRuntime } from '../../mocks/core/provider.js'
import type { ProviderId } from '../../mocks/registry.js'
import { bothModes, type Running } from '../support/modes.js'

/**
 * Property: whatever arrives at a control path (`/__oauth-dance/...`): any
 * method, media type, Origin, Sec-Fetch-Site, query, and bodies that are
 * nearly right (fault specs and clock moves with wrong, extreme or extra
 * fields, nested JSON), the answer is JSON (HTML for the index page) with a 2xx, 400, 403, 404,
 * 405, 409, 413 or 415;
 * a refused request changes nothing (faults, clock); an accepted fault fires
 * without an unexpected exception; and the provider serves afterwards.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 250)

const CONTROL_PATHS = [
  'reset',
  'clock',
  'faults',
  'faults/0123abcd',
  'journal',
  'provider',
  'strictness',
  'rotate-key',
  'mint-token',
  'clients',
  'users',
  'options',
  'authorize',
  'index.json',
  '',
  'x/../clock',
  '%2e%2e/clock',
]
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'APPLICATION/JSON',
  ';',
]
const ORIGINS = ['https://evil.example', 'null', 'http://localhost:3000', 'http://127.0.0.1:9', 'not a url', 'https://oauth.getcarina.com']
const SITES = ['cross-site', 'same-site', 'same-origin', 'none', 'CROSS-SITE']

const extremeNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e308, -1e308, 0, -0, 1e12, 86_400, 'abc', null, [], {}, '1e3'))
const headerValue = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('a\r\nb', 'x\u0000', '\u00e9', '\u2603'))
const headerName = fc.oneof(fc.constantFrom('X-A', 'Retry-After', 'Content-Type'), fc.string({ maxLength: 8 }))

function actionArbitrary(routeIds: string[]) {
  return fc
    .oneof(
      fc.record(
        {
          type: fc.constant('oauth-error'),
          error: fc.oneof(fc.constantFrom('invalid_grant', 'server_error', 'temporarily_unavailable'), fc.string({ maxLength: 8 })),
          status: fc.option(extremeNumber, { nil: undefined }),
        },
        { requiredKeys: ['type', 'error'] },
      ),
      fc.record(
        {
          type: fc.constant('response'),
          status: extremeNumber,
          body: fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.json({ maxDepth: 2 })), { nil: undefined }),
          headers: fc.option(fc.dictionary(headerName, headerValue, { maxKeys: 2 }), { nil: undefined }),
        },
        { requiredKeys: ['type', 'status'] },
      ),
      fc.record(
        {
          type: fc.constant('retry-after'),
          status: fc.option(fc.constantFrom(429, 503, 500, 'x'), { nil: undefined }),
          seconds: fc.option(extremeNumber, { nil: undefined }),
        },
        { requiredKeys: ['type'] },
      ),
      fc.record({ type: fc.constantFrom('html-502', 'drop', 'truncated-json', 'explode', '') }),
      fc.record({ type: fc.constant('delay'), ms: fc.constantFrom(0, 3, -1, 1e9, 'x') }),
      fc.record({ type: fc.constant('wrong-content-type'), contentType: fc.option(headerValue, { nil: undefined }) }, { requiredKeys: ['type'] }),
      fc.record({ type: fc.constant('broken-token'), kind: fc.constantFrom('expired', 'alg-none', 'stale', '') }),
      fc.record({ type: fc.constant('drop'), extra: fc.string({ maxLength: 4 }) }),
    )
    .map((action) => ({ action, routeIds }))
}

function bodyArbitrary(routeIds: string[]) {
  const fault = fc
    .record(
      {
        route: fc.oneof(fc.constantFrom('*', ...routeIds), fc.constantFrom('carina.tokn', '', 'cogo.token')),
        times: fc.option(fc.oneof(fc.constantFrom('once', 'always', 'twice'), fc.record({ nth: extremeNumber })), { nil: undefined }),
        action: actionArbitrary(routeIds).map((a) => a.action),
      },
      { requiredKeys: ['route', 'action'] },
    )
    .map((spec) => JSON.stringify(spec))
  const clock = fc
    .oneof(
      fc.record({ advance: extremeNumber }),
      fc.record({ set: fc.oneof(fc.constantFrom('2030-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z', 'yesterday', '1969-12-31T23:59:59Z'), extremeNumber) }),
    )
    .map((b) => JSON.stringify(b))
  return fc.oneof(
    fault,
    clock,
    fc.constantFrom(
      '{"mode":"lenient"}',
      '{"mode":"strict"}',
      '{"mode":1}',
      '',
      '{',
      '[]',
      'null',
      '['.repeat(3000) + ']'.repeat(3000),
      '{"retirePrevious":true}',
      '{"kind":"expired"}',
    ),
    fc.json({ maxDepth: 3 }),
  )
}

describe.each(bothModes)('control paths over $name', (mode) => {
  describe.each(['carina', 'cogo'] as ProviderId[])('%s', (id) => {
    let running: Running
    let provider: ProviderRuntime
    let routeIds: string[]
    beforeAll(async () => {
      running = await mode.start(id)
      provider = running.provider
      routeIds = provider.routes.map((r) => r.id)
    })
    afterAll(() => running.close())

    it('answers JSON, never 5xx, changes nothing when it refuses, and keeps serving', async () => {
      const base = Object.values(running.origins)[0]
      const statuses = new Set<number>()
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            path: fc.constantFrom(...CONTROL_PATHS),
            method: fc.constantFrom(...METHODS),
            contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
            origin: fc.option(fc.constantFrom(...ORIGINS), { nil: undefined }),
            site: fc.option(fc.constantFrom(...SITES), { nil: undefined }),
            query: fc.constantFrom('', '?limit=2', '?limit=0', '?since=abc', '?since=1&limit=1000', '?limit=99999999999'),
            body: bodyArbitrary(routeIds),
          }),
          async (r) => {
            const faultsBefore = JSON.stringify(provider.faults.list().map((f) => f.id))
            const clockBefore = provider.clock.nowMs()
            const headers: Record<string, string> = {}
            if (r.contentType) headers['content-type'] = r.contentType
            if (r.origin) headers.origin = r.origin
            if (r.site) headers['sec-fetch-site'] = r.site
            const withBody = r.method !== 'GET' && r.method !== 'HEAD'
            const res = await fetch(`${base}/__oauth-dance/${r.path}${r.query}`, {
              method: r.method,
              headers,
              body: withBody ? r.body : undefined,
              redirect: 'manual',
            })
            const text = await res.text()
            const label = `${r.method} /__oauth-dance/${r.path}${r.query} ${JSON.stringify(headers)} ${r.body.slice(0, 200)}`
            statuses.add(res.status)
            expect([200, 201, 204, 400, 403, 404, 405, 409, 413, 415], `${label} answered ${res.status}: ${text.slice(0, 300)}`).toContain(res.status)
            if (text && !(res.headers.get('content-type') ?? '').startsWith('text/html')) expect(() => JSON.parse(text), `${label}: not JSON`).not.toThrow()
            if (res.status >= 400) {
              expect(JSON.stringify(provider.faults.list().map((f) => f.id)), `${label} changed the faults`).toBe(faultsBefore)
              expect(Math.abs(provider.clock.nowMs() - clockBefore), `${label} moved the clock`).toBeLessThan(60_000)
            }
            if (res.status === 403 && r.method !== 'HEAD') expect(JSON.parse(text).error, label).toMatch(/^control paths /)
            if (r.method === 'HEAD') expect(text, label).toBe('')
            const now = provider.clock.nowMs()
            expect(now >= 0 && now <= MAX_CLOCK_MS, `${label} left the clock at ${now}`).toBe(true)
            // A fault that was accepted fires without an unexpected exception (its own statuses aside).
            if (res.status === 201) {
              const fault = JSON.parse(text)
              const route = provider.routes.find((rt) => rt.id === fault.route)
              if (route && fault.action.type !== 'drop') {
                const path = route.path.replace(/:[A-Za-z_]+|\*/g, 'x')
                await fetch(`${running.origins[route.origin ?? 'default'] ?? base}${path}`, {
                  method: route.method === '*' ? 'GET' : route.method,
                  redirect: 'manual',
                }).then(
                  (answer) => answer.arrayBuffer(),
                  () => undefined,
                )
              }
              provider.faults.clear()
            }
          },
        ),
        { numRuns: RUNS, endOnFailure: true },
      )
      expect(statuses.size, `statuses seen: ${[...statuses]}`).toBeGreaterThanOrEqual(4)
      await provider.reset()
      // No request, control or provider, hit an unexpected exception (those carry a stack in the journal).
      expect(provider.journal.entries().filter((e) => e.error?.detail?.includes('    at '))).toEqual([])
      expect((await fetch(`${base}/__oauth-dance/provider`)).status).toBe(200)
    })
  })
})
