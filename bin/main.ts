import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { serve } from '../mocks/server.js'
import { LAST_PORT_OFFSET, manifestOf, MAX_PORT_BASE, PORT_BASE_RANGE, PROVIDER_IDS, PROVIDER_MANIFESTS, type ProviderId } from '../mocks/manifests.js'
import { join } from 'node:path'
import { packageRoot, packageVersion } from '../mocks/package.js'
import type { RunningServer } from '../mocks/server.js'
import type { ProviderDescription } from '../mocks/core/provider.js'
import { configFileIn, DEFAULT_CONFIG_FILE } from '../mocks/config/config-path.js'
import type { ConfigFile } from '../mocks/config/config-schema.js'
import { readSeededDescriptions } from '../mocks/seeded.js'

type ConfigModule = typeof import('../mocks/config/config-file.js')

function portBase(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > MAX_PORT_BASE) throw new InvalidArgumentError(PORT_BASE_RANGE)
  return n
}

function providerList(value: string): ProviderId[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const id of ids) if (!manifestOf(id)) throw new InvalidArgumentError(`unknown provider "${id}" (known: ${PROVIDER_IDS.join(', ')})`)
  return ids as ProviderId[]
}

/**
 * The `--config` file (or ./oauth-dance.config.json) with `--set` applied,
 * validated with the sections of the providers it names (loading no other
 * provider's code); none without either.
 */
async function readConfig(opts: { config?: string; set?: string[] }): Promise<{ config?: ConfigFile; file?: string }> {
  if (opts.set === undefined && configFileIn(process.cwd(), opts.config) === undefined) return {}
  const { loadConfigNamed } = await import('../mocks/config/config-schema.js')
  return loadConfigNamed({ configPath: opts.config, sets: opts.set })
}

/** `serve`'s output for a person: each provider's URL(s), then the clients and users to sign in with. */
function humanDescription(running: RunningServer): string {
  const lines: string[] = []
  for (const [id, description] of Object.entries(running.describe().providers)) {
    for (const l of running.listeners.filter((listener) => listener.provider === id)) lines.push(`${l.name.padEnd(10)} ${l.url}`)
    const { clients, users } = description as ProviderDescription
    for (const c of clients) lines.push(`  client${c.name ? ` "${c.name}"` : ''}: id ${c.id}  secret ${c.secret}`)
    for (const u of users) lines.push(`  user: ${u.username} / ${u.password}`)
  }
  return lines.map((line) => `[oauth-dance] ${line}\n`).join('')
}

/**
 * Runs the CLI on `argv` (shaped as `process.argv`). Importing this module
 * starts nothing: the entry calls this, and the bench's startup-snapshot
 * experiment (bench/startup-snapshot.mjs) loads the module while building its
 * snapshot and calls this only in the restored process.
 *
 * `serve` without `--help` first runs without the config file's module, which
 * holds every provider's option schemas (for `serve --help`; a configuration is
 * validated with the named providers' alone). A command line commander refuses
 * is then run again with it, so the error is followed by the whole help as before.
 */
