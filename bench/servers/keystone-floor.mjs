// The fidelity floor for Keystone's client-credentials token over sockets: a
// server written by hand for the bench that does only what answering such a
// request as Keystone does requires, with the state the target keeps (journal
// on), and nothing else oauth-dance adds (no router, no request object, no
// hints, no faults, no option checks): raw node:http, the body read, the form
// content type and `grant_type=client_credentials` checked, HTTP Basic decoded
// and the application credential found and its secret compared in constant
// time, a real Fernet token (version 0x80, timestamp, IV, AES-128-CBC of a
// 64-byte payload, HMAC-SHA256; the same key format and length as Keystone's),
// the token kept in a Map with its expiry, the exchange kept among the last
// 2,000 (as the journal keeps them), and Keystone's status, headers (names,
// order, values: a fresh `x-openstack-request-id`) and body.
// `--client <id>:<secret>`: the application credential (the bench's Keystone
// client); `--path <path>`: the token path under Keystone's mount.
// bench/keystone-floor-check.mjs compares it with Keystone before the rounds.
// Whatever Keystone costs beyond this is oauth-dance's own; what oidc-provider
// costs against this is what 3× asks of any server answering as Keystone does.
import { createServer } from 'node:http'
import { createCipheriv, hash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto'

const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback)
const [clientId, ...secretParts] = arg('--client', 'floor-client:floor-secret').split(':')
const PATH = arg('--path', '/identity/v3/OS-OAUTH2/token')
const EXPIRES_IN = 3600
const JOURNAL_KEPT = 2000

// The one application credential, its secret as bytes for timingSafeEqual.
const credentials = new Map([[clientId, { id: clientId, secret: Buffer.from(secretParts.join(':')), expiresAtMs: null }]])

// A Fernet key as Keystone's: 16 bytes to sign, 16 to encrypt (printed, so the checker can open the floor's tokens).
const signing = randomBytes(16)
const encryption = randomBytes(16)
// AES-128 kept open on single blocks, and the HMAC pads (RFC 2104): the MAC is two one-shot hashes.
const block = createCipheriv('aes-128-ecb', encryption, null).setAutoPadding(false)
const innerPad = Buffer.alloc(64, 0x36)
const outer = Buffer.alloc(96, 0x5c)
for (let i = 0; i < 16; i++) {
  innerPad[i] ^= signing[i]
  outer[i] ^= signing[i]
}
// Random bytes from one CSPRNG buffer refilled 8 KiB at a time.
const pool = Buffer.alloc(8192)
let poolAt = pool.length
function random(n) {
  if (poolAt + n > pool.length) {
    randomFillSync(pool)
    poolAt = 0
  }
  poolAt += n
  return pool.subarray(poolAt - n, poolAt)
}

/**
 * Fernet of a random 64-byte payload: PKCS7 pads a whole block, so 80 bytes of
 * ciphertext. The plaintext is random, so the IV and the ciphertext blocks
 * before the last are drawn at random (CBC maps a random block to a random
 * block); the last, all padding, is encrypted chained to the one before.
 */
function fernet(nowMs) {
  const out = Buffer.allocUnsafe(64 + 25 + 80 + 32)
  innerPad.copy(out, 0)
  out[64] = 0x80
  const seconds = Math.floor(nowMs / 1000)
  out.writeUInt32BE(Math.floor(seconds / 2 ** 32), 65)
  out.writeUInt32BE(seconds >>> 0, 69)
  random(80).copy(out, 73)
  const last = Buffer.alloc(16, 16)
  for (let i = 0; i < 16; i++) last[i] ^= out[137 + i]
  block.update(last).copy(out, 153)
  outer.write(hash('sha256', out.subarray(0, 169), 'binary'), 64, 'binary')
  out.write(hash('sha256', outer, 'binary'), 169, 'binary')
  return out.toString('base64url', 64)
}

/** `req-` and a random (version 4) UUID, as oslo.middleware's request id. */
function requestId() {
  const b = random(16)
  const h = (from, to) => b.toString('hex', from, to)
  const v = ((b[6] & 0x0f) | 0x40).toString(16) + h(7, 8)
  const w = ((b[8] & 0x3f) | 0x80).toString(16) + h(9, 10)
  return `req-${h(0, 4)}-${h(4, 6)}-${v}-${w}-${h(10, 16)}`
}

