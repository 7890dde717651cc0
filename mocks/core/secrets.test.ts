import { describe, expect, it } from 'vitest'
import { formUrlDecode } from './client-auth.js'
import { secretsEqual } from './secrets.js'

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
