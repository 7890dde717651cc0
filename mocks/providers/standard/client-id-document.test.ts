import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import request from 'supertest'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { authorizeCode, exchangeCode } from '../../../test/support/standard.js'
import type { StandardRuntime } from './config.js'
import { createStandard } from '../../index.js'

const CLIENT_URL = 'https://app.example/oauth/client.json'
const DOCUMENT = {
  client_id: CLIENT_URL,
  client_name: 'Metadata App',
  redirect_uris: ['http://127.0.0.1/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_method: 'none',
}
const REDIRECT = 'http://127.0.0.1:53121/callback'
/** An authorization request naming the document's URL as its client_id (the verifier does not matter: no code is redeemed). */
const AUTHORIZE_PATH =
  '/authorize?' +
  new URLSearchParams({
    client_id: CLIENT_URL,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid',
    code_challenge: 'x'.repeat(43),
    code_challenge_method: 'S256',
  })

describe.each(bothModes)('standard client ID metadata documents over $name', (mode) => {
  let running: Running<StandardRuntime>
  let base: string
  beforeAll(async () => {
    running = await mode.start<StandardRuntime>('standard')
    base = running.baseUrl
  })
  afterAll(() => running.close())
  beforeEach(async () => {
    await running.provider.reset()
    expect((await request(base).post('/__oauth-dance/options').send({ clientIdMetadataDocuments: true })).status).toBe(200)
  })

  const provide = (document: Record<string, unknown>, url = CLIENT_URL) => request(base).post('/__oauth-dance/client-id-document').send({ url, document })

  it('takes an https client_id as its document: code flow, tokens, and discovery says so', async () => {
    expect((await provide(DOCUMENT)).status).toBe(200)
    expect((await request(base).get('/.well-known/openid-configuration')).body.client_id_metadata_document_supported).toBe(true)
    const page = await browser(base).get(AUTHORIZE_PATH)
    expect(page.status).toBe(302)
    const { location, verifier } = await authorizeCode(browser(base), { client_id: CLIENT_URL })
    expect(location.searchParams.get('code')).toBeTruthy()
    const tokens = await exchangeCode(base, location.searchParams.get('code')!, verifier, { client_id: CLIENT_URL })
    expect(tokens.status).toBe(200)
    expect(tokens.body.refresh_token).toBeTruthy()
  })

  it('refuses a bad document or URL on the error page, never redirecting', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { ...DOCUMENT, client_id: 'https://other.example/c.json' },
        `The client ID metadata document at ${CLIENT_URL} names the client_id "https://other.example/c.json", not its own URL.`,
      ],
      [{ ...DOCUMENT, client_secret: 's' }, `The client ID metadata document at ${CLIENT_URL} must not contain "client_secret".`],
      [
        { ...DOCUMENT, token_endpoint_auth_method: 'client_secret_basic' },
        `The client ID metadata document at ${CLIENT_URL} must not use client_secret_basic: a published document has no secret.`,
      ],
      [
        { ...DOCUMENT, redirect_uris: ['http://evil.example/cb'] },
        `The client ID metadata document at ${CLIENT_URL} is refused: The redirect URI http://evil.example/cb uses http on a host that is not loopback; use https (RFC 9700 §2.6).`,
      ],
    ]
    for (const [document, description] of cases) {
      await provide(document)
      const res = await browser(base).get(AUTHORIZE_PATH)
      expect(res.status, description).toBe(400)
      expect(res.text.replaceAll('&quot;', '"'), description).toContain(description)
    }
    const noPath = await request(base)
      .post('/token')
      .type('form')
      .send({ grant_type: 'authorization_code', code: 'c', code_verifier: 'v', redirect_uri: REDIRECT, client_id: 'https://app.example/' })
    expect(noPath.status).toBe(400)
    expect(noPath.body).toEqual({
      error: 'invalid_client',
      error_description: 'The client_id https://app.example/ is not a client ID metadata document URL: it must have a path.',
    })
    const bad = await provide(DOCUMENT, 'http://app.example/c.json')
    expect(bad.status).toBe(400)
    expect(bad.body.error).toBe('"url" is not a client ID metadata document URL: it must use https')
  })

  it('treats an https client_id as an unknown client while the option is off', async () => {
    expect((await request(base).post('/__oauth-dance/options').send({ clientIdMetadataDocuments: false })).status).toBe(200)
    await provide(DOCUMENT)
    expect((await request(base).get('/.well-known/openid-configuration')).body).not.toHaveProperty('client_id_metadata_document_supported')
    const res = await request(base)
      .post('/token')
      .type('form')
      .send({ grant_type: 'authorization_code', code: 'c', code_verifier: 'v', redirect_uri: REDIRECT, client_id: CLIENT_URL })
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('invalid_client')
  })

  it('treats a client its documents made as unknown once the option is turned off, and knows it again when turned back on', async () => {
    await provide(DOCUMENT)
    const { location, verifier } = await authorizeCode(browser(base), { client_id: CLIENT_URL })
    const tokens = await exchangeCode(base, location.searchParams.get('code')!, verifier, { client_id: CLIENT_URL })
    expect(tokens.status).toBe(200)
    expect((await request(base).post('/__oauth-dance/options').send({ clientIdMetadataDocuments: false })).status).toBe(200)
    const refresh = () =>
      request(base).post('/token').type('form').send({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: CLIENT_URL })
    const refused = await refresh()
    expect([refused.status, refused.body]).toEqual([401, { error: 'invalid_client', error_description: 'Client authentication failed.' }])
    const page = await browser(base).get(AUTHORIZE_PATH)
    expect(page.status).toBe(400)
    expect(page.text.replaceAll('&quot;', '"')).toContain(`No application is registered with the client_id "${CLIENT_URL}".`)
    expect((await request(base).post('/__oauth-dance/options').send({ clientIdMetadataDocuments: true })).status).toBe(200)
    const refreshed = await refresh()
    expect(refreshed.status).toBe(200)
    expect(refreshed.body.refresh_token).toBeTruthy()
  })
})

