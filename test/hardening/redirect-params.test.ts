import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { carinaFixtures } from '../../fixtures/carina.js'
import { cloud66Fixtures } from '../../fixtures/cloud66.js'
import { appendQuery } from '../../mocks/core/authorize.js'
import { appendGocdQuery } from '../../mocks/providers/gocd/responses.js'
import { serve, type RunningServer } from '../../mocks/server.js'
import { authorizeInBrowser, browser } from '../support/browser-like.js'

/**
 * RFC 6749 §3.1: response parameters are never repeated. A redirect URI whose
 * query already holds `code`, `state` or `error` (accepted where the query is
 * ignored when matching: Carina, Cloud 66) gets the provider's values in their
 * place, so a client reading the first `code` never exchanges an attacker's.
 */

describe('the redirect builders replace same-named parameters of the redirect URI', () => {
  it("appendQuery keeps the URI's other parameters and replaces code, state and error", () => {
    expect(appendQuery('https://app.example/cb?code=ATTACKER&keep=1&state=old&code=B', { code: 'real', state: 's' })).toBe(
      'https://app.example/cb?keep=1&code=real&state=s',
    )
    expect(appendQuery('https://app.example/cb?error=x&a=b', { error: 'access_denied', error_description: undefined })).toBe(
      'https://app.example/cb?a=b&error=access_denied',
    )
  })

  it('appendGocdQuery does the same, keeping the other parameters as written', () => {
    expect(appendGocdQuery('http://www.my_redirect_uri.com?code=ATTACKER&x=a%20b&co%64e=2', { code: 'real', expires_in: '600' })).toBe(
      'http://www.my_redirect_uri.com?x=a%20b&code=real&expires_in=600',
    )
    expect(appendGocdQuery('http://www.my_redirect_uri.com/cb?error=x#frag', { error: 'access_denied' })).toBe(
      'http://www.my_redirect_uri.com/cb?error=access_denied#frag',
    )
    expect(appendGocdQuery('http://www.my_redirect_uri.com', { code: 'c' })).toBe('http://www.my_redirect_uri.com?code=c')
  })
})

describe('authorization responses over serve', () => {
  let running: RunningServer
  const base = (id: 'carina' | 'cloud66') => running.providers[id]!.baseUrl
  beforeAll(async () => {
    running = await serve({ portBase: 0, providers: ['carina', 'cloud66'], log: null })
  })
  afterAll(() => running.close())

  // Each test asks for scopes not granted before, so the consent page (with its deny button) is shown.
  const carina = (scope: string) => ({
    clientId: carinaFixtures.application.clientId,
    username: carinaFixtures.user.username,
    password: carinaFixtures.user.password,
    scope,
  })
  const cloud66 = (scope: string) => ({
    clientId: cloud66Fixtures.application.clientId,
    username: cloud66Fixtures.user.username,
    password: cloud66Fixtures.user.password,
    scope,
    authorizePath: '/oauth/authorize',
  })

  it.each([
    ['carina', 'https://example.com/carina-oauth-callback'],
    ['cloud66', 'http://example.com'],
  ] as const)('%s: the real code is the only one after approval, the other parameters of the URI kept', async (id, callback) => {
    const who = id === 'carina' ? carina('identity') : cloud66('public')
    const location = await authorizeInBrowser(browser(base(id)), { ...who, redirectUri: `${callback}?code=ATTACKER&state=forged&keep=1`, state: 'mine' })
    expect(location.searchParams.getAll('code')).toEqual([expect.not.stringMatching(/^ATTACKER$/)])
    expect(location.searchParams.getAll('state')).toEqual(['mine'])
    expect(location.searchParams.getAll('keep')).toEqual(['1'])
  })

  it.each([
    ['carina', 'https://example.com/carina-oauth-callback'],
    ['cloud66', 'http://example.com'],
  ] as const)('%s: a denial carries one error and one state', async (id, callback) => {
    const who = id === 'carina' ? carina('identity cluster_credentials') : cloud66('public redeploy')
    const location = await authorizeInBrowser(browser(base(id)), {
      ...who,
      redirectUri: `${callback}?error=forged&state=forged`,
      state: 'mine',
      decision: 'deny',
    })
    expect(location.searchParams.getAll('error')).toEqual(['access_denied'])
    expect(location.searchParams.getAll('state')).toEqual(['mine'])
  })

  it('an error redirected before login (bad scope) carries one error and one state', async () => {
    const res = await browser(base('carina')).get('/oauth/authorize').query({
      client_id: carinaFixtures.application.clientId,
      redirect_uri: 'https://example.com/carina-oauth-callback?error=x&state=y',
      response_type: 'code',
      scope: 'nope',
      state: 'mine',
    })
    expect(res.status).toBe(302)
    const location = new URL(res.headers.location)
    expect([location.searchParams.getAll('error'), location.searchParams.getAll('state')]).toEqual([['invalid_scope'], ['mine']])
  })
})

describe('Carina matches the out-of-band URN exactly', () => {
  let running: RunningServer
  beforeAll(async () => {
    running = await serve({ portBase: 0, providers: ['carina'], log: null })
  })
  afterAll(() => running.close())

  it.each(['URN:ietf:wg:oauth:2.0:oob', 'urn:ietf:wg:oauth:2.0:oob?x', 'urn:IETF:wg:oauth:2.0:oob'])(
    'refuses %s on a page, never redirecting to it',
    async (redirectUri) => {
      const res = await browser(running.providers.carina!.baseUrl)
        .get('/oauth/authorize')
        .query({ client_id: carinaFixtures.application.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'identity' })
      expect(res.status).toBe(400)
      expect(res.headers.location).toBeUndefined()
      expect(res.text).toContain('<code data-testid="authorize-error-code">invalid_redirect_uri</code>')
    },
  )
})
