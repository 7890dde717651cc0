import { readFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROFILES } from '../conformance/profiles/index.js'
import type { ProviderProfile } from '../conformance/profiles/profile.js'
import { formatConsoleReport } from '../conformance/report/console.js'
import { jsonLinesWriter } from '../conformance/report/jsonl.js'
import { runScenarios } from '../conformance/runner.js'
import type { ClientAdapter, ClientConfig, ClientEnvironment } from '../conformance/types.js'
import { createCloud66 } from '../mocks/providers/cloud66/index.js'
import { scenariosFor } from '../conformance/scenarios/index.js'
import { carinaFixtures } from '../fixtures/carina.js'

/**
 * Hints for near misses (issue #12), end to end: a client that makes one
 * near-miss request gets the provider's faithful refusal, the journal entry
 * carries `notes.hint`, and `oauth-dance check` prints the hint beside the
 * failed check in its console report and its JSON Lines output.
 */

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
const form = { 'Content-Type': 'application/x-www-form-urlencoded' }

/** A client whose every step is one near-miss request, after which it gives up. */
function nearMiss(name: string, attempt: (config: ClientConfig, env: ClientEnvironment) => Promise<unknown>): ClientAdapter {
  return {
    name,
    async start(config, env) {
      const fail = async () => {
        await attempt(config, env)
        return { ok: false as const, error: 'refused', description: 'the provider refused the request' }
      }
      return {
        async startAuthorization() {
          await attempt(config, env)
          throw new Error('the provider refused the request')
        },
        receiveRedirect: fail,
        callApi: fail,
      }
    },
  }
}

/** A token of a provider's own, by the route a well-behaved client uses. */
async function keystoneToken(config: ClientConfig, env: ClientEnvironment): Promise<string> {
  const res = await env.fetch(config.tokenEndpoint, {
    method: 'POST',
    headers: { ...form, Authorization: basic(config.clientId, config.clientSecret) },
    body: 'grant_type=client_credentials',
  })
  return ((await res.json()) as { access_token: string }).access_token
}

const percentEncode = (s: string) => encodeURIComponent(s).replace(/-/g, '%2D').replace(/_/g, '%5F')

interface HintCase {
  name: string
  provider: string | ProviderProfile
  client: ClientAdapter
  hint: RegExp
}

const cloud66DoorkeeperScopes: ProviderProfile = { ...PROFILES.cloud66, create: (options) => createCloud66({ ...options, scopeParsing: 'doorkeeper' }) }

const CASES: HintCase[] = [
  {
    name: 'Keystone: Basic credentials that match only percent-decoded',
    provider: 'keystone',
    client: nearMiss('percent-encoded-basic', (c, env) =>
      env.fetch(c.tokenEndpoint, {
        method: 'POST',
        headers: { ...form, Authorization: basic(percentEncode(c.clientId), percentEncode(c.clientSecret)) },
        body: 'grant_type=client_credentials',
      }),
    ),
    hint: /only once percent-decoded.*basicCredentials: 'lenient'/,
  },
  {
    name: 'GoCD: a redirect_uri without its scheme',
    provider: 'gocd',
    client: nearMiss('scheme-less-redirect', (c, env) =>
      env.fetch(c.tokenEndpoint, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({
          code: 'whatever',
          grant_type: 'authorization-code',
          client_id: c.clientId,
          client_secret: c.clientSecret,
          redirect_uri: c.redirectUri!.replace(/^https?:\/\//, ''),
        }).toString(),
      }),
    ),
    hint: /^The redirect_uri is the registered http:\/\/\S+ without its scheme/,
  },
  {
    name: "GoCD: RFC 6749's grant type spelling",
    provider: 'gocd',
    client: nearMiss('rfc-grant-spelling', (c, env) =>
      env.fetch(c.tokenEndpoint, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({
          code: 'x',
          grant_type: 'authorization_code',
          client_id: c.clientId,
          client_secret: c.clientSecret,
          redirect_uri: c.redirectUri!,
        }).toString(),
      }),
    ),
    hint: /^GoCD spells the grant types with hyphens.*send grant_type=authorization-code, not authorization_code\.$/,
  },
  {
    name: "Cloud 66: the document's example path /api/2/a/stack.json",
    provider: 'cloud66',
    client: nearMiss('doc-example-path', (c, env) => env.fetch(`${c.apiBaseUrl}/a/stack.json?access_token=x`)),
    hint: /^The document's example path \/api\/2\/a\/stack\.json does not exist on Cloud 66: the stacks are listed at \/api\/2\/stacks\.json/,
  },
  {
    name: 'Cloud 66 (Doorkeeper scope parsing): comma-separated scopes',
    provider: cloud66DoorkeeperScopes,
    client: nearMiss('comma-scopes', (c, env) => env.fetch(`${c.authorizationEndpoint}?client_id=${c.clientId}&scope=public,redeploy`, { redirect: 'manual' })),
    hint: /^Doorkeeper splits scopes on spaces, so "public,redeploy" is one unknown scope; separate them with spaces \(public\+redeploy\)/,
  },
  {
    name: 'Cogo: client credentials in the body instead of Basic',
    provider: 'cogo',
    client: nearMiss('body-credentials', (c, env) =>
      env.fetch(c.tokenEndpoint, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }).toString(),
      }),
    ),
    hint: /^"The client must pass their client_id and client_secret in the Authorization header using Basic HTTP authorization" \(the document\)/,
  },
  {
    name: 'Cogo: a JSON body',
    provider: 'cogo',
    client: nearMiss('json-body', (c, env) =>
      env.fetch(c.tokenEndpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: basic(c.clientId, c.clientSecret) },
        body: '{"grant_type":"client_credentials"}',
      }),
    ),
    hint: /^"The content-type header must be application\/x-www-form-urlencoded" \(the document\): send grant_type=client_credentials form-encoded, not as JSON\.$/,
  },
  {
    name: 'Carina: an http:// redirect URI',
    provider: 'carina',
    client: nearMiss('http-redirect', (c, env) =>
      env.fetch(
        `${c.authorizationEndpoint}?client_id=${c.clientId}&response_type=code&redirect_uri=${encodeURIComponent(c.redirectUri!.replace('https://', 'http://'))}`,
        { redirect: 'manual' },
      ),
    ),
    hint: /^Carina's redirect URIs must start with https:\/\/ .*register and send https:\/\/example\.com\/carina-oauth-callback, or the out-of-band URN\.$/,
  },
  {
    name: 'any provider: a token in the wrong scheme (Keystone, lower-case bearer)',
    provider: 'keystone',
    client: nearMiss('wrong-scheme', async (c, env) =>
      env.fetch(`${c.apiBaseUrl}/v2.1/servers`, { headers: { Authorization: `bearer ${await keystoneToken(c, env)}` } }),
    ),
    hint: /^A token was sent in the "Authorization: bearer" header, which this API does not read; send it as "Authorization: Bearer <token>"/,
  },
  {
    name: 'any provider: a token in the wrong place (GoCD, as a Bearer header)',
    provider: 'gocd',
    client: nearMiss('wrong-place', (c, env) =>
      env.fetch(`${c.apiBaseUrl}/go/cctray.xml`, { headers: { Authorization: 'Bearer f180f7bb68d38531aac2f49e5b0cac0c5ed5ced9b72842a429e783747e819664' } }),
    ),
    hint: /^A token was sent in the "Authorization: Bearer" header, which this API does not read; send it as Authorization: Token token="<token>" exactly/,
  },
  {
    name: 'any provider: a token expired on the mock clock (Cogo)',
    provider: 'cogo',
    client: nearMiss('expired-token', async (c, env) => {
      const res = await env.fetch(c.tokenEndpoint, {
        method: 'POST',
        headers: { ...form, Authorization: basic(c.clientId, c.clientSecret) },
        body: 'grant_type=client_credentials',
      })
      const { access_token } = (await res.json()) as { access_token: string }
      await env.sleep(3600 + 42)
      return env.fetch(`${c.apiBaseUrl}/categories`, { headers: { Authorization: `Bearer ${access_token}` } })
    }),
    hint: /^The access token expired 42 seconds ago on the mock clock \(at \d{4}-\d\d-\d\dT[\d:.]+Z\); get a new one/,
  },
]

