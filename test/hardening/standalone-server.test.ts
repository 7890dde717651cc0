import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serve, type RunningServer } from '../../mocks/server.js'
import { raw, readUntilClosed } from '../support/raw-socket.js'

/**
 * The standalone server under abuse: oversized bodies, slow or stalled
 * clients, clients that vanish mid-request, and bytes that are not HTTP.
 * After each, the server still answers, and a token issued before is still
 * good (no state lost).
 */

const LIMIT = 64 * 1024
let running: RunningServer
let carina: { host: string; port: number; url: string }
let keystone: { url: string; basic: string }
const logLines: string[] = []

async function healthy() {
  const res = await fetch(`${carina.url}/__oauth-dance/provider`)
  expect(res.status).toBe(200)
  // The token issued before the abuse still works: nothing was lost.
  const servers = await fetch(`${keystone.url}/v2.1/servers`, { headers: { authorization: `Bearer ${keystoneToken}` } })
  expect(servers.status).toBe(200)
}

let keystoneToken: string
beforeAll(async () => {
  running = await serve({ portBase: 0, providers: ['carina', 'keystone'], log: (line) => logLines.push(line), timeouts: { headersMs: 400, requestMs: 800 } })
  const c = running.listeners.find((l) => l.provider === 'carina')!
  carina = { host: '127.0.0.1', port: c.port, url: c.url }
  const k = running.providers.keystone!.describe()
  const client = k.clients[0]
  keystone = { url: k.baseUrl, basic: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` }
  const res = await fetch(`${keystone.url}/v3/OS-OAUTH2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: keystone.basic },
    body: 'grant_type=client_credentials',
  })
  expect(res.status).toBe(200)
  keystoneToken = ((await res.json()) as { access_token: string }).access_token
})
afterAll(() => running.close())

describe('body size limit', () => {
  it('answers 413 in the provider format to a declared oversized body, and closes the connection', async () => {
    const socket = await raw(carina.port)
    const body = 'grant_type=authorization_code&code=' + 'a'.repeat(LIMIT + 10)
    socket.write(`POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`)
    socket.write(body)
    const answer = await readUntilClosed(socket)
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(answer).toMatch(/connection: close/i)
    const json = JSON.parse(answer!.slice(answer!.indexOf('\r\n\r\n') + 4))
    expect(json).toEqual({ error: 'invalid_request', error_description: expect.any(String) })
    await healthy()
  })

  it('answers 413 to a chunked body that grows past the limit, without reading it all', async () => {
    const socket = await raw(carina.port)
    socket.write('POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n')
    const chunk = 'a'.repeat(16 * 1024)
    for (let i = 0; i < 6; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
    // No terminating chunk: the server must answer on the size alone.
    const answer = await readUntilClosed(socket)
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    await healthy()
  })
})

describe('timeouts', () => {
  it('cuts off a client that never finishes its headers (slowloris)', async () => {
    const socket = await raw(carina.port)
    socket.write('GET /me HTTP/1.1\r\nHost: x\r\n')
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100)
    const answer = await readUntilClosed(socket)
    clearInterval(trickle)
    // Closed by the server with 408 (null would mean still open after 10 s).
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    await healthy()
  })

  it('cuts off a client whose body stalls', async () => {
    const socket = await raw(carina.port)
    socket.write('POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=')
    const answer = await readUntilClosed(socket)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    await healthy()
  })
})

describe('broken clients', () => {
  it('survives clients that disconnect mid-request, many at once', async () => {
    const sockets = await Promise.all(Array.from({ length: 100 }, () => raw(carina.port)))
    sockets.forEach((socket, i) => {
      socket.on('error', () => {})
      if (i % 2)
        socket.write(
          'POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\ngrant_type=authoriz',
        )
      else socket.write('GET /oauth/authorize?client_id=')
      socket.destroy()
    })
    await new Promise((r) => setTimeout(r, 100))
    await healthy()
  })

  it.each([
    ['garbage', 'GARBAGE\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['a bad header line', 'GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['a control character in a header', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['conflicting lengths', 'POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', /^HTTP\/1\.1 400 /],
    ['headers larger than 16 KiB', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
    ['an unsupported HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', /^HTTP\/1\.1 (400|505) /],
  ])('answers %s with a 4xx and closes, and keeps serving', async (_name, bytes, status) => {
    const socket = await raw(carina.port)
    socket.write(bytes)
    const answer = await readUntilClosed(socket)
    expect(answer).toMatch(status)
    await healthy()
  })

  it('answers an invalid percent-escape or a NUL in the path in the provider format', async () => {
    for (const path of ['/oauth/authorize/%E0%A4%A', '/me%00', '/%', '/oauth/token?%zz=1']) {
      const socket = await raw(carina.port)
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
      const answer = await readUntilClosed(socket)
      expect(answer, path).toMatch(/^HTTP\/1\.1 4\d\d /)
    }
    await healthy()
  })
})
