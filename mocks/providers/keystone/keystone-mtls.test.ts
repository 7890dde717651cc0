import { spawn } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { request as httpRequest } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { keystoneFixtures as f } from '../../../fixtures/keystone.js'
import * as tls from '../../../fixtures/keystone-tls.js'
import { inProcess, type Running } from '../../../test/support/modes.js'
import { cliArgs } from '../../../test/support/cli.js'
import { CLIENT_CERT_HEADER, encodeClientCert } from '../../core/client-cert.js'
import { serve, type RunningServer } from '../../server.js'
import type { KeystoneRuntime } from './config.js'

/**
 * RFC 8705 mutual TLS against Keystone, twice: in-process, where msw sees no
 * TLS and the test sets the client-certificate header itself; and over
 * `serve --tls`, where a real handshake verifies the certificate and the
 * server alone sets the header.
 */
const TOKEN_PATH = '/v3/OS-OAUTH2/token'
const FORM = 'application/x-www-form-urlencoded'
/** The document's request sample, `token-create-request.txt`, byte for byte. */
const SAMPLE_REQUEST = 'grant_type=client_credentials&client_id=12d31647289c45e1b69e57273fce78b4'
const FAILED = { error: 'invalid_client', error_description: 'Client authentication failed.' }
const AUTH_REQUIRED = { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } }
const appBasic = `Basic ${Buffer.from(`${f.applicationCredential.id}:${f.applicationCredential.secret}`).toString('base64')}`

type CertName = 'mtls' | 'demo' | 'rogue'
const CERTS: Record<CertName, { cert: string; key: string }> = {
  mtls: { cert: tls.mtlsClientCertPem, key: tls.mtlsClientKeyPem },
  demo: { cert: tls.demoClientCertPem, key: tls.demoClientKeyPem },
  rogue: { cert: tls.rogueClientCertPem, key: tls.rogueClientKeyPem },
}
const thumbprintOf = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url') + '='

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json(): any
}
interface SendOptions {
  headers?: Record<string, string>
  body?: string
  cert?: CertName
}
interface TlsMode {
  name: string
  start(): Promise<{
    provider: KeystoneRuntime
    baseUrl: string
    send(method: string, path: string, options?: SendOptions): Promise<Answer>
    close(): Promise<void>
  }>
}

function answer(status: number, headers: Record<string, string | string[] | undefined>, text: string): Answer {
  return { status, headers, text, json: () => JSON.parse(text) }
}

