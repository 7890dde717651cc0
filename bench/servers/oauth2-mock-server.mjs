// Peer: oauth2-mock-server, which answers client credentials with an RS256 JWT.
import { OAuth2Server } from 'oauth2-mock-server'

const server = new OAuth2Server()
await server.issuer.keys.generate('RS256')
await server.start(0, '127.0.0.1')
process.stdout.write(JSON.stringify({ url: server.issuer.url, tokenPath: '/token', client: { id: 'bench-client', secret: 'bench-secret' } }) + '\n')
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)))
