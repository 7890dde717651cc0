// The start-up baseline for `serve`: a bare node:http server on a free port,
// printing one line of JSON once listening, answering a fixed token.
// With --with-zod it first imports zod/mini from node_modules, as the library
// does (the bin's bundle carries its own tree-shaken copy): what zod costs a
// server that imports it.
// bench/startup-snapshot.mjs also bundles it into a startup snapshot, whose
// restored process calls start().
import { createServer } from 'node:http'

const body = JSON.stringify({ access_token: 'a'.repeat(64), token_type: 'Bearer', expires_in: 3600 })

export function start() {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  })
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/token` }) + '\n'))
  process.on('SIGTERM', () => server.close(() => process.exit(0)))
}

if (!process.execArgv.includes('--build-snapshot')) {
  if (process.argv.includes('--with-zod')) import('zod/mini').then(start)
  else start()
}