export async function main(argv: string[], { quick = argv[2] === 'serve' && !argv.includes('--help') && !argv.includes('-h') } = {}): Promise<void> {
  const configModule: ConfigModule | undefined = quick ? undefined : await import('../mocks/config/config-file.js')
  const program = new Command()
    .name('oauth-dance')
    .description(`Mock OAuth providers (${PROVIDER_MANIFESTS.map((manifest) => manifest.label).join(', ')}) and a client-conformance harness`)
    .version(packageVersion(), '-v, --version', 'print the version')
    .showHelpAfterError()
    .addHelpText('after', () => `\nDocumentation: ${join(packageRoot(), 'README.md')} and ${join(packageRoot(), 'docs')}/`)
  // Inherited by the commands added below: commander's refusal comes back here instead of printing and exiting.
  if (quick) program.exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} })

  program
    .command('serve')
    .description('start every provider on 127.0.0.1, one listener per origin')
    .addOption(new Option('--port-base <n>', `listeners on n+1 ... n+${LAST_PORT_OFFSET}; 0 takes free ports`).argParser(portBase).default(4400))
    .option('--host <address>', 'interface to listen on', '127.0.0.1')
    .option('--providers <list>', 'comma-separated providers to start (default: all)', providerList)
    .option('--json', 'print one line of JSON (base URLs, clients, users) on standard output once listening, and nothing else there')
    .option('--quiet', 'do not log requests')
    .option('--shared-clock', 'one mock clock for every provider')
    .option('--no-journal', 'do not record exchanges (slightly faster)')
    .option(
      '--control-token <secret>',
      `require this secret on the control paths (Authorization: Bearer <secret> or x-oauth-dance-control-token); default $OAUTH_DANCE_CONTROL_TOKEN`,
    )
    .option('--tls', 'serve the providers that have TLS fixtures (Keystone) over HTTPS, asking for client certificates (mutual TLS)')
    .option('--config <file>', `per-provider options, clients, users and strictness, and ports and clock (default: ./${DEFAULT_CONFIG_FILE} when there is one)`)
    .option(
      '--set <provider.option=value>',
      'set one provider option (or <provider>.strictness), validated as in the config file; repeatable (the options are listed below)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .addHelpText('after', () => (configModule ? `\n${configModule.providerOptionsHelp()}\n` : ''))
    .action(async (opts, command: Command) => {
      const { config, file } = await readConfig(opts)
      if (file && !opts.json && !opts.quiet) process.stderr.write(`[oauth-dance] config ${file}\n`)
      // Flags given on the command line win over the file; their defaults do not.
      const given = (name: string) => command.getOptionValueSource(name) === 'cli'
      const running = await serve({
        portBase: given('portBase') ? opts.portBase : undefined,
        host: given('host') ? opts.host : undefined,
        providers: opts.providers,
        log: opts.quiet ? null : undefined,
        journal: opts.journal,
        sharedClock: opts.sharedClock || undefined,
        tls: opts.tls,
        controlToken: opts.controlToken ?? (process.env.OAUTH_DANCE_CONTROL_TOKEN || undefined),
        config,
        // Beside the bundle: the providers the config leaves as they are are then built on their first request.
        seeded: readSeededDescriptions(),
      })
      let closing = false
      const stop = (signal: string) => {
        if (closing) return
        closing = true
        if (!opts.quiet) process.stderr.write(`[oauth-dance] ${signal}: shutting down\n`)
        running.close().then(() => process.exit(0))
        setTimeout(() => process.exit(0), 3000).unref()
      }
      // Before the line that says it is ready: a signal sent as soon as it is read (a pipe's write is synchronous on
      // Linux) then shuts it down cleanly rather than killing it.
      process.on('SIGINT', () => stop('SIGINT'))
      process.on('SIGTERM', () => stop('SIGTERM'))
      if (opts.json) process.stdout.write(JSON.stringify(running.describe()) + '\n')
      else {
        process.stderr.write(humanDescription(running))
        process.stderr.write('[oauth-dance] ready; control paths under /__oauth-dance/ on every origin; Ctrl-C stops\n')
      }
    })

  // The harness (runner, scenarios, msw/node) is loaded only when a command other
  // than `serve` may need it, so `serve` answers its first token sooner.
  if (argv[2] !== 'serve') {
    const { registerCheckCommand, registerMergeReportsCommand } = await import('../conformance/cli.js')
    registerCheckCommand(program)
    const { builtInClientsHelp } = await import('../conformance/adapters/resolve.js')
    program.addHelpText('after', `\n${await builtInClientsHelp()}`)
    registerMergeReportsCommand(program)
  }

  await program.parseAsync(argv).catch(async (error) => {
    if (quick && error instanceof CommanderError) return main(argv, { quick: false })
    process.stderr.write(`[oauth-dance] ${(error as Error).message}\n`)
    process.exit(1)
  })
}
