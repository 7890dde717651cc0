import * as client from 'openid-client'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { ALICE, CONFIDENTIAL, followAuthorization, PUBLIC } from '../../../test/support/standard.js'
import { BROKEN_ID_TOKEN_KINDS } from './broken-id-tokens.js'
import type { StandardRuntime } from './config.js'

/**
 * openid-client 6 (the certified OpenID Connect relying party for Node)
 * against `standard`, unmodified: discovery, code flow with PKCE and `iss`,
 * ID token validation, UserInfo, refresh, the device grant, client
 * credentials with a resource indicator, `private_key_jwt`, Dynamic Client
 * Registration, revocation and introspection. In-process its fetch goes to
 * msw; over sockets to `serve` on 127.0.0.1 (plain http, hence `allowInsecureRequests`).
 */
describe.each(bothModes)('openid-client against standard over $name', (mode) => {
  let running: Running<StandardRuntime>
  let issuer: URL
  let options: { execute: Array<(config: client.Configuration) => void> }
  beforeAll(async () => {
    running = await mode.start<StandardRuntime>('standard')
    issuer = new URL(running.baseUrl)
    options = { execute: issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [] }
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  async function codeFlow(config: client.Configuration, redirectUri: string, extra: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier()
    const state = client.randomState()
    const nonce = client.randomNonce()
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    })
    const callback = await followAuthorization(browser(running.baseUrl), url.href)
    return client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true })
  }

  it('public client: discovery, code flow with PKCE, ID token, UserInfo, then a rotating refresh', async () => {
    const config = await client.discovery(issuer, PUBLIC.clientId, undefined, client.None(), options)
    expect(config.serverMetadata().issuer).toBe(running.baseUrl)
    const tokens = await codeFlow(config, 'http://127.0.0.1:49152/callback')
    const claims = tokens.claims()!
    expect(claims).toMatchObject({ iss: running.baseUrl, sub: ALICE.id, aud: PUBLIC.clientId })
    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
    expect(info).toMatchObject({ sub: ALICE.id, email: 'alice@example.com', preferred_username: 'alice' })
    // OIDC Core §5.3.2: a UserInfo answer about someone else is refused.
    await fetch(`${running.baseUrl}/__oauth-dance/break-next-userinfo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"kind":"wrong-sub"}',
    })
    await expect(client.fetchUserInfo(config, tokens.access_token, claims.sub)).rejects.toThrow()
    expect((await client.fetchUserInfo(config, tokens.access_token, claims.sub)).sub).toBe(ALICE.id)
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!)
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token)
    expect(refreshed.claims()!.sub).toBe(ALICE.id)
    // The rotated refresh token is dead, and presenting it revokes the newer one too.
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' })
  })

  it('confidential client with client_secret_basic and client_secret_post; revocation and introspection', async () => {
    for (const auth of [client.ClientSecretBasic(CONFIDENTIAL.clientSecret), client.ClientSecretPost(CONFIDENTIAL.clientSecret)]) {
      const config = await client.discovery(issuer, CONFIDENTIAL.clientId, undefined, auth, options)
      const tokens = await codeFlow(config, 'https://app.example/callback')
      expect(tokens.claims()!.sub).toBe(ALICE.id)
      expect(await client.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, sub: ALICE.id, client_id: CONFIDENTIAL.clientId })
      await client.tokenRevocation(config, tokens.refresh_token!)
      expect(await client.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false })
    }
  })

  it('refuses a callback whose iss is not the server (RFC 9207 mix-up protection), and a wrong state', async () => {
    const config = await client.discovery(issuer, PUBLIC.clientId, undefined, client.None(), options)
    const verifier = client.randomPKCECodeVerifier()
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: 'http://127.0.0.1:49152/callback',
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'right',
    })
    const callback = await followAuthorization(browser(running.baseUrl), url.href)
    const mixedUp = new URL(callback)
    mixedUp.searchParams.set('iss', 'https://attacker.example')
    const refusal = (url: URL, expectedState: string) =>
      client.authorizationCodeGrant(config, url, { pkceCodeVerifier: verifier, expectedState }).then(
        () => 'accepted',
        (error: Error & { cause?: Error }) => `${error.message}: ${error.cause?.message}`,
      )
    expect(await refusal(mixedUp, 'right')).toMatch(/"iss"/)
    expect(await refusal(callback, 'wrong')).toMatch(/"state"/)
    // Nothing was redeemed by the refused callbacks: the genuine one still works.
    expect((await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'right' })).access_token).toBeTruthy()
  })

  // OIDC Core §3.1.3.7, as openid-client applies it to an ID token from the token endpoint (TLS stands in for the signature, step 6).
  const REFUSED = ['expired', 'wrong-issuer', 'wrong-audience', 'missing-exp', 'alg-none', 'alg-hs256', 'not-a-jwt', 'wrong-nonce', 'missing-nonce'] as const
  const SIGNATURE = ['bad-signature', 'tampered-payload', 'unknown-kid'] as const
  const ACCEPTED = BROKEN_ID_TOKEN_KINDS.filter((kind) => !(REFUSED as readonly string[]).includes(kind) && !(SIGNATURE as readonly string[]).includes(kind))
  const breakNextIdToken = async (kind: string) => {
    const armed = await fetch(`${running.baseUrl}/__oauth-dance/break-next-id-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind }),
    })
    expect(armed.status).toBe(200)
  }

  it.each(REFUSED)('refuses an ID token broken as %s, and takes the next whole one', async (kind) => {
    const config = await client.discovery(issuer, PUBLIC.clientId, undefined, client.None(), options)
    await breakNextIdToken(kind)
    await expect(codeFlow(config, 'http://127.0.0.1:49152/callback')).rejects.toThrow()
    expect((await codeFlow(config, 'http://127.0.0.1:49152/callback')).claims()!.sub).toBe(ALICE.id)
  })

  it.each(SIGNATURE)('checks the signature (%s) only with enableNonRepudiationChecks', async (kind) => {
    const config = await client.discovery(issuer, PUBLIC.clientId, undefined, client.None(), options)
    await breakNextIdToken(kind)
    expect((await codeFlow(config, 'http://127.0.0.1:49152/callback')).claims()!.sub).toBe(kind === 'tampered-payload' ? 'someone-else' : ALICE.id)
    client.enableNonRepudiationChecks(config)
    await breakNextIdToken(kind)
    await expect(codeFlow(config, 'http://127.0.0.1:49152/callback')).rejects.toThrow()
  })

  it('accepts, by default, the kinds it does not check (no kid with one key per algorithm, iat ahead, azp, at_hash)', async () => {
    const config = await client.discovery(issuer, PUBLIC.clientId, undefined, client.None(), options)
    expect(ACCEPTED).toEqual(['missing-kid', 'future-iat', 'unexpected-azp', 'wrong-at-hash'])
    for (const kind of ACCEPTED) {
      await breakNextIdToken(kind)
      expect((await codeFlow(config, 'http://127.0.0.1:49152/callback')).claims()!.sub, kind).toBe(ALICE.id)
    }
  })

  it('refetches the JWKS for an unknown kid, once, but only when its copy is 60 s old (with enableNonRepudiationChecks)', async () => {
    const config = await client.discovery(issuer, PUBLIC.clientId, undefined, client.None(), options)
    client.enableNonRepudiationChecks(config)
    await codeFlow(config, 'http://127.0.0.1:49152/callback')
    const rotated = await (
      await fetch(`${running.baseUrl}/__oauth-dance/rotate-key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ retirePrevious: true }),
      })
    ).json()
    const fetches = () => running.provider.journal.entries().filter((e) => e.route === 'standard.jwks').length
    // Within 60 s of its last fetch (real time: oauth4webapi's own clock) it does not refetch, and fails.
    const before = fetches()
    await expect(codeFlow(config, 'http://127.0.0.1:49152/callback')).rejects.toMatchObject({ code: 'OAUTH_KEY_SELECTION_FAILED' })
    expect(fetches()).toBe(before)
    // An app that kept the same JWKS copy (getJwksCache / setJwksCache), 61 s old: one refetch, and the new key verifies.
    const restarted = await client.discovery(issuer, PUBLIC.clientId, undefined, client.None(), options)
    client.enableNonRepudiationChecks(restarted)
    client.setJwksCache(restarted, { ...client.getJwksCache(config)!, uat: Math.floor(Date.now() / 1000) - 61 })
    const tokens = await codeFlow(restarted, 'http://127.0.0.1:49152/callback')
    expect(tokens.claims()!.sub).toBe(ALICE.id)
    expect(fetches() - before).toBe(1)
    expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0], 'base64url').toString()).kid).toBe(rotated.kid)
  })

  it('device authorization grant: polls until the user allows on the verification page', async () => {
    const config = await client.discovery(issuer, PUBLIC.clientId, undefined, client.None(), options)
    const started = await client.initiateDeviceAuthorization(config, { scope: 'openid profile' })
    expect(started.verification_uri).toBe(`${running.baseUrl}/device`)
    // openid-client waits `interval` seconds of real time before each poll: one second keeps the test short.
    const polling = client.pollDeviceAuthorizationGrant(config, { ...started, interval: 1 })
    const agent = browser(running.baseUrl)
    const approved = await followDevice(agent, started.verification_uri_complete!)
    expect(approved).toContain('Device connected')
    const tokens = await polling
    expect(tokens.claims()!.sub).toBe(ALICE.id)
  })

  it('private_key_jwt after Dynamic Client Registration, and client credentials bound to the protected resource', async () => {
    const { privateKey, publicKey } = await client.randomDPoPKeyPair('ES256', { extractable: true })
    const jwk = { ...(await crypto.subtle.exportKey('jwk', publicKey)), kid: 'signer-1', alg: 'ES256', use: 'sig' }
    const config = await client.dynamicClientRegistration(
      issuer,
      {
        token_endpoint_auth_method: 'private_key_jwt',
        grant_types: ['client_credentials'],
        jwks: { keys: [jwk as client.JWK] },
        client_name: 'openid-client signer',
      },
      client.PrivateKeyJwt({ key: privateKey, kid: 'signer-1' }),
      options,
    )
    const resource = `${running.baseUrl}/api`
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api:read', resource })
    const response = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${resource}/items`), 'GET')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ client_id: config.clientMetadata().client_id, scope: 'api:read' })
    // A second assertion is a new jti: accepted.
    expect((await client.clientCredentialsGrant(config, { scope: 'api:read' })).access_token).toBeTruthy()
  })
})

/** Signs alice in from the verification URI and allows the device. */
async function followDevice(agent: ReturnType<typeof browser>, verificationUri: string): Promise<string> {
  const { formFields, pathOf } = await import('../../../test/support/browser-like.js')
  let res = await agent.get(pathOf(verificationUri))
  if (res.status === 302) {
    const login = await agent.get(pathOf(res.headers.location))
    const posted = await agent
      .post('/login')
      .type('form')
      .send({ ...formFields(login.text), username: ALICE.username, password: ALICE.password })
    res = await agent.get(pathOf(posted.headers.location))
  }
  const decided = await agent
    .post('/device')
    .type('form')
    .send({ ...formFields(res.text), decision: 'authorize' })
  return decided.text
}
