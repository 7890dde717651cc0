// oauth-dance's standalone server as a user runs it (`serve --quiet`): every
// provider, journal on, request log off. Prints the `--json` description.
import { serve } from '../../dist/mocks/server.js'

const journal = !process.argv.includes('--no-journal')
const running = await serve({ portBase: 0, log: null, journal })
process.stdout.write(JSON.stringify({ ...running.describe(), listeners: running.listeners.map(({ name, url }) => ({ name, url })) }) + '\n')
process.on('SIGTERM', () => running.close().then(() => process.exit(0)))