describe('hints for near misses, in the journal and in the check reports', () => {
  it.each(CASES)('$name', async ({ provider, client, hint }) => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-dance-hints-'))
    const jsonl = join(dir, 'report.jsonl')
    const writer = jsonLinesWriter(jsonl)
    const profile = typeof provider === 'string' ? provider : provider.id
    const result = await runScenarios({ provider, client, scenarios: scenariosFor(profile, ['happy-path']), onCheck: writer })

    // The journal: the refused exchange carries the hint; the answer itself is the provider's.
    const hinted = result.scenarios[0].exchanges.filter((e) => typeof e.notes.hint === 'string')
    expect(hinted.length).toBeGreaterThan(0)
    expect(hinted.at(-1)!.notes.hint).toMatch(hint)
    expect(hinted.at(-1)!.response.status).toBeGreaterThanOrEqual(300)

    // The console report prints it under the failed check.
    const text = formatConsoleReport(result)
    const failed = result.checks.find((c) => c.result === 'fail' && c.hint)!
    expect(failed).toBeDefined()
    expect(failed.hint).toMatch(hint)
    const lines = text.split('\n')
    const at = lines.findIndex((l) => l.startsWith(`  FAIL ${failed.rule} `))
    const hintLine = lines.slice(at + 1).find((l) => l.startsWith('       hint:     '))!
    expect(hintLine.slice('       hint:     '.length)).toMatch(hint)

    // JSON Lines: the failed check's record has it.
    const records = readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule: string; result: string; hint?: string })
    expect(records.find((r) => r.rule === failed.rule && r.result === 'fail')!.hint).toMatch(hint)
    // Passed and skipped checks carry none.
    expect(records.filter((r) => r.result !== 'fail' && r.result !== 'warning' && r.hint)).toEqual([])
  })
})

describe('a token of another provider', () => {
  it("is named by the provider that refuses it (Carina's token sent to Cloud 66)", async () => {
    const { createCarina } = await import('../mocks/providers/carina/index.js')
    const carina = createCarina()
    const cloud66 = createCloud66()
    await Promise.all([carina.ready, cloud66.ready])
    const app = carinaFixtures.application
    // A Carina token, straight from its store (the flow itself is tested elsewhere).
    const token = await carina.store.tokens.collection.create({
      token: 'c'.repeat(64),
      refreshToken: null,
      clientId: app.clientId,
      userId: '1',
      scopes: ['identity'],
      issuedAtMs: 0,
      expiresAtMs: null,
      code: null,
      refreshedFrom: null,
      meta: {},
    })
    const res = await cloud66.handle(new Request(`${cloud66.baseUrl}/api/2/stacks.json?access_token=${token.token}`))
    expect(res.status).toBe(401)
    expect(cloud66.journal.entries().at(-1)!.notes.hint).toBe(
      "This access token was issued by the carina provider, not by cloud66: the client sends one provider's token to another's API.",
    )
  })
})
