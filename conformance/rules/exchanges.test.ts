import { describe, expect, it } from 'vitest'
import type { Exchange } from '../../mocks/core/journal.js'
import { bodyParams, param, queryParams, tokenResponseFields } from './exchanges.js'

function exchange(): Exchange {
  return {
    seq: 1,
    provider: 'standard',
    origin: 'default',
    route: 'token',
    at: '2030-01-01T00:00:00.000Z',
    atMs: Date.UTC(2030, 0, 1),
    request: {
      method: 'POST',
      url: 'https://auth.standard.example/token?state=one',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=abc',
    },
    response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"access_token":"t1","expires_in":60}' },
    notes: {},
  }
}

describe('the readings of an exchange (kept per exchange)', () => {
  it('give the same values when read again', () => {
    const e = exchange()
    expect(tokenResponseFields(e)).toEqual({ access_token: 't1', expires_in: '60' })
    expect(tokenResponseFields(e)).toEqual({ access_token: 't1', expires_in: '60' })
    expect([...bodyParams(e)]).toEqual([
      ['grant_type', 'authorization_code'],
      ['code', 'abc'],
    ])
    expect(param(e, 'code')).toBe('abc')
    expect(queryParams(e).get('state')).toBe('one')
  })

  it('follow an exchange changed since: its body, its content type, its URL', () => {
    const e = exchange()
    expect(tokenResponseFields(e)?.access_token).toBe('t1')
    expect(param(e, 'code')).toBe('abc')
    expect(queryParams(e).get('state')).toBe('one')
    e.response.body = 'access_token=t2&token_type=bearer'
    e.response.headers['content-type'] = 'application/x-www-form-urlencoded'
    expect(tokenResponseFields(e)).toEqual({ access_token: 't2', token_type: 'bearer' })
    e.request.body = 'grant_type=authorization_code&code=def'
    expect(param(e, 'code')).toBe('def')
    e.request.headers['content-type'] = 'application/json'
    expect([...bodyParams(e)]).toEqual([])
    e.request.body = '{"code":"ghi"}'
    expect([...bodyParams(e)]).toEqual([['code', 'ghi']])
    e.request.url = 'https://auth.standard.example/token?state=two'
    expect(queryParams(e).get('state')).toBe('two')
  })
})
