// The fidelity floor for Cogo's "every token signed" run: a server written by
// hand for the bench that does only what Cogo's document (and the answer Cogo
// gives) requires for a client-credentials token, and nothing oauth-dance adds
// (no router, no journal, no hints, no faults, no memo): raw node:http, the
// body read and the form parsed (grant_type=client_credentials, form content
// type), HTTP Basic decoded, the client found among the 50,000 bench clients
// and its secret compared in constant time, Cogo's claims and header, one
// RS256 signature made as the bound makes it (node:crypto's callback `sign` on
// libuv's pool), and Cogo's status, headers (names, order, values) and body.
// `--issuer <url>`: Cogo's issuer, so the same client and second give the same
// bytes as Cogo (bench/cogo-floor-check.mjs compares them before the rounds).
// `--journal`: also keep each exchange among the last 2,000, as Keystone's floor
// does and as `serve` does by default: what keeping a journal costs any server.
// `--journal arena`: keep the same exchanges as bytes in one buffer allocated at
// start (16 MiB, `serve`'s cap), so that nothing kept is on V8's heap: what the
// least journal costs when its exchanges are never promoted and collected.
// `GET /__journal` answers the exchanges kept, decoded, as JSON lines, so the
// bench can check that the journal holds them (it is not answered as Cogo).
// Whatever Cogo costs beyond this is oauth-dance's own; what this costs beyond
// the bound is what answering as Cogo does costs any server.
import { createServer } from 'node:http'
import { KeyObject, sign, timingSafeEqual } from 'node:crypto'
import { primaryKey } from '../../dist/fixtures/cogo-keys.js'
import { cogoFixtures } from '../../dist/fixtures/cogo.js'
import { COGO_AUDIENCE, COGO_TOKEN_TTL_SECONDS } from '../../dist/mocks/providers/cogo/config.js'
import { importSigningKey } from '../../dist/mocks/providers/cogo/keys.js'

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback)
const CLIENTS = Number(arg('--clients', 50_000))
const JOURNAL_KEPT = process.argv.includes('--journal') ? 2000 : 0
const JOURNAL_ARENA = arg('--journal') === 'arena'
const keyObject = KeyObject.from((await importSigningKey(primaryKey)).privateKey)
const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: primaryKey.kid })).toString('base64url')
const audience = JSON.stringify(COGO_AUDIENCE)

// Secrets as bytes, ready for timingSafeEqual: the fixture client and the bench's `bench-<i>` / `secret-<i>`.
const secrets = new Map([[cogoFixtures.client.clientId, Buffer.from(cogoFixtures.client.clientSecret)]])
for (let i = 0; i < CLIENTS; i++) secrets.set(`bench-${i}`, Buffer.from(`secret-${i}`))

// Cognito's token headers (mocks/providers/cogo/token.ts), in Cogo's order and case; Node adds Date and Connection as for Cogo.
const HEADERS = [
  'content-type',
  'application/json;charset=UTF-8',
  'cache-control',
  'no-cache, no-store, max-age=0, must-revalidate',
  'pragma',
  'no-cache',
  'expires',
  '0',
]
const refuse = (req, res, body, error) => {
  const answer = `{"error":"${error}"}`
  const headers = [...HEADERS, 'content-length', String(answer.length)]
  if (JOURNAL_KEPT === 0) return res.writeHead(400, headers).end(answer)
  const bytes = Buffer.from(answer, 'latin1')
  res.writeHead(400, headers).end(bytes)
  keep(req, body, 400, headers, bytes)
}
// RFC 6749 §2.3.1: client_id and client_secret are form-encoded inside Basic.
const formDecode = (value) => (/[%+]/.test(value) ? decodeURIComponent(value.replace(/\+/g, ' ')) : value)

function grantType(form) {
  for (const pair of form.split('&')) {
    const eq = pair.indexOf('=')
    if (eq !== -1 && formDecode(pair.slice(0, eq)) === 'grant_type') return formDecode(pair.slice(eq + 1))
  }
  return undefined
}

/**
 * The last {@link JOURNAL_KEPT} exchanges, oldest overwritten, each kept at its
 * least as Cogo's journal keeps it: the request's raw headers (a new array, as
 * each client sends its own Authorization), its body and the answer's headers
 * shared with the exchange before when equal, and the answer's body as bytes
 * outside V8's heap, the very Buffer written to the socket.
 */
const journal = new Array(JOURNAL_KEPT)
let journalAt = 0
let last = { requestBody: '', headers: [] }
const sameArray = (a, b) => a.length === b.length && a.every((value, i) => value === b[i])
function keepObjects(req, body, status, headers, answer) {
  const exchange = {
    atMs: Date.now(),
    method: req.method,
    url: req.url,
    requestHeaders: req.rawHeaders,
    requestBody: body === last.requestBody ? last.requestBody : body,
    status,
    headers: sameArray(headers, last.headers) ? last.headers : headers,
    body: answer,
  }
  journal[journalAt] = last = exchange
  journalAt = (journalAt + 1) % JOURNAL_KEPT
}

/**
 * The same exchanges as bytes in one ring buffer allocated at start: per exchange
 * a head (time, method, URL, the request's raw headers, status, the answer's
 * headers; newline-separated) and the request's body as UTF-8, then the answer's
 * body as written, each after its length (UInt32LE). An exchange that does not
 * fit before the end starts again at 0; those it overwrites are dropped.
 */