/** One request over a fresh connection (no TLS session reuse across client certificates). */
function nodeRequest(url: string, method: string, options: SendOptions & { tlsClient?: { cert: string; key: string } | null }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest
    const req = send(
      target,
      {
        method,
        agent: false,
        headers: { ...(options.body !== undefined ? { 'content-type': FORM } : {}), ...options.headers },
        ca: tls.caPem,
        ...(options.tlsClient ?? {}),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve(answer(res.statusCode!, res.headers, Buffer.concat(chunks).toString('utf8'))))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

const emulated: TlsMode = {
  name: 'in-process (msw; client certificate emulated by header)',
  async start() {
    const running: Running<KeystoneRuntime> = await inProcess.start<KeystoneRuntime>('keystone')
    return {
      provider: running.provider,
      baseUrl: running.baseUrl,
      async send(method, path, options = {}) {
        const headers: Record<string, string> = { ...(options.body !== undefined ? { 'content-type': FORM } : {}), ...options.headers }
        if (options.cert) headers[CLIENT_CERT_HEADER] = encodeClientCert(CERTS[options.cert].cert)
        const res = await fetch(running.baseUrl + path, { method, headers, body: options.body })
        return answer(res.status, Object.fromEntries(res.headers), await res.text())
      },
      close: () => running.close(),
    }
  },
}

const realTls: TlsMode = {
  name: 'serve --tls (real mutual TLS over node:https)',
  async start() {
    const running = await serve({ portBase: 0, providers: ['keystone'], log: null, tls: true })
    const provider = running.providers.keystone as KeystoneRuntime
    return {
      provider,
      baseUrl: provider.baseUrl,
      send: (method, path, options = {}) => nodeRequest(provider.baseUrl + path, method, { ...options, tlsClient: options.cert ? CERTS[options.cert] : null }),
      close: () => running.close(),
    }
  },
}

describe.each([emulated, realTls])('Keystone mutual TLS, $name', (mode) => {
  let k: Awaited<ReturnType<TlsMode['start']>>
  beforeAll(async () => {
    k = await mode.start()
  })
  afterAll(() => k.close())
  beforeEach(() => k.provider.reset())

  function expectFailed(res: Answer) {
    expect(res.status).toBe(401)
    expect(res.json()).toEqual(FAILED)
    expect(res.headers['www-authenticate']).toBe(`Keystone uri="${k.baseUrl}/v3"`)
    expect(res.headers['vary']).toBe('X-Auth-Token')
  }

  async function boundToken(): Promise<string> {
    const res = await k.send('POST', TOKEN_PATH, { body: SAMPLE_REQUEST, cert: 'mtls' })
    expect(res.status).toBe(200)
    return res.json().access_token
  }

  it('answers the document’s request sample, with the certificate issued to that user, as documented', async () => {
    const res = await k.send('POST', TOKEN_PATH, { body: SAMPLE_REQUEST, cert: 'mtls' })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json')
    expect(res.headers['x-openstack-request-id']).toMatch(/^req-[0-9a-f-]{36}$/)
    expect(res.json()).toEqual({ access_token: expect.stringMatching(/^gAAAAAB[A-Za-z0-9_-]+$/), token_type: 'Bearer', expires_in: 3600 })
    expect(k.provider.journal.entries().at(-1)!.notes).toMatchObject({ clientAuthMethod: 'tls_client_auth', thumbprint: thumbprintOf(tls.mtlsClientCertPem) })
  })

  it('binds the token to the certificate: validation shows oauth2_credential x5t#S256', async () => {
    const token = await boundToken()
    const res = await k.send('GET', '/v3/auth/tokens', { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token }, cert: 'mtls' })
    expect(res.status).toBe(200)
    expect(res.headers['x-subject-token']).toBe(token)
    expect(res.json().token).toMatchObject({
      methods: ['oauth2_credential'],
      user: { id: f.mtlsUser.id, name: 'mtls-client' },
      project: { id: f.mtlsUser.defaultProjectId, name: 'oauth2-clients' },
      roles: [{ id: f.roles[0].id, name: 'member' }],
      oauth2_credential: { 'x5t#S256': thumbprintOf(tls.mtlsClientCertPem) },
    })
    // keystoneauth's mTLS plugin validates over the same TLS client; without it the bound token is refused.
    const without = await k.send('GET', '/v3/auth/tokens', { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } })
    expect(without.status).toBe(401)
    expect(without.json()).toEqual(AUTH_REQUIRED)
  })

  it('accepts the bound token on the protected API only with the same certificate', async () => {
    const token = await boundToken()
    const ok = await k.send('GET', '/v2.1/servers', { headers: { Authorization: `Bearer ${token}` }, cert: 'mtls' })
    expect(ok.status).toBe(200)
    expect(ok.json().servers.map((s: { name: string }) => s.name)).toEqual(['mtls-worker-1'])
    for (const cert of [undefined, 'demo', 'rogue'] as const) {
      const refused = await k.send('GET', '/v2.1/servers', { headers: { Authorization: `Bearer ${token}` }, cert })
      expect(refused.status).toBe(401)
      expect(refused.json()).toEqual(AUTH_REQUIRED)
      expect(refused.headers['www-authenticate']).toBe(`Keystone uri="${k.baseUrl}"`)
    }
  })

  it('refuses a certificate issued to another user than client_id (client_id mismatch)', async () => {
    expectFailed(await k.send('POST', TOKEN_PATH, { body: SAMPLE_REQUEST, cert: 'demo' }))
    const own = await k.send('POST', TOKEN_PATH, { body: `grant_type=client_credentials&client_id=${f.user.id}`, cert: 'demo' })
    expect(own.status).toBe(200)
  })

  it('refuses a certificate from an untrusted CA, an unknown user, and a missing client_id', async () => {
    expectFailed(await k.send('POST', TOKEN_PATH, { body: SAMPLE_REQUEST, cert: 'rogue' }))
    expectFailed(await k.send('POST', TOKEN_PATH, { body: `grant_type=client_credentials&client_id=${'0'.repeat(32)}`, cert: 'mtls' }))
    expectFailed(await k.send('POST', TOKEN_PATH, { body: 'grant_type=client_credentials', cert: 'mtls' }))
  })

  it('refuses a user without a default project, and a client certificate that is not one', async () => {
    const user = k.provider.store.users.by('id', f.mtlsUser.id)!
    k.provider.store.users.patch(user, { profile: { ...user.profile, defaultProjectId: undefined } })
    expectFailed(await k.send('POST', TOKEN_PATH, { body: SAMPLE_REQUEST, cert: 'mtls' }))
    await k.provider.reset()
    // In-process the provider cannot parse it; through serve the header is stripped: 401 either way.
    expectFailed(await k.send('POST', TOKEN_PATH, { body: SAMPLE_REQUEST, headers: { [CLIENT_CERT_HEADER]: 'not a certificate' } }))
  })

  it('ignores HTTP Basic when a certificate is present', async () => {
    expectFailed(await k.send('POST', TOKEN_PATH, { body: 'grant_type=client_credentials', headers: { Authorization: appBasic }, cert: 'mtls' }))
    // The form's secret does not matter either: the certificate selects tls_client_auth, and an application credential id is no user.
    expectFailed(
      await k.send('POST', TOKEN_PATH, {
        body: `grant_type=client_credentials&client_id=${f.applicationCredential.id}&client_secret=${f.applicationCredential.secret}`,
        cert: 'mtls',
      }),
    )
  })

  it('still serves the application credential path to a client without a certificate', async () => {
    const res = await k.send('POST', TOKEN_PATH, { body: 'grant_type=client_credentials', headers: { Authorization: appBasic } })
    expect(res.status).toBe(200)
    expect(res.json().access_token).toHaveLength(183)
  })
})

