// Keeps the Keystone fidelity floor (bench/servers/keystone-floor.mjs) honest:
// the same client-credentials request (the bench's Basic header and form body)
// to Keystone and to the floor must get the same status, the same headers in
// the same order (Date aside) and the same body bytes, but for what is drawn
// at random or read off the clock, which must have the same form: the
// `x-openstack-request-id` (`req-` and a version 4 UUID) and the Fernet token
// (same length, version 0x80, the same second; the floor's is opened with its
// key: MAC, AES-128-CBC, PKCS7, a 64-byte payload). Throws otherwise.
// Run before the rounds by bench/run.mjs; alone:
// node bench/keystone-floor-check.mjs <keystone token URL> <floor token URL> <authorization> <floor fernet key>
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto'
import { postToBothInOneSecond } from './lib.mjs'

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const TOKEN = /"access_token":"(gAAAAA[A-Za-z0-9_-]+)"/

/** The headers but Date, one a line, the request id replaced by its form when it has it. */
function headersOf(raw) {
  const kept = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase()
    if (name === 'date') continue
    kept.push(`${raw[i]}: ${name === 'x-openstack-request-id' && REQUEST_ID.test(raw[i + 1]) ? 'req-<uuid4>' : raw[i + 1]}`)
  }
  return kept.join('\n')
}

/** A Fernet token's version and timestamp, and its length decoded; with `key`, its payload once the MAC and padding check out. */
function openFernet(token, key) {
  const bytes = Buffer.from(token, 'base64url')
  const opened = { length: token.length, bytes: bytes.length, version: bytes[0], seconds: Number(bytes.readBigUInt64BE(1)) }
  if (!key) return opened
  const signing = key.subarray(0, 16)
  const encryption = key.subarray(16)
  const mac = createHmac('sha256', signing).update(bytes.subarray(0, -32)).digest()
  if (!timingSafeEqual(mac, bytes.subarray(-32))) throw new Error('the floor token MAC does not verify')
  const decipher = createDecipheriv('aes-128-cbc', encryption, bytes.subarray(9, 25))
  const payload = Buffer.concat([decipher.update(bytes.subarray(25, -32)), decipher.final()])
  return { ...opened, payload: payload.length }
}

/**
 * Compares one answer of each, within the same second (retried across a
 * second's boundary). `fernetKey`: the floor's key, base64url (its start-up line).
 */
export function checkKeystoneFloor(keystoneUrl, floorUrl, authorization, fernetKey) {
  return postToBothInOneSecond(
    keystoneUrl,
    floorUrl,
    authorization,
    (keystone, floor, second) => {
      const differs = []
      if (keystone.status !== floor.status) differs.push(`status ${keystone.status} vs ${floor.status}`)
      const [keystoneHeaders, floorHeaders] = [headersOf(keystone.headers), headersOf(floor.headers)]
      if (!keystoneHeaders.includes('req-<uuid4>')) differs.push(`Keystone's request id has changed form:\n${keystoneHeaders}`)
      if (keystoneHeaders !== floorHeaders) differs.push(`headers\n${keystoneHeaders}\nvs\n${floorHeaders}`)
      const [keystoneToken, floorToken] = [TOKEN.exec(keystone.body)?.[1], TOKEN.exec(floor.body)?.[1]]
      if (!keystoneToken || !floorToken) differs.push(`no Fernet token: ${keystone.body} vs ${floor.body}`)
      else {
        const k = openFernet(keystoneToken)
        const f = openFernet(floorToken, Buffer.from(fernetKey, 'base64url'))
        if (f.payload !== 64) differs.push(`the floor's payload is ${f.payload} bytes`)
        if (k.length !== f.length || k.bytes !== f.bytes || k.version !== 0x80 || f.version !== 0x80 || k.seconds !== second || f.seconds !== second)
          differs.push(`tokens ${JSON.stringify(k)} vs ${JSON.stringify(f)} (second ${second})`)
        if (keystone.body.replace(keystoneToken, '<token>') !== floor.body.replace(floorToken, '<token>'))
          differs.push(`body\n${JSON.stringify(keystone.body)}\nvs\n${JSON.stringify(floor.body)}`)
      }
      if (differs.length) throw new Error(`the Keystone floor does not answer as Keystone does: ${differs.join('; ')}`)
      return { status: keystone.status, bytes: keystone.body.length, tokenLength: keystoneToken.length }
    },
    'Keystone floor',
  )
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await checkKeystoneFloor(process.argv[2], process.argv[3], process.argv[4], process.argv[5])) + '\n')
}
