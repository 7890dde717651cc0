import { config } from 'zod/mini'

/** Runs the CLI on `argv` (process.argv). */
export async function start(argv: string[]): Promise<void> {
  // zod compiles a parser (new Function) for each object schema the first time it
  // validates: dearer than the few validations `serve` runs each schema at start
  // (seeding, options), and a few µs a record cheaper after. jitless is read when
  // a schema is built, so it is set before the schemas' modules load.
  if (argv[2] === 'serve') config({ jitless: true })
  const { main } = await import('./main.js')
  await main(argv)
}
