import { describe, expect, it } from 'vitest'
import { Reply, isRouteAnswer, toReply } from './reply.js'
import { RawHeaders } from './request.js'
import { CLIENT_CERT_HEADER } from './client-cert.js'

describe('Reply', () => {
  it('normalized keeps the headers given, in their order, and reads like any reply', () => {
    const headers = { 'content-type': 'application/json', vary: 'X-Auth-Token', 'x-id': 'req-1' }
    const reply = Reply.normalized(200, headers, '{}\n', 3)
    expect(reply.headers).toBe(headers)
    expect(Object.keys(reply.headers)).toEqual(['content-type', 'vary', 'x-id'])
    expect(reply.header('Vary')).toBe('X-Auth-Token')
    expect(reply.bodyBytes).toBe(3)
    expect(reply.withHeaders({ vary: undefined }).headers).toEqual({ 'content-type': 'application/json', 'x-id': 'req-1' })
    // The usual constructor still checks and copies.
    expect(() => new Reply(200, { 'x-a': 'a\r\nb' }, null)).toThrow(TypeError)
    expect(new Reply(200, headers, null).headers).not.toBe(headers)
  })

  it('lower-cases header names, the later spelling of a name winning, and drops undefined values', () => {
    const reply = new Reply(200, { 'Content-Type': 'text/plain', 'content-type': 'application/json', Vary: undefined }, 'x')
    expect(reply.headers).toEqual({ 'content-type': 'application/json' })
    expect(reply.header('Content-Type')).toBe('application/json')
  })

  it('refuses a header value that could split the response, as Headers does', () => {
    expect(() => new Reply(302, { Location: 'https://a.example/\r\nSet-Cookie: x=1' }, null)).toThrow(new TypeError('Invalid value of header "Location"'))
    expect(() => new Reply(200, { 'Set-Cookie': ['a=1', 'b=2\n'] }, null)).toThrow(TypeError)
  })

  it('becomes a web Response with every Set-Cookie value and the body', async () => {
    const response = new Reply(201, { 'Set-Cookie': ['a=1', 'b=2'], 'Content-Type': 'text/plain' }, 'héllo').toResponse()
    expect(response.status).toBe(201)
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(await response.text()).toBe('héllo')
  })

  it('reads a web Response back into the same data', async () => {
    const headers = new Headers([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['content-type', 'application/json'],
    ])
    const reply = await toReply(new Response('{"a":1}', { status: 400, headers }))
    expect(reply.status).toBe(400)
    expect(reply.headers).toEqual({ 'set-cookie': ['a=1', 'b=2'], 'content-type': 'application/json' })
    expect(reply.text()).toBe('{"a":1}')
  })

  it('keeps its headers when given a new body, and replaces or removes single headers', () => {
    const reply = Reply.json(200, { a: 1 }, { 'Cache-Control': 'no-store' })
    expect(reply.withBody('{').headers).toEqual(reply.headers)
    expect(reply.withHeaders({ 'Content-Type': 'text/html', 'cache-control': undefined }).headers).toEqual({ 'content-type': 'text/html' })
  })

  it('tells answers from other values', () => {
    expect(isRouteAnswer(new Reply(204, {}, null))).toBe(true)
    expect(isRouteAnswer(new Response(null))).toBe(true)
    expect(isRouteAnswer({ status: 200, headers: {} })).toBe(false)
  })
})

describe('RawHeaders (serve reads Node raw headers as Headers would)', () => {
  it('matches names case-insensitively, joins a repeated header with ", " and lists names in order', () => {
    const headers = new RawHeaders(['X-B', '1', 'Accept', 'a', 'x-b', '2'])
    expect(headers.get('x-b')).toBe('1, 2')
    expect(headers.has('ACCEPT')).toBe(true)
    expect(headers.get('missing')).toBeNull()
    const seen: string[] = []
    headers.forEach((value, name) => seen.push(`${name}=${value}`))
    expect(seen).toEqual(['accept=a', 'x-b=1, 2'])
  })

  it('drops the header only the listener may set, whatever its case', () => {
    const headers = new RawHeaders(['X-OAuth-Dance-Client-Cert', 'forged', 'Host', 'h'], CLIENT_CERT_HEADER)
    expect(headers.has(CLIENT_CERT_HEADER)).toBe(false)
    expect(headers.get('host')).toBe('h')
  })

  it('withStrings: the same headers (skipped and set ones included) over the strings given back', () => {
    const headers = new RawHeaders(['X-OAuth-Dance-Client-Cert', 'forged', 'Host', 'h', 'X-B', '1', 'x-b', '2'], CLIENT_CERT_HEADER)
    headers.set(CLIENT_CERT_HEADER, 'verified')
    const given: string[] = []
    const copy = headers.withStrings((s) => (given.push(s), s))
    expect(given).toEqual(['X-OAuth-Dance-Client-Cert', 'forged', 'Host', 'h', 'X-B', '1', 'x-b', '2'])
    const list = (h: RawHeaders) => {
      const seen: string[] = []
      h.forEach((value, name) => seen.push(`${name}=${value}`))
      return seen
    }
    expect(list(copy)).toEqual(list(headers))
    expect(list(copy)).toEqual(['host=h', 'x-b=1, 2', `${CLIENT_CERT_HEADER}=verified`])
    expect(copy.get(CLIENT_CERT_HEADER)).toBe('verified')
  })

  it('withStrings with like: an equal string at the same place is taken from it, the others given to keep', () => {
    const like = new RawHeaders(['Host', 'h', 'Authorization', 'Basic a', 'Accept', '*/*'])
    const given: string[] = []
    const copy = new RawHeaders(['Host', 'h', 'Authorization', 'Basic b', 'Accept', 'x', 'Extra', '1']).withStrings((s) => (given.push(s), s), like)
    expect(given).toEqual(['Basic b', 'x', 'Extra', '1'])
    expect(copy.get('authorization')).toBe('Basic b')
    expect(copy.get('accept')).toBe('x')
    expect(copy.get('extra')).toBe('1')
    expect(copy.get('host')).toBe('h')
  })
})
