// oauth-dance's standalone server as a user runs it (`serve --quiet`): every
// provider, journal on, request log off. Prints the `--json` description.
import { serve } from '../../dist/mocks/server.js'
import { addCogoBenchClients } from '../lib.mjs'

const journal = !process.argv.includes('--no-journal')
const running = await serve({ portBase: 0, log: null, journal })
// `--cogo-clients N`: N more Cogo clients (`bench-<i>` / `secret-<i>`), so a load
// generator taking them in turn makes every token request sign a new token:
// Cogo hands back the token already signed for the same client and second.
const cogoClients = Number(process.argv[process.argv.indexOf('--cogo-clients') + 1] ?? 0)
if (process.argv.includes('--cogo-clients') && running.providers.cogo) addCogoBenchClients(running.providers.cogo, cogoClients)
// `--standard-jwt`: standard issues RFC 9068 JWT access tokens (its accessTokenFormat option), for the figure beside oidc-provider's JWTs.
if (process.argv.includes('--standard-jwt') && running.providers.standard) running.providers.standard.options.set({ accessTokenFormat: 'jwt' })
process.stdout.write(JSON.stringify({ ...running.describe(), listeners: running.listeners.map(({ name, url }) => ({ name, url })) }) + '\n')
process.on('SIGTERM', () => running.close().then(() => process.exit(0)))
