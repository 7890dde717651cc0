import { auth, extractWWWAuthenticateParams, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js'
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import { followAuthorization } from '../../../test/support/standard.js'
import type { StandardRuntime } from './config.js'

/** The MCP TypeScript SDK's OAuth client, as an MCP client application would give it its storage. */
class InMemoryProvider implements OAuthClientProvider {
  information?: OAuthClientInformationMixed
  saved?: OAuthTokens
  verifier = ''
  authorizationUrl?: URL
  readonly redirectUrl = 'http://127.0.0.1:33418/callback'
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'MCP SDK test client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }
  }
  clientInformation() {
    return this.information
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.information = information
  }
  tokens() {
    return this.saved
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier
  }
  codeVerifier() {
    return this.verifier
  }
}

/**
 * The authorization an MCP client performs (MCP specification, Authorization):
 * starting from nothing but the protected resource's URL, it follows the 401's
 * `resource_metadata` (RFC 9728), discovers the authorization server
 * (RFC 8414), registers (RFC 7591), authorizes with PKCE and `resource`
 * (RFC 8707), and calls the resource with a token bound to it, all offline.
 */
describe.each(bothModes)('@modelcontextprotocol/sdk against standard over $name', (mode) => {
  let running: Running<StandardRuntime>
  beforeAll(async () => {
    running = await mode.start<StandardRuntime>('standard')
  })
  afterAll(() => running.close())
  beforeEach(() => running.provider.reset())

  it('discovers, registers, authorizes and calls the resource, starting from its URL', async () => {
    const resourceUrl = running.provider.describe().resourceUrl as string
    const challenge = await fetch(resourceUrl)
    expect(challenge.status).toBe(401)
    const { resourceMetadataUrl } = extractWWWAuthenticateParams(challenge)
    expect(resourceMetadataUrl?.href).toBe(`${running.baseUrl}/.well-known/oauth-protected-resource/api`)

    const provider = new InMemoryProvider()
    expect(await auth(provider, { serverUrl: resourceUrl, resourceMetadataUrl, scope: 'api:read' })).toBe('REDIRECT')
    expect(provider.information?.client_id).toMatch(/^dyn-/)
    const authorizationUrl = provider.authorizationUrl!
    expect(authorizationUrl.searchParams.get('resource')).toBe(resourceUrl)
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256')

    const callback = await followAuthorization(browser(running.baseUrl), authorizationUrl.href)
    expect(callback.searchParams.get('iss')).toBe(running.baseUrl)
    expect(await auth(provider, { serverUrl: resourceUrl, resourceMetadataUrl, authorizationCode: callback.searchParams.get('code')! })).toBe('AUTHORIZED')
    const tokenRequest = running.provider.journal.entries().find((e) => e.route === 'standard.token')!
    expect(new URLSearchParams(tokenRequest.request.body).get('resource')).toBe(resourceUrl)

    const call = await fetch(`${resourceUrl}/tools`, { headers: { Authorization: `Bearer ${provider.saved!.access_token}` } })
    expect(call.status).toBe(200)
    expect(await call.json()).toMatchObject({ resource: resourceUrl, client_id: provider.information!.client_id, scope: 'api:read' })

    // With its tokens saved, the SDK refreshes instead of asking the user again; the rotated token is kept.
    const first = provider.saved!.refresh_token
    expect(await auth(provider, { serverUrl: resourceUrl, resourceMetadataUrl })).toBe('AUTHORIZED')
    expect(provider.saved!.refresh_token).toBeTruthy()
    expect(provider.saved!.refresh_token).not.toBe(first)
  })

  it('presents a client ID metadata document instead of registering, when the server says it takes them', async () => {
    const base = running.baseUrl
    const post = (path: string, body: unknown) =>
      fetch(`${base}/__oauth-dance/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect((await post('options', { clientIdMetadataDocuments: true })).status).toBe(200)
    const clientMetadataUrl = 'https://mcp-client.example/oauth/client.json'
    const provider = Object.assign(new InMemoryProvider(), { clientMetadataUrl })
    expect((await post('client-id-document', { url: clientMetadataUrl, document: { ...provider.clientMetadata, client_id: clientMetadataUrl } })).status).toBe(
      200,
    )
    const resourceUrl = running.provider.describe().resourceUrl as string
    const { resourceMetadataUrl } = extractWWWAuthenticateParams(await fetch(resourceUrl))
    expect(await auth(provider, { serverUrl: resourceUrl, resourceMetadataUrl, scope: 'api:read' })).toBe('REDIRECT')
    expect(provider.information?.client_id).toBe(clientMetadataUrl)
    expect(running.provider.journal.entries().some((e) => e.route === 'standard.register')).toBe(false)
    const callback = await followAuthorization(browser(base), provider.authorizationUrl!.href)
    expect(await auth(provider, { serverUrl: resourceUrl, resourceMetadataUrl, authorizationCode: callback.searchParams.get('code')! })).toBe('AUTHORIZED')
    const call = await fetch(`${resourceUrl}/tools`, { headers: { Authorization: `Bearer ${provider.saved!.access_token}` } })
    expect(await call.json()).toMatchObject({ client_id: clientMetadataUrl, scope: 'api:read' })
  })
})
