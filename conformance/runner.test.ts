import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { runScenarios } from './runner.js'
import { knownRequirementPrefixes, specLink } from './spec-links.js'
import { FLOWS, PROVIDER_SCENARIOS, scenariosFor } from './scenarios/index.js'
import { PROFILES } from './profiles/index.js'
import { referenceClient } from './clients/reference-client.js'
import { BROKEN_CLIENTS } from './clients/broken-clients.js'
import { formatJUnit } from './report/junit.js'
import { checkRecord } from './report/jsonl.js'
import { carinaFixtures } from '../fixtures/carina.js'

describe('scenarios', () => {
  it('are named after their files', () => {
    const flowFiles = readdirSync(new URL('./scenarios/flows/', import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
    const flowIds = FLOWS.map((flow) =>
      Object.values(PROFILES)
        .map((p) => flow(p)?.id)
        .find(Boolean),
    )
    expect([...flowIds].sort()).toEqual([...flowFiles].sort())
    for (const [provider, scenarios] of Object.entries(PROVIDER_SCENARIOS)) {
      const files = readdirSync(new URL(`./scenarios/${provider}/`, import.meta.url)).map((f) => f.replace(/\.ts$/, ''))
      expect(scenarios.map((s) => s.id).sort()).toEqual(files.sort())
      for (const s of scenarios) expect(s.profile).toBe(provider)
    }
  })

  it('cite only requirement ids the spec-link table can link', () => {
    const prefixes = knownRequirementPrefixes()
    for (const provider of Object.keys(PROFILES)) {
      for (const scenario of scenariosFor(provider)) {
        const ids = [
          ...scenario.rules.flatMap((u) => [...u.rule.requirements, ...(u.requirements ?? [])]),
          ...scenario.steps.flatMap((s) => ('requirements' in s ? (s.requirements ?? []) : [])),
        ]
        for (const id of ids) {
          expect(
            prefixes.some((p) => id.startsWith(p)),
            `${provider}/${scenario.id} cites ${id}`,
          ).toBe(true)
          expect(specLink(id)).toBeTruthy()
        }
      }
    }
    expect(specLink('RFC6749-4.1.2.1')).toBe('https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.2.1')
    expect(specLink('RFC6819-5.2.3.1')).toBe('https://www.rfc-editor.org/rfc/rfc6819.html#section-5.2.3.1')
    expect(specLink('CARINA-cluster-credentials')).toBe('../shared/seeds/carina-oauth.txt#cluster-credentials-scope')
  })
})

describe('runs', () => {
  it('give the same report on every run where the client registers itself (standard resource-start): the issued client id and secret are named', async () => {
    const run = async () => {
      const result = await runScenarios({
        provider: 'standard',
        client: BROKEN_CLIENTS['no-resource-in-token-request'].client,
        scenarios: scenariosFor('standard', ['resource-start']),
      })
      return { checks: result.checks.map(checkRecord), steps: result.scenarios[0].steps, urls: result.scenarios[0].exchanges.map((e) => e.request.url) }
    }
    const first = await run()
    expect(first.urls.some((url) => url.includes('client_id=<registered_client_id#1>'))).toBe(true)
    expect(JSON.stringify(first)).not.toMatch(/dyn-[A-Za-z0-9_-]{8,}/)
    // @note the PKCE challenge in the authorization URLs is random (it is no secret, so not redacted): checks and outcomes are compared.
    const second = await run()
    expect({ checks: second.checks, steps: second.steps }).toEqual({ checks: first.checks, steps: first.steps })
  })

  it('give the same report on every run: same checks, messages and redacted exchanges', async () => {
    const run = async () => {
      const result = await runScenarios({ provider: 'carina', client: BROKEN_CLIENTS['token-in-query'].client, scenarios: scenariosFor('carina') })
      // @note JUnit times are real durations, the one part of a report that differs run to run.
      return {
        checks: result.checks.map(checkRecord),
        junit: formatJUnit(result).replace(/ time="[0-9.]+"/g, ''),
        exchanges: result.scenarios.map((s) => s.exchanges.map((e) => [e.seq, e.request.method, e.request.url, e.response.status, e.atMs])),
      }
    }
    const first = await run()
    const second = await run()
    expect(second).toEqual(first)
    // Tokens, codes and the secret are 64 hex characters here; only the (public) client id may remain.
    expect(JSON.stringify(first).replaceAll(carinaFixtures.application.clientId, '<client_id>')).not.toMatch(/[0-9a-f]{64}/)
    expect(first.checks.find((c) => c.result === 'fail')).toMatchObject({
      scenario: 'carina/happy-path',
      rule: 'send-token-as-documented',
      requirements: ['RFC6750-2.1', 'RFC6750-2.3', 'CARINA-api'],
      severity: 'failure',
      message: 'a protected call presented the token in a way the provider does not document',
      expected: 'Authorization: bearer <access_token>',
      actual: 'query parameter access_token',
      exchange: { seq: 7, method: 'GET', url: 'https://oauth.getcarina.com/me?access_token=<access_token#1>', status: 200, route: 'carina.me' },
    })
  })

  it('give the same report in lanes (scenarios at once, each lane with its own provider) as one after another, callbacks in scenario order', async () => {
    const run = async (lanes: number) => {
      const seen: string[] = []
      const result = await runScenarios({
        provider: 'carina',
        client: BROKEN_CLIENTS['token-in-query'].client,
        scenarios: scenariosFor('carina'),
        lanes,
        onCheck: (check) => seen.push(`check ${check.scenario} ${check.rule}`),
        onScenario: (report, at) => seen.push(`scenario ${report.scenario} ${at.index}/${at.total}`),
      })
      return {
        seen,
        checks: result.checks.map(checkRecord),
        junit: formatJUnit(result).replace(/ time="[0-9.]+"/g, ''),
        exchanges: result.scenarios.map((s) => s.exchanges.map((e) => [e.seq, e.request.method, e.request.url, e.response.status, e.atMs])),
      }
    }
    const inLanes = await run(3)
    expect(inLanes).toEqual(await run(1))
    expect(inLanes.seen.filter((line) => line.startsWith('scenario')).at(-1)).toBe(`scenario carina/cluster-polling 18/18`)
  })

  it('redact the ID token an OpenID Connect client reports it accepted, as in the journal', async () => {
    const result = await runScenarios({ provider: 'standard', client: referenceClient, scenarios: scenariosFor('standard', ['happy-path']) })
    const [scenario] = result.scenarios
    expect(scenario.steps[0].outcome).toMatchObject({ ok: true, idToken: '<id_token#1>', claims: { sub: expect.any(String) } })
    expect(scenario.exchanges.find((e) => e.response.body.includes('"id_token"'))?.response.body).toContain('"id_token":"<id_token#1>"')
    // Redacted on first read, then a plain property in its place: read again, serialized, copied, the same list.
    expect(Object.keys(scenario)).toEqual(['scenario', 'title', 'summary', 'steps', 'checks', 'exchanges', 'durationMs'])
    expect(Object.getOwnPropertyDescriptor(scenario, 'exchanges')).toMatchObject({ writable: true, enumerable: true })
    expect(scenario.exchanges).toBe(scenario.exchanges)
    expect(JSON.parse(JSON.stringify(scenario)).exchanges).toEqual(scenario.exchanges)
  })

  it('report a client that throws as a crash, and one that never starts, without stopping the run', async () => {
    const throwing = {
      name: 'throws',
      start: async () => ({
        startAuthorization: async () => {
          throw new Error('boom')
        },
        receiveRedirect: async () => ({ ok: true as const }),
        callApi: async () => ({ ok: true as const }),
      }),
    }
    const result = await runScenarios({ provider: 'carina', client: throwing, scenarios: scenariosFor('carina', ['happy-path']) })
    expect(result.checks.find((c) => c.rule === 'reach-expected-outcome')).toMatchObject({
      result: 'fail',
      message: 'step 1, authorization (user: approve): expected ok, the client reported crash: boom',
    })
    const broken = {
      name: 'no-start',
      start: async () => {
        throw new Error('cannot start')
      },
    }
    const none = await runScenarios({ provider: 'carina', client: broken, scenarios: scenariosFor('carina', ['happy-path']) })
    expect(none.checks.find((c) => c.rule === 'reach-expected-outcome')?.message).toBe(
      'step 1, authorization (user: approve): expected ok, the client reported crash: cannot start',
    )
  })

  // How long this takes is measured by `npm run bench` (bench/check.mjs), not asserted here: a time budget fails on a loaded machine.
  it('runs every scenario of every provider against the reference client', { timeout: 180_000 }, async () => {
    for (const provider of Object.keys(PROFILES)) {
      const result = await runScenarios({ provider, client: referenceClient, scenarios: scenariosFor(provider) })
      expect(result.passed).toBe(true)
    }
  })
})
