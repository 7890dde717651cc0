import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { createKeystone } from '../index.js'
import { Journal, type Exchange } from './journal.js'
import { NodeRequest, RawHeaders } from './request.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

describe('Journal', () => {
  it('records a web Request without keeping it alive', async () => {
    const keystone = createKeystone()
    await keystone.ready
    const client = keystone.describe().clients[0]
    let ref: WeakRef<Request> | undefined
    await (async () => {
      const request = new Request(`${keystone.baseUrl}/v3/OS-OAUTH2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${client.id}:${client.secret}`)}` },
        body: 'grant_type=client_credentials',
      })
      ref = new WeakRef(request)
      expect((await keystone.handle(request)).status).toBe(200)
    })()
    // A WeakRef's target lives at least until the job that made it ends.
    for (let i = 0; i < 5 && ref!.deref(); i++) {
      await new Promise(setImmediate)
      gc()
    }
    expect(ref!.deref()).toBeUndefined()
    const [exchange] = keystone.journal.entries()
    expect(exchange.request).toMatchObject({ method: 'POST', url: `${keystone.baseUrl}/v3/OS-OAUTH2/token`, body: 'grant_type=client_credentials' })
    expect(exchange.request.headers['content-type']).toBe('application/x-www-form-urlencoded')
  })
})

describe('Journal strings', () => {
  it("records serve's requests as they came: headers (in name order), URL and body", async () => {
    const keystone = createKeystone()
    await keystone.ready
    const client = keystone.describe().clients[0]
    const auth = `Basic ${btoa(`${client.id}:${client.secret}`)}`
    const url = `${keystone.baseUrl}/v3/OS-OAUTH2/token`
    for (let i = 0; i < 3; i++) {
      const raw = ['Host', 'h.example', 'Content-Type', 'application/x-www-form-urlencoded', 'Authorization', auth, 'X-Seq', String(i), 'x-seq', 'again']
      const reply = await keystone.answer(new NodeRequest('POST', url, new RawHeaders(raw)), 'default', { text: 'grant_type=client_credentials' })
      expect(reply?.status).toBe(200)
      // Keystone's token body is concatenated (sharing the token's characters): JSON.stringify's text, its byte count given.
      const { access_token } = JSON.parse(reply!.text()) as { access_token: string }
      expect(reply!.text()).toBe(JSON.stringify({ access_token, token_type: 'Bearer', expires_in: 3600 }) + '\n')
      expect(reply!.bodyBytes).toBe(Buffer.byteLength(reply!.text()))
      expect(Object.keys(reply!.headers)).toEqual(['content-type', 'vary', 'x-openstack-request-id'])
    }
    const recorded = keystone.journal.entries().map((e) => e.request)
    expect(recorded).toEqual(
      [0, 1, 2].map((i) => ({
        method: 'POST',
        url,
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', host: 'h.example', 'x-seq': `${i}, again` },
        body: 'grant_type=client_credentials',
      })),
    )
  })

  it('share gives back an equal string, however many it has seen', () => {
    const journal = new Journal()
    for (let i = 0; i < 3000; i++) expect(journal.share(`s${i % 1500}`)).toBe(`s${i % 1500}`)
    const long = 'x'.repeat(10_000)
    expect(journal.share(long)).toBe(long)
  })

  it('shareHeaders keeps one copy of the same headers, and a new one when they differ in any way', () => {
    const journal = new Journal()
    const list = (h: RawHeaders) => {
      const seen: string[] = []
      h.forEach((value, name) => seen.push(`${name}=${value}`))
      return seen
    }
    const raw = (x: string) => ['Host', 'h', 'Authorization', `Basic ${x}`, 'Content-Type', 'text/plain']
    const first = journal.shareHeaders(new RawHeaders(raw('a'), 'x-skip'))
    expect(journal.shareHeaders(new RawHeaders(raw('a'), 'x-skip'))).toBe(first)
    const other = journal.shareHeaders(new RawHeaders(raw('b'), 'x-skip'))
    expect(other).not.toBe(first)
    expect(list(other)).toEqual(['authorization=Basic b', 'content-type=text/plain', 'host=h'])
    expect(list(first)).toEqual(['authorization=Basic a', 'content-type=text/plain', 'host=h'])
    // Another skipped name, one header fewer, or a value set by the listener: not the same headers.
    expect(journal.shareHeaders(new RawHeaders(raw('b')))).not.toBe(other)
    const shorter = journal.shareHeaders(new RawHeaders(raw('b').slice(0, 4)))
    expect(list(shorter)).toEqual(['authorization=Basic b', 'host=h'])
    const withSet = new RawHeaders(raw('b').slice(0, 4))
    withSet.set('host', 'absolute.example')
    const recorded = journal.shareHeaders(withSet)
    expect(recorded).not.toBe(shorter)
    expect(list(recorded)).toEqual(['authorization=Basic b', 'host=absolute.example'])
    expect(journal.shareHeaders(new RawHeaders(raw('b').slice(0, 4)))).not.toBe(recorded)
  })
})

function exchange(seq: number, body = ''): Exchange {
  return {
    seq,
    provider: 'p',
    origin: 'default',
    route: 'r',
    at: new Date(0).toISOString(),
    atMs: 0,
    request: { method: 'POST', url: 'https://p.example/x', headers: {}, body },
    response: { status: 200, headers: {}, body: '' },
    notes: {},
  }
}

describe('Journal bounds', () => {
  it('never holds more than its capacity, dropping the oldest', () => {
    const journal = new Journal(100)
    for (let seq = 1; seq <= 1000; seq++) {
      journal.add(exchange(seq))
      expect(journal.size).toBeLessThanOrEqual(100)
    }
    expect(journal.entries().map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 901 + i))
  })

  it('holds at most maxBytes of recorded bodies (always the newest exchange)', () => {
    const journal = new Journal(10_000, true, 1024 * 1024)
    for (let seq = 1; seq <= 200; seq++) journal.add(seq, () => exchange(seq, 'x'.repeat(64 * 1024)), 64 * 1024)
    expect(journal.bytes).toBeLessThanOrEqual(1024 * 1024)
    expect(journal.size).toBe(15)
    expect(journal.entries().at(-1)!.seq).toBe(200)
    const huge = new Journal(10, true, 1000)
    huge.add(1, () => exchange(1, 'x'.repeat(5000)), 5000)
    expect(huge.entries().map((e) => e.seq)).toEqual([1])
  })

  it('pages: limit, since and next, and a page stops early past its byte budget', () => {
    const journal = new Journal(100)
    for (let seq = 1; seq <= 10; seq++) journal.add(exchange(seq, 'y'.repeat(1000)))
    expect(journal.page(0, 4)).toMatchObject({ next: 4 })
    expect(journal.page(4, 4).exchanges.map((e) => e.seq)).toEqual([5, 6, 7, 8])
    expect(journal.page(8, 4)).toEqual({ exchanges: [expect.objectContaining({ seq: 9 }), expect.objectContaining({ seq: 10 })] })
    expect(journal.page(0, 100, 4500).exchanges.map((e) => e.seq)).toEqual([1, 2])
    expect(journal.page(0, 100, 10).exchanges.map((e) => e.seq)).toEqual([1])
  })
})

describe('Journal ring', () => {
  it('keeps the newest exchanges in order through growth, wrap-around, byte drops and regrowth, and pages across the wrap', () => {
    const journal = new Journal(50, true, 40 * 1024)
    const model: Array<{ seq: number; bytes: number }> = []
    let seq = 0
    // Bodies of random size: sometimes the byte bound drops several, sometimes the count bound one.
    let x = 7
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31
      const size = x % 7 === 0 ? 9000 : x % 300
      const s = ++seq
      journal.add(s, () => exchange(s, 'z'.repeat(size)), size)
      model.push({ seq: s, bytes: size + 1024 })
      while (model.length > 50 || (model.reduce((t, e) => t + e.bytes, 0) > 40 * 1024 && model.length > 1)) model.shift()
      expect(journal.size).toBe(model.length)
      expect(journal.bytes).toBe(model.reduce((t, e) => t + e.bytes, 0))
      if (i % 97 === 0) {
        expect(journal.entries().map((e) => e.seq)).toEqual(model.map((e) => e.seq))
        const since = model[Math.floor(model.length / 2)].seq
        expect(journal.page(since, 3).exchanges.map((e) => e.seq)).toEqual(
          model
            .filter((e) => e.seq > since)
            .slice(0, 3)
            .map((e) => e.seq),
        )
      }
    }
  })

  it('keeps nothing with a capacity below 1, and counts every exchange', () => {
    const journal = new Journal(0)
    for (let seq = 1; seq <= 3; seq++) journal.add(exchange(seq))
    expect([journal.size, journal.bytes, journal.entries()]).toEqual([0, 0, []])
  })

  it("an exchange read before its slot is reused keeps what it recorded; the journal's copies of notes are not shared", async () => {
    const keystone = createKeystone({ journal: { capacity: 3 } })
    await keystone.ready
    const client = keystone.describe().clients[0]
    const token = () =>
      keystone.handle(
        new Request(`${keystone.baseUrl}/v3/OS-OAUTH2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${client.id}:${client.secret}`)}` },
          body: 'grant_type=client_credentials',
        }),
      )
    const bodies: string[] = []
    for (let i = 0; i < 3; i++) bodies.push(await (await token()).text())
    const read = keystone.journal.entries()
    expect(read.map((e) => e.response.body)).toEqual(bodies)
    for (let i = 0; i < 4; i++) bodies.push(await (await token()).text())
    expect(read.map((e) => [e.seq, e.response.body])).toEqual([1, 2, 3].map((seq) => [seq, bodies[seq - 1]]))
    const now = keystone.journal.entries()
    expect(now.map((e) => [e.seq, e.response.body])).toEqual([5, 6, 7].map((seq) => [seq, bodies[seq - 1]]))
    expect(now[0].notes).toEqual({ grantType: 'client_credentials', clientId: client.id, clientAuthMethod: 'client_secret_basic' })
    expect(now[0].notes).toEqual(now[1].notes)
    now[0].notes.extra = true
    expect(now[1].notes.extra).toBeUndefined()
    expect(read[2].notes.extra).toBeUndefined()
  })

  it('shareNotes gives back the last notes kept only for the same names, order and primitive values', () => {
    const journal = new Journal()
    const first = { grantType: 'client_credentials', clientId: 'a' }
    expect(journal.shareNotes(first)).toBe(first)
    expect(journal.shareNotes({ grantType: 'client_credentials', clientId: 'a' })).toBe(first)
    const reordered = { clientId: 'a', grantType: 'client_credentials' }
    expect(journal.shareNotes(reordered)).toBe(reordered)
    const more = { clientId: 'a', grantType: 'client_credentials', codeIssued: true }
    expect(journal.shareNotes(more)).toBe(more)
    const fewer = { clientId: 'a', grantType: 'client_credentials' }
    expect(journal.shareNotes(fewer)).toBe(fewer)
    const withArray = { clientId: 'a', grantType: 'client_credentials', violations: [] }
    expect(journal.shareNotes(withArray)).toBe(withArray)
    // Notes with an object are never kept as the last: the next flat ones are compared with `fewer`.
    expect(journal.shareNotes({ clientId: 'a', grantType: 'client_credentials' })).toBe(fewer)
    expect(journal.shareNotes({ clientId: 'b', grantType: 'client_credentials' })).not.toBe(fewer)
  })
})

describe('GET /__oauth-dance/journal', () => {
  it('pages with ?limit= and since, and refuses values it cannot use, naming the valid ones', async () => {
    const keystone = createKeystone()
    await keystone.ready
    for (let i = 0; i < 5; i++) await keystone.handle(new Request(`${keystone.baseUrl}/v3/`))
    const get = async (query: string) => {
      const res = await keystone.handle(new Request(`${keystone.baseUrl}/__oauth-dance/journal${query}`))
      return [res.status, await res.json()]
    }
    const [status, first] = await get('?limit=2')
    expect([status, first.exchanges.map((e: Exchange) => e.seq), first.next]).toEqual([200, [1, 2], 2])
    const [, rest] = await get(`?since=${first.next}&limit=1000`)
    expect([rest.exchanges.map((e: Exchange) => e.seq), rest.next]).toEqual([[3, 4, 5], undefined])
    expect(await get('?limit=0')).toEqual([400, { error: '"limit" must be an integer from 1 to 1000' }])
    expect(await get('?limit=abc')).toEqual([400, { error: '"limit" must be an integer from 1 to 1000' }])
    expect(await get('?since=-1')).toEqual([400, { error: '"since" must be the seq of an exchange (a non-negative integer)' }])
  })
})
