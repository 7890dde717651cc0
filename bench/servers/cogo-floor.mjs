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
  res.writeHead(400, headers).end(answer)
  if (JOURNAL_KEPT) keep(req, body, 400, headers, answer)
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
function keep(req, body, status, headers, answer) {
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

let issuer
const server = createServer((req, res) => {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (chunk) => (body += chunk))
  req.on('end', () => {
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