describe.each([emulated, realTls])('Keystone mutual TLS, CAs changed through the options, $name', (mode) => {
  let k: Awaited<ReturnType<TlsMode['start']>>
  beforeAll(async () => {
    k = await mode.start()
  })
  afterAll(() => k.close())

  it('trusts the CAs the options name from the next request on, and the test CA again after a reset', async () => {
    const sample = (cert: CertName) => k.send('POST', TOKEN_PATH, { body: SAMPLE_REQUEST, cert })
    expect((await sample('mtls')).status).toBe(200)
    expect((await sample('rogue')).status).toBe(401)
    // The rogue CA's CN is the test CA's (only its O differs), so the chain decides, not the issuer-CN mapping alone.
    k.provider.options.set({ clientCas: [tls.rogueCaPem] })
    expect((await sample('rogue')).status).toBe(200)
    const refused = await sample('mtls')
    expect(refused.status).toBe(401)
    expect(refused.json()).toEqual(FAILED)
    await k.provider.reset()
    expect((await sample('mtls')).status).toBe(200)
    expect((await sample('rogue')).status).toBe(401)
  })
})

describe('serve --tls with client CAs named by the config', () => {
  it('trusts them from the start and again after a reset, and the CAs set since in between', async () => {
    const config = { providers: { keystone: { options: { clientCas: [tls.rogueCaPem] } } } }
    const running = await serve({ portBase: 0, providers: ['keystone'], log: null, tls: true, config })
    try {
      const keystone = running.providers.keystone!
      const sample = async (cert: CertName) =>
        (await nodeRequest(keystone.baseUrl + TOKEN_PATH, 'POST', { body: SAMPLE_REQUEST, tlsClient: CERTS[cert] })).status
      expect([await sample('rogue'), await sample('mtls')]).toEqual([200, 401])
      keystone.options.set({ clientCas: [tls.caPem] })
      expect([await sample('rogue'), await sample('mtls')]).toEqual([401, 200])
      await keystone.reset()
      expect([await sample('rogue'), await sample('mtls')]).toEqual([200, 401])
    } finally {
      await running.close()
    }
  })
})

