import { describe, expect, it } from 'vitest'
import { createCarina, createCloud66, createCogo, createGocd, createKeystone, type ProviderRuntime } from '../index.js'
import { carinaFixtures } from '../../fixtures/carina.js'
import { MAX_ACCOUNTS } from './control-api.js'
import { cloud66Fixtures } from '../../fixtures/cloud66.js'
import { gocdFixtures } from '../../fixtures/gocd.js'

/** A control request answered in-process, as `serve` answers it over a socket. */
async function control(provider: ProviderRuntime, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers } }
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body)
  const response = await provider.handle(new Request(`${provider.baseUrl}/__oauth-dance/${path}`, init))
  const text = await response.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

describe('/__oauth-dance/options', () => {
  it('reads the options in force, defaults included', async () => {
    const keystone = createKeystone()
    expect((await control(keystone, 'GET', 'options')).json).toEqual({
      options: { tokenExpirationSeconds: 3600, authnMethods: ['client_secret_basic', 'tls_client_auth'], repeatedParameters: 'first', basicCredentials: 'raw' },
    })
  })

  it('changes an option, which the provider then follows, until reset', async () => {
    const keystone = createKeystone()
    const changed = await control(keystone, 'POST', 'options', { basicCredentials: 'lenient' })
    expect(changed.status).toBe(200)
    expect(changed.json.options.basicCredentials).toBe('lenient')
    expect(keystone.config.basicCredentials).toBe('lenient')
    await keystone.reset()
    expect(keystone.config.basicCredentials).toBe('raw')
    expect(keystone.options.get().basicCredentials).toBe('raw')
  })

  it('refuses a value outside the schema with 400, naming the provider, the key and the allowed values, and changes nothing', async () => {
    const keystone = createKeystone()
    const refused = await control(keystone, 'POST', 'options', { basicCredentials: 'laxist', tokenExpirationSeconds: 60 })
    expect(refused.status).toBe(400)
    expect(refused.json).toEqual({
      error: 'Failed to change the options of keystone: keystone.basicCredentials must be one of "raw", "lenient" (got "laxist")',
    })
    expect(keystone.options.get().tokenExpirationSeconds).toBe(3600)
    expect(keystone.config.tokenExpirationSeconds).toBe(3600)
  })

  it('takes null as "not given" (RFC 7396): an optional option absent again, a defaulted one at its default', async () => {
    const cogo = createCogo({ issuer: 'https://tenant.example/', accessTokenTtlSeconds: 60 })
    const cleared = await control(cogo, 'POST', 'options', { issuer: null, accessTokenTtlSeconds: null })
    expect(cleared.status).toBe(200)
    expect(cleared.json.options).toEqual({ audience: cogo.options.get().audience, accessTokenTtlSeconds: 3600 })
    expect(cogo.config.issuer).toBeUndefined()
    expect(cogo.config.accessTokenTtlSeconds).toBe(3600)
    // Reset restores what the provider was created with, not the defaults.
    await cogo.reset()
    expect(cogo.options.get()).toMatchObject({ issuer: 'https://tenant.example/', accessTokenTtlSeconds: 60 })
    // null for a name that is no option is still an unknown option, and changes nothing.
    const unknown = await control(cogo, 'POST', 'options', { issuer: null, tenant: null })
    expect(unknown.status).toBe(400)
    expect(unknown.json.error).toBe(
      'Failed to change the options of cogo: cogo.tenant is not an option of cogo (allowed: accessTokenTtlSeconds, audience, issuer)',
    )
    expect(cogo.config.issuer).toBe('https://tenant.example/')
  })

  it('refuses a "__proto__" key as an unknown option, and changes nothing', async () => {
    const keystone = createKeystone()
    const refused = await control(keystone, 'POST', 'options', '{"__proto__": {"basicCredentials": "lenient"}, "tokenExpirationSeconds": 60}')
    expect(refused.status).toBe(400)
    expect(refused.json.error).toContain('keystone.__proto__ is not an option of keystone')
    expect(keystone.options.get()).toMatchObject({ basicCredentials: 'raw', tokenExpirationSeconds: 3600 })
  })

  it('refuses a client CA that is no certificate, with or without the PEM armour, and changes nothing', async () => {
    const keystone = createKeystone()
    const armoured = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n'
    const answers = [
      await control(keystone, 'POST', 'options', { clientCas: [armoured] }),
      await control(keystone, 'POST', 'options', { clientCas: ['not a certificate'] }),
    ]
    expect(answers.map((answer) => [answer.status, answer.json.error])).toEqual([
      [
        400,
        'Failed to change the options of keystone: keystone.clientCas.0 must be a PEM certificate (got "-----BEGIN CERTIFICATE-----\\nbm90IGEgY2VydGlmaWNhdGU=\\n-...)',
      ],
      [400, 'Failed to change the options of keystone: keystone.clientCas.0 must be a PEM certificate (got "not a certificate")'],
    ])
    expect(keystone.options.get().clientCas).toBeUndefined()
    expect(keystone.config.clientCas).toHaveLength(1)
  })

  it('refuses an unknown option, listing the known ones', async () => {
    const gocd = createGocd()
    const refused = await control(gocd, 'POST', 'options', { tokenLifetimeSeconds: 3600 })
    expect(refused.status).toBe(400)
    expect(refused.json.error).toBe(
      'Failed to change the options of gocd: gocd.tokenLifetimeSeconds is not an option of gocd (allowed: faithfulOpenRedirect, security, oauthAccess, enforceTokenExpiry, accessTokenTtlSeconds, codeTtlSeconds, requireHttps, documentExamples)',
    )
  })

  it('requires a JSON body: 415 for a form, 400 for malformed JSON', async () => {
    const cloud66 = createCloud66()
    const form = await control(cloud66, 'POST', 'options', 'redirectMatching=exact', { 'Content-Type': 'application/x-www-form-urlencoded' })
    expect([form.status, form.json]).toEqual([415, { error: 'the body must be JSON, sent with "Content-Type: application/json"' }])
    const malformed = await control(cloud66, 'POST', 'options', '{"redirectMatching":', {})
    expect([malformed.status, malformed.json]).toEqual([400, { error: 'the body is not valid JSON' }])
    expect(cloud66.config.redirectMatching).toBe('host')
  })

  it('the factories validate with the same schema', () => {
    expect(() => createCarina({ tokenErrorStatus: 'rfc' as never })).toThrow(
      'Failed to create the carina provider: carina.tokenErrorStatus must be one of "doorkeeper", "rfc6749" (got "rfc")',
    )
    expect(() => createCogo({ accessTokenTtlSeconds: 1.5 })).toThrow(
      'Failed to create the cogo provider: cogo.accessTokenTtlSeconds must be an integer (got 1.5)',
    )
  })
})

