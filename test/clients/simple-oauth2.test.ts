import { AuthorizationCode } from 'simple-oauth2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { carinaFixtures } from '../../fixtures/carina.js'
import type { CarinaRuntime } from '../../mocks/providers/carina/config.js'
import { authorizeInBrowser, browser } from '../support/browser-like.js'
import { bothModes, type Running } from '../support/modes.js'

/**
 * A real third-party OAuth client from npm (simple-oauth2, not written here)
 * completing Carina's code flow and refresh, unmodified but for its host.
 */
describe.each(bothModes)('simple-oauth2 against Carina over $name', (mode) => {
  let running: Running<CarinaRuntime>
  beforeAll(async () => {
    running = await mode.start<CarinaRuntime>('carina')
  })
  afterAll(() => running.close())

  it('completes the authorization code flow, calls /me, and refreshes', async () => {
    const { application, user } = carinaFixtures
    const client = new AuthorizationCode({
      client: { id: application.clientId, secret: application.clientSecret },
      auth: { tokenHost: running.baseUrl, tokenPath: '/oauth/token', authorizeHost: running.baseUrl, authorizePath: '/oauth/authorize' },
    })
    const authorizeUrl = new URL(
      client.authorizeURL({ redirect_uri: application.redirectUris[0], scope: ['identity', 'create_cluster'], state: 'simple-oauth2-state' }),
    )
    expect(authorizeUrl.origin).toBe(running.baseUrl)

    // The library builds the URL; the user's browser follows it.
    const callback = await authorizeInBrowser(browser(running.baseUrl), {
      clientId: authorizeUrl.searchParams.get('client_id')!,
      redirectUri: authorizeUrl.searchParams.get('redirect_uri')!,
      scope: authorizeUrl.searchParams.get('scope')!,
      state: authorizeUrl.searchParams.get('state')!,
      username: user.username,
      password: user.password,
    })
    expect(callback.searchParams.get('state')).toBe('simple-oauth2-state')

    const accessToken = await client.getToken({ code: callback.searchParams.get('code')!, redirect_uri: application.redirectUris[0] })
    expect(accessToken.token).toMatchObject({ token_type: 'bearer', expires_in: 7200, scope: 'identity create_cluster' })
    // simple-oauth2 authenticates with HTTP Basic and a urlencoded body by default.
    expect(running.provider.journal.entries().at(-1)!.notes).toMatchObject({ clientAuthMethod: 'client_secret_basic', bodyFormat: 'form' })

    const me = await fetch(`${running.baseUrl}/me`, { headers: { Authorization: `bearer ${accessToken.token.access_token}` } })
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ username: 'carolynvs' })

    running.provider.clock.advance(7200)
    expect(accessToken.expired()).toBe(false) // the library reads the wall clock; the mock's moved
    const expired = await fetch(`${running.baseUrl}/me`, { headers: { Authorization: `Bearer ${accessToken.token.access_token}` } })
    expect(expired.status).toBe(401)

    const refreshed = await accessToken.refresh()
    expect(refreshed.token.access_token).not.toBe(accessToken.token.access_token)
    const again = await fetch(`${running.baseUrl}/me`, { headers: { Authorization: `Bearer ${refreshed.token.access_token}` } })
    expect(again.status).toBe(200)
  })

  it('surfaces the provider error body to the caller on a bad code', async () => {
    const { application } = carinaFixtures
    const client = new AuthorizationCode({
      client: { id: application.clientId, secret: application.clientSecret },
      auth: { tokenHost: running.baseUrl, tokenPath: '/oauth/token' },
    })
    const error = await client.getToken({ code: 'not-a-code', redirect_uri: application.redirectUris[0] }).catch((e: unknown) => e)
    expect((error as { output: { statusCode: number } }).output.statusCode).toBe(401)
    expect((error as { data: { payload: unknown } }).data.payload).toEqual({
      error: 'invalid_grant',
      error_description:
        'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
    })
  })
})