describe('the client-certificate header cannot be forged through serve', () => {
  let plain: RunningServer
  let secure: RunningServer
  beforeAll(async () => {
    plain = await serve({ portBase: 0, providers: ['keystone'], log: null })
    secure = await serve({ portBase: 0, providers: ['keystone'], log: null, tls: { keystone: true } })
  })
  afterAll(async () => {
    await plain.close()
    await secure.close()
  })
  const forged = { [CLIENT_CERT_HEADER]: encodeClientCert(tls.mtlsClientCertPem) }

  it('strips it on a plain HTTP listener', async () => {
    const res = await nodeRequest(plain.providers.keystone!.baseUrl + TOKEN_PATH, 'POST', { body: SAMPLE_REQUEST, headers: forged })
    expect(res.status).toBe(401)
    expect(res.json()).toEqual(FAILED)
  })

  it('strips it on an HTTPS listener when the client shows no certificate, and replaces it with the one shown', async () => {
    const url = secure.providers.keystone!.baseUrl + TOKEN_PATH
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/identity\/v3\/OS-OAUTH2\/token$/)
    const none = await nodeRequest(url, 'POST', { body: SAMPLE_REQUEST, headers: forged })
    expect(none.status).toBe(401)
    expect(none.json()).toEqual(FAILED)
    const other = await nodeRequest(url, 'POST', { body: SAMPLE_REQUEST, headers: forged, tlsClient: CERTS.demo })
    expect(other.status).toBe(401)
    const real = await nodeRequest(url, 'POST', { body: SAMPLE_REQUEST, tlsClient: CERTS.mtls })
    expect(real.status).toBe(200)
  })
})

describe('Keystone TLS fixtures', () => {
  it('embeds exactly the PEM files committed in fixtures/keystone-test-only/', () => {
    const dir = fileURLToPath(new URL('../../../fixtures/keystone-test-only/', import.meta.url))
    for (const [name, file] of Object.entries(tls.keystoneTlsFiles)) {
      expect(tls[name as keyof typeof tls], file).toBe(readFileSync(dir + file, 'utf8'))
    }
  })

  it('issued the client certificates to the seeded users (subject DN → user)', () => {
    const subject = (pem: string) => new X509Certificate(pem).subject
    expect(subject(tls.mtlsClientCertPem)).toContain(`UID=${f.mtlsUser.id}`)
    expect(subject(tls.demoClientCertPem)).toContain(`UID=${f.user.id}`)
    expect(new X509Certificate(tls.serverCertPem).subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, DNS:keystone.example.com')
  })
})

describe('oauth-dance serve --tls (the CLI)', () => {
  // Generous: without a current build the CLI starts through tsx, which compiles the whole project first.
  it('prints an https base URL in --json and answers mutual TLS on it', { timeout: 60_000 }, async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url))
    const child = spawn(...cliArgs(['serve', '--tls', '--json', '--quiet', '--port-base', '0', '--providers', 'keystone']), {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve)
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
      })
      const { keystone } = JSON.parse(line).providers
      expect(keystone.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/identity$/)
      expect(keystone.mtls.clientId).toBe(f.mtlsUser.id)
      const res = await nodeRequest(keystone.baseUrl + TOKEN_PATH, 'POST', { body: SAMPLE_REQUEST, tlsClient: CERTS.mtls })
      expect(res.status).toBe(200)
      expect(res.json().token_type).toBe('Bearer')
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  })
})
