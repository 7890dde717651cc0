// The floor: raw node:http answering a fixed token, no parsing, no state.
// Whatever a mock does beyond this is its own cost.
import { createServer } from 'node:http'

const body = JSON.stringify({ access_token: 'a'.repeat(64), token_type: 'Bearer', expires_in: 3600 })
const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
    res.end(body)
  })
})
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` }) + '\n')
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
