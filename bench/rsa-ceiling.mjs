// The ceiling RSA-2048 signing sets on this machine: RS256 signatures of a
// JWT-sized input on libuv's thread pool (as jose/WebCrypto sign), kept busy
// with enough in flight to use every core, for a fixed time.
import { generateKeyPairSync, sign } from 'node:crypto'
import { availableParallelism } from 'node:os'

const seconds = Number(process.argv[2] ?? 4)
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const input = Buffer.from(
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0.' +
    Buffer.from(
      JSON.stringify({
        iss: 'https://auth.example/',
        sub: 'client@clients',
        aud: 'https://api.example',
        iat: 1,
        exp: 3601,
        azp: 'client',
        gty: 'client-credentials',
      }),
    ).toString('base64url'),
)
const inFlight = availableParallelism() * 4
let done = 0
let counting = false
let stop = false
const signOne = () => new Promise((resolve, reject) => sign('sha256', input, privateKey, (error, sig) => (error ? reject(error) : resolve(sig))))
const worker = async () => {
  while (!stop) {
    await signOne()
    if (counting) done++
  }
}
const workers = Array.from({ length: inFlight }, worker)
await new Promise((r) => setTimeout(r, 1000))
counting = true
const t0 = performance.now()
await new Promise((r) => setTimeout(r, seconds * 1000))
const elapsed = (performance.now() - t0) / 1000
counting = false
stop = true
await Promise.all(workers)
// One core, for reference: the same signature, synchronously.
const t1 = performance.now()
let single = 0
while (performance.now() - t1 < 1000) {
  sign('sha256', input, privateKey)
  single++
}
process.stdout.write(
  JSON.stringify({ signsPerSecond: done / elapsed, oneCoreSignsPerSecond: single / ((performance.now() - t1) / 1000), cores: availableParallelism() }) + '\n',
)
