// Writes schema/oauth-dance.config.schema.json from the zod schemas it is made of
// (mocks/config/config-file.ts, each provider's options.ts and accounts.ts).
// `npm run config-schema`; mocks/config/config-file.test.ts fails when the file is stale.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CONFIG_SCHEMA_PATH, configJsonSchema } from '../mocks/config/config-file.js'

const target = fileURLToPath(new URL(`../${CONFIG_SCHEMA_PATH}`, import.meta.url))
writeFileSync(target, JSON.stringify(configJsonSchema(), null, 2) + '\n')
process.stdout.write(`wrote ${CONFIG_SCHEMA_PATH}\n`)