const ARENA_BYTES = 16 * 1024 * 1024
const arena = JOURNAL_ARENA ? Buffer.alloc(ARENA_BYTES) : undefined
const starts = new Int32Array(JOURNAL_KEPT)
const ends = new Int32Array(JOURNAL_KEPT)
let kept = 0 // exchanges live in the ring: slots journalAt - kept ... journalAt - 1
let cursor = 0
function keepBytes(req, body, status, headers, answer) {
  const head = `${Date.now()}\n${req.method}\n${req.url}\n${status}\n${req.rawHeaders.length}\n${req.rawHeaders.join('\n')}\n${headers.join('\n')}`
  // An upper bound: UTF-8 takes at most 3 bytes a UTF-16 unit.
  const most = 12 + 3 * (head.length + body.length) + answer.length
  if (cursor + most > ARENA_BYTES) cursor = 0
  const from = cursor
  const to = from + most
  // Drop the oldest exchanges this one may overwrite (and the oldest when every slot is taken).
  while (kept > 0) {
    const oldest = (journalAt - kept + JOURNAL_KEPT) % JOURNAL_KEPT
    if (kept < JOURNAL_KEPT && (ends[oldest] <= from || starts[oldest] >= to)) break
    kept--
  }
  let at = from + 4
  const headBytes = arena.write(head, at, 'utf8')
  arena.writeUInt32LE(headBytes, from)
  at += headBytes
  const bodyBytes = arena.write(body, at + 4, 'utf8')
  arena.writeUInt32LE(bodyBytes, at)
  at += 4 + bodyBytes
  arena.writeUInt32LE(answer.length, at)
  answer.copy(arena, at + 4)
  cursor = at + 4 + answer.length
  starts[journalAt] = from
  ends[journalAt] = cursor
  journalAt = (journalAt + 1) % JOURNAL_KEPT
  kept++
}
const keep = JOURNAL_ARENA ? keepBytes : keepObjects

/** The exchanges kept, oldest first, decoded; one JSON line each. */
function journalLines() {
  const lines = []
  if (JOURNAL_ARENA) {
    for (let k = kept; k > 0; k--) {
      const slot = (journalAt - k + JOURNAL_KEPT) % JOURNAL_KEPT
      let at = starts[slot]
      const headBytes = arena.readUInt32LE(at)
      const [atMs, method, url, status, count, ...rest] = arena.toString('utf8', at + 4, at + 4 + headBytes).split('\n')
      at += 4 + headBytes
      const bodyBytes = arena.readUInt32LE(at)
      const requestBody = arena.toString('utf8', at + 4, at + 4 + bodyBytes)
      at += 4 + bodyBytes
      const answer = arena.toString('latin1', at + 4, at + 4 + arena.readUInt32LE(at))
      const requestHeaders = rest.slice(0, Number(count))
      lines.push({
        atMs: Number(atMs),
        method,
        url,
        requestHeaders,
        requestBody,
        status: Number(status),
        headers: rest.slice(requestHeaders.length),
        body: answer,
      })
    }
  } else {
    for (let k = JOURNAL_KEPT; k > 0; k--) {
      const exchange = journal[(journalAt - k + JOURNAL_KEPT) % JOURNAL_KEPT]
      if (exchange) lines.push({ ...exchange, body: exchange.body.toString('latin1') })
    }
  }
  return lines.map((line) => JSON.stringify(line)).join('\n')
}

let issuer
const server = createServer((req, res) => {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (chunk) => (body += chunk))
  req.on('end', () => {
    if (JOURNAL_KEPT && req.method === 'GET' && req.url === '/__journal')
      return res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(journalLines())
    if (req.method !== 'POST' || req.url !== '/oauth2/token') return refuse(req, res, body, 'invalid_request')
    if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) return refuse(req, res, body, 'invalid_request')
    const grant = grantType(body)
    if (grant === undefined) return refuse(req, res, body, 'invalid_request')
    if (grant !== 'client_credentials') return refuse(req, res, body, 'unsupported_grant_type')
    const authorization = req.headers.authorization ?? ''
    if (!/^basic /i.test(authorization)) return refuse(req, res, body, 'invalid_client')
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon === -1) return refuse(req, res, body, 'invalid_client')
    const id = formDecode(decoded.slice(0, colon))
    const expected = secrets.get(id)
    const given = Buffer.from(formDecode(decoded.slice(colon + 1)))
    if (!expected || expected.length !== given.length || !timingSafeEqual(expected, given)) return refuse(req, res, body, 'invalid_client')
    const iat = Math.floor(Date.now() / 1000)
    const client = JSON.stringify(id)
    const claims = `{"iss":${issuer},"sub":${JSON.stringify(`${id}@clients`)},"aud":${audience},"iat":${iat},"exp":${iat + COGO_TOKEN_TTL_SECONDS},"azp":${client},"gty":"client-credentials"}`
    const input = `${header}.${Buffer.from(claims).toString('base64url')}`
    sign('sha256', Buffer.from(input), keyObject, (error, signature) => {
      if (error) {
        res.writeHead(500).end()
        return
      }
      const answer = `{"access_token":"${input}.${signature.toString('base64url')}","expires_in":${COGO_TOKEN_TTL_SECONDS},"token_type":"Bearer"}`
      const headers = [...HEADERS, 'content-length', String(answer.length)]
      res.writeHead(200, headers)
      if (JOURNAL_KEPT === 0) return res.end(answer)
      const bytes = Buffer.from(answer, 'latin1')
      res.end(bytes)
      keep(req, body, 200, headers, bytes)
    })
  })
})
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`
  issuer = JSON.stringify(arg('--issuer', `${url}/`))
  process.stdout.write(JSON.stringify({ url, tokenPath: '/oauth2/token' }) + '\n')
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
