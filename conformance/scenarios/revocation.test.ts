import { describe, expect, it } from 'vitest'
import { runScenarios } from '../runner.js'
import { referenceClient } from '../clients/reference-client.js'
import { scenariosFor } from './index.js'

const routes = (exchanges: Array<{ request: { method: string }; route: string | null; response: { status: number } }>) =>
  exchanges.map((e) => `${e.request.method} ${e.route} ${e.response.status}`)

/**
 * The revoke-tokens step goes through the provider's own revocation, so the
 * refresh path really runs: on GoCD the token rows are deleted (cctray
 * refuses the token, the refresh token is unknown), as GoCD revokes.
 */
describe('refresh-token-revoked: revocation acts as the provider revokes', () => {
  it('GoCD: after revocation cctray answers 401 and the refresh is refused, then the user signs in again', async () => {
    const result = await runScenarios({ provider: 'gocd', client: referenceClient, scenarios: scenariosFor('gocd', ['refresh-token-revoked']) })
    expect(result.passed).toBe(true)
    const after = routes(result.scenarios[0].exchanges).slice(routes(result.scenarios[0].exchanges).indexOf('GET gocd.cctray 200') + 1)
    expect(after.slice(0, 3)).toEqual(['GET gocd.cctray 401', 'POST gocd.token 400', 'GET gocd.authorize 200'])
    expect(after.at(-1)).toBe('GET gocd.cctray 200')
  })

  it('GoCD: the expiry it sends (90 days) makes expired-token and refresh-token-rotation run, with the hyphenated refresh grant', async () => {
    const result = await runScenarios({
      provider: 'gocd',
      client: referenceClient,
      scenarios: scenariosFor('gocd', ['expired-token', 'refresh-token-rotation']),
    })
    expect(result.scenarios.map((s) => s.scenario)).toEqual(['gocd/expired-token', 'gocd/refresh-token-rotation'])
    expect(result.checks.filter((c) => c.result !== 'pass' && c.result !== 'skip')).toEqual([])
    const refreshes = result.scenarios[1].exchanges.filter((e) => e.route === 'gocd.token' && e.request.body.includes('grant_type=refresh-token'))
    expect(refreshes.map((e) => e.response.status)).toEqual([200, 200])
  })

  it('Carina: revocation revokes the grant too, so the user consents again', async () => {
    const result = await runScenarios({ provider: 'carina', client: referenceClient, scenarios: scenariosFor('carina', ['refresh-token-revoked']) })
    expect(result.passed).toBe(true)
    const all = routes(result.scenarios[0].exchanges)
    expect(all.slice(all.indexOf('GET carina.me 401'))).toEqual([
      'GET carina.me 401',
      'POST carina.token 401',
      'GET carina.authorize 200',
      'POST carina.consent 302',
      'POST carina.token 200',
      'GET carina.me 200',
    ])
  })
})
