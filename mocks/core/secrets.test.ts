import { describe, expect, it } from 'vitest'
import { formUrlDecode } from './client-auth.js'
import { drawRandom, RANDOM_POOL, randomBase64Url, randomHex, secretsEqual } from './secrets.js'

describe('secretsEqual', () => {
  it('compares with and without the record holding the expected secret', () => {
    const client = { clientSecret: 's3cret' }
    for (const holder of [undefined, client]) {
      expect(secretsEqual('s3cret', client.clientSecret, holder)).toBe(true)
      expect(secretsEqual('s3cret!', client.clientSecret, holder)).toBe(false)
      expect(secretsEqual('', client.clientSecret, holder)).toBe(false)
      expect(secretsEqual(undefined, client.clientSecret, holder)).toBe(false)
      expect(secretsEqual('s3cret', null, holder)).toBe(false)
    }
  })

  it('follows a record whose secret changed (the kept digest is of the old one)', () => {
    const client = { clientSecret: 'first' }
    expect(secretsEqual('first', client.clientSecret, client)).toBe(true)
    client.clientSecret = 'second'
    expect(secretsEqual('first', client.clientSecret, client)).toBe(false)
    expect(secretsEqual('second', client.clientSecret, client)).toBe(true)
  })
})

describe('formUrlDecode', () => {
  it('undoes form-urlencoding, and gives back a value with nothing to undo as it is', () => {
    expect(formUrlDecode('a%20b+c')).toBe('a b c')
    expect(formUrlDecode('%E2%82%AC')).toBe('€')
    expect(formUrlDecode('%zz')).toBeUndefined()
    expect(formUrlDecode('%')).toBeUndefined()
    expect(formUrlDecode('plain-secret_1')).toBe('plain-secret_1')
    expect(formUrlDecode('')).toBe('')
  })
})

describe('the random pool', () => {
  it('gives hex and base64url of the asked length, different each time, across refills and beyond the pool', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 600; i++) {
      const hex = randomHex(32)
      expect(hex).toMatch(/^[0-9a-f]{64}$/)
      expect(randomBase64Url(16)).toMatch(/^[A-Za-z0-9_-]{22}$/)
      seen.add(hex)
    }
    expect(seen.size).toBe(600)
    expect(randomHex(10_000)).toHaveLength(20_000)
    const at = drawRandom(16)
    expect(RANDOM_POOL.subarray(at, at + 16)).toHaveLength(16)
  })
})