describe('/__oauth-dance/clients and /__oauth-dance/users', () => {
  it('adds, lists and removes a Carina developer application', async () => {
    const carina = createCarina()
    const added = await control(carina, 'POST', 'clients', { name: 'CI app', redirectUris: ['https://ci.example/callback'] })
    expect(added.status).toBe(201)
    expect(added.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      secret: expect.stringMatching(/^[0-9a-f]{64}$/),
      name: 'CI app',
      redirectUris: ['https://ci.example/callback'],
      scopes: ['identity', 'cluster_credentials', 'create_cluster'],
    })
    expect((await control(carina, 'GET', 'clients')).json.clients.map((c: { name: string }) => c.name)).toEqual(['My Cool App', 'CI app'])
    expect((await control(carina, 'DELETE', `clients/${added.json.id}`)).status).toBe(204)
    expect(await control(carina, 'DELETE', `clients/${added.json.id}`)).toMatchObject({ status: 404, json: { error: `no client "${added.json.id}"` } })
  })

  it("refuses what the provider's registration page refuses, in its words", async () => {
    const carina = createCarina()
    const refused = await control(carina, 'POST', 'clients', { name: 'CI app', redirectUris: ['http://127.0.0.1/cb'] })
    expect([refused.status, refused.json]).toEqual([
      400,
      { error: 'Failed to add the client: carina.client.redirectUris Redirect URI "http://127.0.0.1/cb" must start with https. (got ["http://127.0.0.1/cb"])' },
    ])
    const unknownKey = await control(carina, 'POST', 'clients', { name: 'x', redirectUris: ['urn:ietf:wg:oauth:2.0:oob'], callback: 'x' })
    expect(unknownKey.json.error).toBe(
      'Failed to add the client: carina.client.callback is not a known key (allowed: id, secret, name, redirectUris, scopes, owner)',
    )
    const taken = await control(carina, 'POST', 'clients', { id: carinaFixtures.application.clientId, name: 'x', redirectUris: ['urn:ietf:wg:oauth:2.0:oob'] })
    expect([taken.status, taken.json]).toEqual([409, { error: `a client with the id "${carinaFixtures.application.clientId}" already exists` }])
    expect(carina.clients.list()).toHaveLength(1)
  })

  it('Keystone: an application credential belongs to a user and a project, and authenticates at once', async () => {
    const keystone = createKeystone()
    const unknownUser = await control(keystone, 'POST', 'clients', { name: 'ci', user: 'bob' })
    expect([unknownUser.status, unknownUser.json]).toEqual([400, { error: 'no user "bob" (known: demo, mtls-client)' }])
    const user = await control(keystone, 'POST', 'users', { username: 'ci-bot', password: 'pw', defaultProject: 'oauth2-clients' })
    expect(user.status).toBe(201)
    const added = await control(keystone, 'POST', 'clients', { name: 'ci', user: 'ci-bot', id: 'c1', secret: 's3cret' })
    expect(added.json).toMatchObject({
      id: 'c1',
      secret: 's3cret',
      name: 'ci',
      user: 'ci-bot',
      projectId: '6de0e471246596809152053ce140ae21',
      roles: ['member'],
    })
    const again = await control(keystone, 'POST', 'clients', { name: 'ci', user: 'ci-bot' })
    expect([again.status, again.json]).toEqual([409, { error: 'user "ci-bot" already has an application credential named "ci"' }])

    const token = () =>
      keystone.handle(
        new Request(`${keystone.baseUrl}/v3/OS-OAUTH2/token`, {
          method: 'POST',
          headers: { Authorization: `Basic ${btoa('c1:s3cret')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        }),
      )
    expect((await token()).status).toBe(200)
    expect((await control(keystone, 'DELETE', 'clients/c1')).status).toBe(204)
    expect((await token()).status).toBe(404) // Keystone: an unknown application credential is 404
  })

  it('GoCD: an OAuth client is registered by an administrator', async () => {
    const gocd = createGocd()
    await control(gocd, 'POST', 'users', { username: 'dev', password: 'pw' })
    const refused = await control(gocd, 'POST', 'clients', { name: 'CI', redirectUris: ['http://127.0.0.1:9000/cb'], registeredBy: 'dev' })
    expect([refused.status, refused.json]).toEqual([400, { error: 'OAuth clients are registered by a GoCD administrator, and "dev" is not one' }])
    const added = await control(gocd, 'POST', 'clients', { name: 'CI', redirectUris: ['http://127.0.0.1:9000/cb'] })
    expect(added.status).toBe(201)
    const two = await control(gocd, 'POST', 'clients', { name: 'CI', redirectUris: ['http://a.example/cb', 'http://b.example/cb'] })
    expect(two.json.error).toMatch(/a GoCD OAuth client has one Redirect URL/)
  })

  it('Cogo has clients but no users', async () => {
    const cogo = createCogo()
    expect((await control(cogo, 'GET', 'users')).json).toEqual({ users: [] })
    expect(await control(cogo, 'POST', 'users', { username: 'x', password: 'y' })).toMatchObject({
      status: 404,
      json: { error: 'cogo has no users: its only grant is client credentials (machine to machine)' },
    })
    expect((await control(cogo, 'POST', 'clients', { name: 'm2m', id: 'm2m', secret: 'shh' })).json).toEqual({
      id: 'm2m',
      secret: 'shh',
      name: 'm2m',
      redirectUris: [],
      scopes: [],
    })
  })

  it('keeps at most MAX_ACCOUNTS clients: past that, 409 and nothing added', async () => {
    const cogo = createCogo()
    await cogo.ready
    for (let i = cogo.clients.list().length; i < MAX_ACCOUNTS; i++) await cogo.clients.add({ name: `c${i}`, id: `c${i}`, secret: 's' })
    const refused = await control(cogo, 'POST', 'clients', { name: 'one too many' })
    expect([refused.status, refused.json]).toEqual([409, { error: 'cogo already has 10000 clients, the most it keeps; remove some or reset' }])
    expect(cogo.clients.list()).toHaveLength(MAX_ACCOUNTS)
  })

  it('what the options declare survives reset; what was added at run time does not', async () => {
    const cloud66 = createCloud66({
      clients: [{ id: 'declared', name: 'Declared', redirectUris: ['http://127.0.0.1:8080/cb'] }],
      users: [{ username: 'ci', password: 'pw' }],
    })
    await cloud66.ready
    await cloud66.clients.add({ id: 'runtime', name: 'Runtime', redirectUris: ['http://127.0.0.1:8080/cb'] })
    await cloud66.users.add({ username: 'temp', password: 'pw' })
    await cloud66.reset()
    expect(cloud66.clients.list().map((c) => (c as { id: string }).id)).toEqual([cloud66Fixtures.application.clientId, 'declared'])
    expect(cloud66.users.list().map((u) => (u as { username: string }).username)).toEqual(['demo', 'ci'])
  })
})

describe('the authorize shortcut', () => {
  it('Carina: returns the redirect with a code the token endpoint accepts, and journals it as a shortcut', async () => {
    const carina = createCarina()
    const { clientId, clientSecret } = carinaFixtures.application
    const answer = await control(carina, 'POST', 'authorize', {
      client: clientId,
      redirectUri: 'https://example.com/carina-oauth-callback',
      scope: 'identity',
      state: 'xyz',
    })
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({
      redirect: `https://example.com/carina-oauth-callback?code=${answer.json.code}&state=xyz`,
      code: expect.stringMatching(/^[0-9a-f]{64}$/),
      state: 'xyz',
    })
    const token = await carina.handle(
      new Request(`${carina.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: answer.json.code,
          redirect_uri: 'https://example.com/carina-oauth-callback',
          client_id: clientId,
          client_secret: clientSecret,
        }),
      }),
    )
    expect(token.status).toBe(200)
    const [entry] = carina.journal.entries()
    expect(entry).toMatchObject({
      route: 'carina.authorize',
      request: { method: 'GET' },
      response: { status: 302 },
      notes: { shortcut: true, user: 'carolynvs', decision: 'approve', codeIssued: true },
    })
  })

  it('validates as the pages do: unknown client and unregistered redirect are refused, a bad scope is redirected', async () => {
    const carina = createCarina()
    const { clientId } = carinaFixtures.application
    expect(await control(carina, 'POST', 'authorize', { client: 'nope', redirectUri: 'https://example.com/carina-oauth-callback' })).toMatchObject({
      status: 400,
      json: { redirect: null, error: 'invalid_client', errorDescription: 'No application is registered with the client_id "nope".' },
    })
    expect(await control(carina, 'POST', 'authorize', { client: clientId, redirectUri: 'https://evil.example/cb' })).toMatchObject({
      status: 400,
      json: {
        redirect: null,
        error: 'invalid_redirect_uri',
        errorDescription: 'The "redirect_uri" does not match any redirect URI registered for this application.',
      },
    })
    const badScope = await control(carina, 'POST', 'authorize', {
      client: clientId,
      redirectUri: 'https://example.com/carina-oauth-callback',
      scope: 'admin',
      state: 's',
    })
    expect(badScope.status).toBe(200)
    expect(badScope.json).toMatchObject({ error: 'invalid_scope', state: 's', errorDescription: 'The requested scope is invalid, unknown, or malformed.' }) // Doorkeeper's en.yml text (#12)
    expect(new URL(badScope.json.redirect).origin).toBe('https://example.com')
    expect(await control(carina, 'POST', 'authorize', { client: clientId, user: 'mallory' })).toMatchObject({
      status: 400,
      json: { error: 'no user "mallory" (known: carolynvs)' },
    })
    expect(await control(carina, 'POST', 'authorize', { client: clientId, decision: 'maybe' })).toMatchObject({
      status: 400,
      json: { error: '"decision" must be "approve" or "deny"' },
    })
  })

  it('a denial is the access_denied redirect', async () => {
    const cloud66 = createCloud66()
    const denied = await cloud66.authorize({ client: cloud66Fixtures.application.clientId, redirectUri: 'http://example.com/cb', state: 's', decision: 'deny' })
    expect(denied).toEqual({
      redirect: 'http://example.com/cb?error=access_denied&error_description=The+resource+owner+or+authorization+server+denied+the+request.&state=s',
      state: 's',
      error: 'access_denied',
      errorDescription: 'The resource owner or authorization server denied the request.',
    })
  })

  it("GoCD: its own validation order and hyphenated errors, and its code's expires_in", async () => {
    const gocd = createGocd()
    const approved = await gocd.authorize({ client: gocdFixtures.client.clientId, redirectUri: gocdFixtures.client.redirectUri, state: 'st' })
    expect(approved.redirect).toBe(`${gocdFixtures.client.redirectUri}?code=${approved.code}&expires_in=3600&state=st`)
    expect(await gocd.authorize({ client: 'nope', redirectUri: 'http://x.example/' })).toEqual({
      redirect: null,
      error: 'invalid-client-id',
      errorDescription: 'No OAuth client is registered with this client_id.',
    })
    expect((await gocd.authorize({ client: gocdFixtures.client.clientId, redirectUri: gocdFixtures.client.redirectUri, decision: 'deny' })).redirect).toBe(
      `${gocdFixtures.client.redirectUri}?error=access-denied`,
    )
  })

  it('client-credentials providers have no authorization endpoint', async () => {
    expect(await control(createKeystone(), 'POST', 'authorize', { client: 'x' })).toMatchObject({
      status: 404,
      json: { error: 'keystone has no authorization endpoint: its only grant is client credentials' },
    })
    await expect(createCogo().authorize({ client: 'x' })).rejects.toThrow('cogo has no authorization endpoint: its only grant is client credentials')
  })
})

describe('the index page', () => {
  it('is HTML with the pages’ security headers, and lists clients with their secrets', async () => {
    const carina = createCarina()
    const page = await control(carina, 'GET', '', undefined, { Accept: 'text/html' })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:; base-uri 'none'; frame-ancestors 'none'$/,
    )
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(page.text).toContain(carinaFixtures.application.clientSecret)
    expect(page.text).not.toContain('<script')
  })

  it('answers JSON for Accept: application/json and at index.json', async () => {
    const gocd = createGocd()
    await gocd.faults.add({ route: 'gocd.token', times: 'once', action: { type: 'html-502' } })
    await gocd.authorize({ client: gocdFixtures.client.clientId, redirectUri: gocdFixtures.client.redirectUri })
    const viaAccept = await control(gocd, 'GET', '', undefined, { Accept: 'application/json' })
    const viaPath = await control(gocd, 'GET', 'index.json')
    // The same document both ways (read a few milliseconds apart, so the clock aside).
    expect({ ...viaAccept.json, clock: null }).toEqual({ ...viaPath.json, clock: null })
    expect(viaPath.json).toMatchObject({
      provider: 'gocd',
      strictness: 'strict',
      options: { security: 'on', requireHttps: true },
      clients: [{ id: gocdFixtures.client.clientId, secret: gocdFixtures.client.clientSecret }],
      users: [{ username: 'admin', password: 'demo' }],
      faults: [{ route: 'gocd.token', action: { type: 'html-502' } }],
      journal: {
        enabled: true,
        latest: [
          {
            seq: 1,
            route: 'gocd.authorize',
            method: 'GET',
            path: '/go/oauth/authorize',
            status: 302,
            client: gocdFixtures.client.clientId,
            shortcut: true,
            hints: [],
          },
        ],
      },
    })
    expect((await control(gocd, 'POST', 'index.json', {})).status).toBe(405)
  })
})