describe('standard client ID metadata documents fetched in-process (msw answers the document URL)', () => {
  const standard = createStandard({ clientIdMetadataDocuments: true })
  let served: (() => Response) | undefined
  const server = setupServer(
    ...standard.handlers,
    http.get(CLIENT_URL, () => (served ? served() : HttpResponse.json(DOCUMENT))),
    http.get('https://app.example/oauth/missing.json', () => new HttpResponse('no', { status: 404 })),
  )
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterAll(() => server.close())
  beforeEach(() => {
    served = undefined
    return standard.reset()
  })

  it('fetches the document with the global fetch, and again on each authorization request', async () => {
    const { location } = await authorizeCode(browser(standard.baseUrl), { client_id: CLIENT_URL })
    expect(location.searchParams.get('code')).toBeTruthy()
    expect(standard.store.clients.by('clientId', CLIENT_URL)?.name).toBe('Metadata App')
    served = () => HttpResponse.json({ ...DOCUMENT, client_name: 'Renamed' })
    await authorizeCode(browser(standard.baseUrl), { client_id: CLIENT_URL })
    expect(standard.store.clients.by('clientId', CLIENT_URL)?.name).toBe('Renamed')
    served = () => HttpResponse.text('x'.repeat(6000))
    const tooBig = await browser(standard.baseUrl).get(AUTHORIZE_PATH)
    expect(tooBig.status).toBe(400)
    expect(tooBig.text).toContain(`The client ID metadata document at ${CLIENT_URL} is larger than 5120 bytes.`)
    const missing = await request(standard.baseUrl)
      .post('/token')
      .type('form')
      .send({ grant_type: 'authorization_code', code: 'c', code_verifier: 'v', redirect_uri: REDIRECT, client_id: 'https://app.example/oauth/missing.json' })
    expect(missing.body).toEqual({
      error: 'invalid_client',
      error_description: 'Fetching the client ID metadata document at https://app.example/oauth/missing.json answered 404, not 200.',
    })
  })

  it('uses a fetch hook when given one', async () => {
    const asked: string[] = []
    const hooked = createStandard({ clientIdMetadataDocuments: true, fetchClientMetadata: async (url) => (asked.push(url), Response.json(DOCUMENT)) })
    const hookServer = setupServer(...hooked.handlers)
    server.close()
    hookServer.listen({ onUnhandledRequest: 'error' })
    try {
      const { location } = await authorizeCode(browser(hooked.baseUrl), { client_id: CLIENT_URL })
      expect(location.searchParams.get('code')).toBeTruthy()
      expect(asked).toEqual([CLIENT_URL, CLIENT_URL])
    } finally {
      hookServer.close()
      server.listen({ onUnhandledRequest: 'error' })
    }
  })
})
