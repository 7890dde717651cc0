import { describe, expect, it } from 'vitest'
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
