// Peer: oidc-provider (a certified OpenID Provider), client credentials with
// opaque tokens (its default) or RS256 JWTs (through a resource indicator).
import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import Provider from 'oidc-provider'

const format = process.argv[2] === 'jwt' ? 'jwt' : 'opaque'
const resource = 'urn:bench:api'
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' }

const server = createServer()
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const issuer = `http://127.0.0.1:${server.address().port}`
const provider = new Provider(issuer, {
  clients: [{ client_id: 'bench-client', client_secret: 'bench-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
  jwks: { keys: [jwk] },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: format === 'jwt',
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'api', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
    },
  },
})
// Its own console warnings (dev keys, in-memory adapter) are not results.
provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider: ${error.message}\n`))
server.on('request', provider.callback())
process.stdout.write(JSON.stringify({ url: issuer, tokenPath: '/token', client: { id: 'bench-client', secret: 'bench-secret' }, format }) + '\n')
process.on('SIGTERM', () => server.close(() => process.exit(0)))
