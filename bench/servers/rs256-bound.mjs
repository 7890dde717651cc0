// The Node bound for a server signing every token: the floor (raw node:http,
// body read, no parsing) plus one RS256 signature per request, made as Cogo
// makes it: Cogo's fixture key imported by Cogo's own importSigningKey, as a node:crypto KeyObject,
// node:crypto's callback `sign` (libuv's thread pool). Each request signs its
// own claims (a counter in `sub`), so no two requests share a signature, as
// when Cogo takes 50,000 clients in turn. Whatever Cogo does beyond this is its own cost.
import { createServer } from 'node:http'
import { KeyObject, sign } from 'node:crypto'
import { primaryKey } from '../../dist/fixtures/cogo-keys.js'
import { importSigningKey } from '../../dist/mocks/providers/cogo/keys.js'

const keyObject = KeyObject.from((await importSigningKey(primaryKey)).privateKey)
const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: primaryKey.kid })).toString('base64url')
const iat = Math.floor(Date.now() / 1000)
let n = 0

const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    const id = `bench-${n++ % 50_000}`
    const claims = `{"iss":"https://cogo.example/","sub":"${id}@clients","aud":"https://api.cogo.example","iat":${iat},"exp":${iat + 3600},"azp":"${id}","gty":"client-credentials"}`
    const input = `${header}.${Buffer.from(claims).toString('base64url')}`
    sign('sha256', Buffer.from(input), keyObject, (error, signature) => {
      if (error) {
        res.writeHead(500).end()
        return
      }
      const body = `{"access_token":"${input}.${signature.toString('base64url')}","expires_in":3600,"token_type":"Bearer"}`
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
      res.end(body)
    })
  })
})
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` }) + '\n')
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
