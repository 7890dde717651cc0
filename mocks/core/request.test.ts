import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { pathnameOf } from './request.js'

describe('pathnameOf', () => {
  it.each([
    ['http://127.0.0.1:4402/v3/OS-OAUTH2/token', '/v3/OS-OAUTH2/token'],
    ['https://oauth.getcarina.com/oauth/token?x=/y#z', '/oauth/token'],
    ['http://host:1/a/./b/../c', '/a/c'],
    ['http://host/a/%2e%2E/b', '/b'],
    ['http://host/a b', '/a%20b'],
    ['http://host/a\\b', '/a/b'],
    ['http://host/é', '/%C3%A9'],
    ['http://host?q=/x', '/'],
    ['http://host', '/'],
    ['http://user@host/x', '/x'],
    ['http://[::1]:4402/.well-known/x', '/.well-known/x'],
  ])('gives %s the pathname the URL parser gives (%s)', (url, pathname) => {
    expect(pathnameOf(url)).toBe(pathname)
    expect(new URL(url).pathname).toBe(pathname)
  })

  it('agrees with the URL parser on any path, query and fragment', () => {
    const piece = fc.constantFrom(
      'a',
      'Z',
      '0',
      '-',
      '.',
      '..',
      '/',
      '%2e',
      '%2F',
      '%',
      '%zz',
      '~',
      '!',
      "'",
      '(',
      '*',
      ',',
      ';',
      '=',
      ':',
      '@',
      '$',
      '&',
      '+',
      ' ',
      '"',
      '<',
      '>',
      '`',
      '{',
      '}',
      '|',
      '^',
      '[',
      ']',
      '\\',
      'é',
      '\u0000',
      '\t',
      '?',
      '#',
    )
    const path = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''))
    const authority = fc.constantFrom('127.0.0.1:4402', 'oauth.getcarina.com', '[::1]:80', 'u:p@host', 'HOST.example:8080')
    fc.assert(
      fc.property(fc.constantFrom('http', 'https'), authority, path, (scheme, host, rest) => {
        const url = `${scheme}://${host}/${rest}`
        let expected: string
        try {
          expected = new URL(url).pathname
        } catch {
          return // not a URL at all: no request carries one
        }
        expect(pathnameOf(url)).toBe(expected)
      }),
      { numRuns: 3000 },
    )
  })
})
