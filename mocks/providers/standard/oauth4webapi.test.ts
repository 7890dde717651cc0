import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { ALICE, CONFIDENTIAL, followAuthorization, PUBLIC } from '../../../test/support/standard.js'
import type { StandardRuntime } from './config.js'

/**
 * oauth4webapi 3 (the low-level OAuth 2 / OIDC client openid-client is built
 * on) against `standard`: it checks RFC 9207's `iss` whenever the metadata
 * says the server sends it, PKCE, the nonce and the ID token's signature.
 */
describe.each(bothModes)('oauth4webapi against standard over $name', (mode) => {
  let running: Running<StandardRuntime>
  let as: oauth.AuthorizationServer
  let insecure: { [oauth.allowInsecureRequests]?: boolean }
  beforeAll(async () => {
    running = await mode.start<StandardRuntime>('standard')
    const issuer = new URL(running.baseUrl)
    insecure = issuer.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {}
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }))
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  async function authorize(client: oauth.Client, redirectUri: string) {
    const verifier = oauth.generateRandomCodeVerifier()
    const nonce = oauth.generateRandomNonce()
    const state = oauth.generateRandomState()
    const url = new URL(as.authorization_endpoint!)
    for (const [k, v] of Object.entries({
      client_id: client.client_id,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    }))
      url.searchParams.set(k, v)
    const callback = await followAuthorization(browser(running.baseUrl), url.href)
    return { callback, verifier, nonce, state }
  }

  it('code flow with PKCE as a public client, ID token, UserInfo and refresh', async () => {
    const client: oauth.Client = { client_id: PUBLIC.clientId }
    const redirectUri = 'http://127.0.0.1:40000/callback'
    const { callback, verifier, nonce, state } = await authorize(client, redirectUri)
    const params = oauth.validateAuthResponse(as, client, callback, state)
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, insecure)
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: nonce, requireIdToken: true })
    const claims = oauth.getValidatedIdTokenClaims(tokens)!
    expect(claims.sub).toBe(ALICE.id)
    const info = await oauth.processUserInfoResponse(as, client, claims.sub, await oauth.userInfoRequest(as, client, tokens.access_token, insecure))
    expect(info.email).toBe('alice@example.com')
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure),
    )
    expect(refreshed.access_token).not.toBe(tokens.access_token)
  })

  it("refuses an authorization response without iss, or with another server's", async () => {
    const client: oauth.Client = { client_id: CONFIDENTIAL.clientId }
    const { callback, state } = await authorize(client, CONFIDENTIAL.redirectUris[0])
    const withoutIss = new URL(callback)
    withoutIss.searchParams.delete('iss')
    expect(() => oauth.validateAuthResponse(as, client, withoutIss, state)).toThrow(/"iss"/)
    const foreign = new URL(callback)
    foreign.searchParams.set('iss', 'https://evil.example')
    expect(() => oauth.validateAuthResponse(as, client, foreign, state)).toThrow(/"iss"/)
    const params = oauth.validateAuthResponse(as, client, callback, state)
    expect(params.get('code')).toBeTruthy()
  })

  it('pushes the authorization request (RFC 9126) and binds its tokens with DPoP (RFC 9449) for a client registered to require both', async () => {
    const registered = await fetch(as.registration_endpoint!, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        require_pushed_authorization_requests: true,
        dpop_bound_access_tokens: true,
      }),
    })
    const client: oauth.Client = { client_id: ((await registered.json()) as { client_id: string }).client_id }
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
    const redirectUri = 'http://127.0.0.1:40001/callback'
    const verifier = oauth.generateRandomCodeVerifier()
    const state = oauth.generateRandomState()
    const resource = `${running.baseUrl}/api`
    const parameters = {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid api:read',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      resource,
    }
    const pushed = await oauth.processPushedAuthorizationResponse(
      as,
      client,
      await oauth.pushedAuthorizationRequest(as, client, oauth.None(), parameters, { DPoP, ...insecure }),
    )
    const url = new URL(as.authorization_endpoint!)
    url.searchParams.set('client_id', client.client_id)
    url.searchParams.set('request_uri', pushed.request_uri)
    const callback = await followAuthorization(browser(running.baseUrl), url.href)
    const params = oauth.validateAuthResponse(as, client, callback, state)
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, { DPoP, ...insecure })
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { requireIdToken: true })
    expect(tokens.token_type).toBe('dpop')
    const api = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL(`${resource}/things`), undefined, undefined, { DPoP, ...insecure })
    expect(api.status).toBe(200)
    expect(((await api.json()) as { sub: string }).sub).toBe(ALICE.id)
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, { DPoP, ...insecure }),
    )
    expect(refreshed.token_type).toBe('dpop')
  })
})