/** Live tokens by value, with what they were issued for and their expiry; in the order issued, so in the order they expire. */
const tokens = new Map()
let issued = 0
function dropExpired(nowMs) {
  for (const [token, record] of tokens) {
    if (record.expiresAtMs > nowMs) return
    tokens.delete(token)
  }
}

/** The last {@link JOURNAL_KEPT} exchanges, oldest overwritten. */
const journal = new Array(JOURNAL_KEPT)
let journalAt = 0
let lastRawHeaders = []
/** The request's raw headers, or the last exchange's array when they are the same strings: a client repeats them. */
function sharedHeaders(raw) {
  if (raw.length !== lastRawHeaders.length) return (lastRawHeaders = raw)
  for (let i = 0; i < raw.length; i++) if (raw[i] !== lastRawHeaders[i]) return (lastRawHeaders = raw)
  return lastRawHeaders
}
/** A header's value from the raw headers (names compared case-insensitively), without building `req.headers`. */
function header(raw, name) {
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === name.length && raw[i].toLowerCase() === name) return raw[i + 1]
  return ''
}

const TAIL = `","token_type":"Bearer","expires_in":${EXPIRES_IN}}\n`
function answer(req, res, body, status, text) {
  const headers = ['content-type', 'application/json', 'vary', 'X-Auth-Token', 'x-openstack-request-id', requestId(), 'content-length', String(text.length)]
  res.writeHead(status, headers).end(text)
  journal[journalAt] = {
    atMs: Date.now(),
    method: req.method,
    url: req.url,
    requestHeaders: sharedHeaders(req.rawHeaders),
    requestBody: body,
    status,
    headers,
    body: text,
  }
  journalAt = (journalAt + 1) % JOURNAL_KEPT
}
// Keystone's refusals, without their variety: the bench only sends good requests, and the checker only compares those.
const refuse = (req, res, body, status, error) => answer(req, res, body, status, `{"error":"${error}"}\n`)

const server = createServer((req, res) => {
  let chunks = ''
  req.on('data', (chunk) => (chunks = chunks === '' ? chunk : Buffer.concat([chunks, chunk])))
  req.on('end', () => {
    const body = chunks.toString()
    if (req.method !== 'POST' || req.url !== PATH) return refuse(req, res, body, 404, 'not_found')
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(header(req.rawHeaders, 'content-type'))) return refuse(req, res, body, 400, 'invalid_request')
    let grantType
    for (const pair of body.split('&')) if (pair.startsWith('grant_type=')) grantType ??= pair.slice(11)
    if (grantType !== 'client_credentials') return refuse(req, res, body, 400, grantType ? 'unsupported_grant_type' : 'invalid_request')
    const authorization = header(req.rawHeaders, 'authorization')
    if (!/^basic /i.test(authorization)) return refuse(req, res, body, 401, 'invalid_client')
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const credential = credentials.get(colon === -1 ? decoded : decoded.slice(0, colon))
    const given = Buffer.from(colon === -1 ? '' : decoded.slice(colon + 1))
    if (!credential || credential.secret.length !== given.length || !timingSafeEqual(credential.secret, given))
      return refuse(req, res, body, 401, 'invalid_client')
    const nowMs = Date.now()
    if (credential.expiresAtMs !== null && nowMs >= credential.expiresAtMs) return refuse(req, res, body, 401, 'invalid_client')
    const token = fernet(nowMs)
    if (++issued % 1024 === 0) dropExpired(nowMs)
    tokens.set(token, { credential, issuedAtMs: nowMs, expiresAtMs: nowMs + EXPIRES_IN * 1000 })
    answer(req, res, body, 200, `{"access_token":"${token}${TAIL}`)
  })
})
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`
  process.stdout.write(JSON.stringify({ url, tokenPath: PATH, fernetKey: Buffer.concat([signing, encryption]).toString('base64url') }) + '\n')
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
