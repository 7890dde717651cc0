#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8'
import { config } from 'zod'

// zod compiles a parser (new Function) for each object schema the first time it
// validates: dearer than the few validations `serve` runs each schema at start
// (seeding, options), and a few µs a record cheaper after. jitless is read when
// a schema is built, so it is set before the schemas' modules load.
if (process.argv[2] === 'serve') {
  config({ jitless: true })
  // A request's objects die young, but V8 learns at the first loads to allocate some of them straight into the old
  // generation (allocation-site pretenuring), where only a full collection frees them. This process is only `serve`,
  // so the flag, which is process-wide, is set here and never by the library (`serve()` may run in a user's process).
  setFlagsFromString('--no-allocation-site-pretenuring')
}

const { main } = await import('./main.js')
await main(process.argv)
