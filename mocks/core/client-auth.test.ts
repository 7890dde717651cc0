import { describe, expect, it } from 'vitest'
import { readBasicCredentials } from './client-auth.js'
import { InvalidClient } from './errors.js'

const withAuthorization = (value?: string) => ({ headers: new Headers(value === undefined ? {} : { authorization: value }) })
const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`

describe('readBasicCredentials', () => {
  it('gives each header its own credentials, the same header again included, split at the first colon', () => {
    const sequence = ['app:s3cret', 'other:pa:ss', 'app:s3cret', 'app:s3cret', 'caf%C3%A9:x', 'other:pa:ss']
    for (const userPass of sequence) {
      const colon = userPass.indexOf(':')
      expect(readBasicCredentials(withAuthorization(basic(userPass)))).toEqual({ rawId: userPass.slice(0, colon), rawSecret: userPass.slice(colon + 1) })
    }
    expect(readBasicCredentials(withAuthorization(`basic   ${Buffer.from('app:s3cret').toString('base64')} `))).toEqual({ rawId: 'app', rawSecret: 's3cret' })
  })

  it('refuses a malformed Basic header every time it is sent, whatever was read before it', () => {
    for (const header of ['Basic !!!', basic('no-colon'), 'Basic !!!', basic('app:s3cret'), basic('no-colon')]) {
      if (header === basic('app:s3cret')) {
        expect(readBasicCredentials(withAuthorization(header))).toEqual({ rawId: 'app', rawSecret: 's3cret' })
        continue
      }
      let thrown: unknown
      try {
        readBasicCredentials(withAuthorization(header))
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(InvalidClient)
      expect((thrown as InvalidClient).headers['WWW-Authenticate']).toBe('Basic realm="oauth-dance"')
    }
  })

  it('reads no credentials without the header or in another scheme, and hands out credentials no caller can change', () => {
    expect(readBasicCredentials(withAuthorization(basic('app:s3cret')))).toBeDefined()
    expect(readBasicCredentials(withAuthorization())).toBeUndefined()
    expect(readBasicCredentials(withAuthorization('Bearer abc'))).toBeUndefined()
    const credentials = readBasicCredentials(withAuthorization(basic('app:s3cret')))!
    expect(Object.isFrozen(credentials)).toBe(true)
    expect(readBasicCredentials(withAuthorization(basic('app:s3cret')))).toEqual({ rawId: 'app', rawSecret: 's3cret' })
  })
})
