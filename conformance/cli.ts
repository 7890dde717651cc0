import { readFileSync, writeFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { clientTimeoutFromEnv, stopAllCommandClients } from './adapters/command.js'
import { runCheck, type Shard } from './check.js'
import { PROFILES } from './profiles/index.js'
import { JsonLinesReport, runsFromJsonLines } from './report/jsonl.js'
import { formatJUnit, mergeJUnit } from './report/junit.js'
import { scenariosFor } from './scenarios/index.js'
import type { ExampleAppBrokenMode } from './clients/example-app/server.js'

/**
 * `browser:example-app[:<broken mode>]`: the bundled example web app driven
 * in Chromium (conformance/adapters/browser.ts), over sockets since the app
 * is a real server. Loaded on demand: only this kind needs Playwright.
 */
async function resolveBrowserClient(spec: string, opts: Record<string, unknown> = {}) {
  if (/^https?:\/\//.test(spec)) return resolveWebApp(spec, opts)
  const [app, broken, ...rest] = spec.split(':')
  if (app !== 'example-app' || rest.length) {
    throw new InvalidArgumentError(
      `unknown browser app "${spec}": use browser:<url> (your app, with --app-start and --app-signed-in), browser:example-app, or browser:example-app:<broken mode> (ignores-state, token-in-query)`,
    )
  }
  const { browserClient, browserScenarios } = await import('./adapters/browser.js')
  const { exampleBrowserApp } = await import('./adapters/browser-example-app.js')
  const browserApp = exampleBrowserApp({ broken: (broken || undefined) as ExampleAppBrokenMode | undefined })
  return {
    adapter: browserClient(browserApp),
    transport: 'sockets' as const,
    fit: (provider: string, scenarios: ReturnType<typeof scenariosFor>) => browserScenarios(provider, browserApp, scenarios),
  }
}

/** `url:<regex>` is a URL pattern; anything else a Playwright selector (`role=button[name="Sign in"]`, `#profile`). */
function marker(value: string): string | { url: RegExp } {
  if (!value.startsWith('url:')) return value
  try {
    return { url: new RegExp(value.slice(4)) }
  } catch (error) {
    throw new InvalidArgumentError(`"${value}" is not a URL pattern: ${(error as Error).message}`)
  }
}

/**
 * `browser:<url>`: any web app in Chromium, started per scenario by
 * `--app-start` with the provider and its client in OAUTH_DANCE_* variables
 * (conformance/adapters/browser-app.ts).
 */
async function resolveWebApp(url: string, opts: Record<string, unknown>) {
  if (!opts.appStart)
    throw new InvalidArgumentError(
      `browser:${url} needs --app-start <command>: the command that starts the app (it gets the provider and its client in OAUTH_DANCE_* variables)`,
    )
  if (!opts.appSignedIn) throw new InvalidArgumentError(`browser:${url} needs --app-signed-in <selector | url:<regex>>: where the app shows it is signed in`)
  const { webAppClient, webAppScenarios } = await import('./adapters/browser-app.js')
  // The call the scenarios make by default (Carina: me, Cloud 66: stacks, GoCD: cctray), as the app offers it.
  const call = opts.appCall ? { action: String(opts.appCall), result: marker(String(opts.appCallResult ?? opts.appSignedIn)) } : undefined
  const app = {
    url,
    start: String(opts.appStart),
    waitFor: opts.appWait as string | undefined,
    callbackPath: opts.appCallbackPath as string | undefined,
    signIn: String(opts.appSignIn),
    signedIn: marker(String(opts.appSignedIn)),
    error: opts.appError ? marker(String(opts.appError)) : undefined,
    calls: call ? Object.fromEntries(Object.values(PROFILES).map((p) => [p.primaryOperation.operation, call])) : undefined,
  }
  return {
    adapter: webAppClient(app),
    transport: 'sockets' as const,
    fit: (provider: string, scenarios: ReturnType<typeof scenariosFor>) => webAppScenarios(provider, app, scenarios),
  }
}

function providers(value: string): string[] {
  const ids =
    value === 'all'
      ? Object.keys(PROFILES)
      : value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
  for (const id of ids) if (!PROFILES[id]) throw new InvalidArgumentError(`unknown provider "${id}" (known: ${Object.keys(PROFILES).join(', ')}, or all)`)
  return ids
}

function shard(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim())
  const index = Number(match?.[1])
  const total = Number(match?.[2])
  if (!match || total < 1 || index < 1 || index > total)
    throw new InvalidArgumentError(`"${value}" is not a shard: give <index>/<total>, 1 <= index <= total (1/2, then 2/2)`)
  return { index, total }
}

function positiveMs(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a number of milliseconds (a whole number, at least 1)`)
  return n
}

/**
 * `oauth-dance check`: runs the scenarios of one or more providers against a
 * client, streams each scenario's result, writes JSON Lines and JUnit XML on
 * request, and exits 1 when a MUST-level check fails.
 */
export function registerCheckCommand(program: Command): Command {
  return program
    .command('check')
    .description('run the conformance scenarios against a client and report each rule')
    .requiredOption('--provider <ids>', `provider(s) to check: one of ${Object.keys(PROFILES).join(', ')}, comma-separated, or all`, providers)
    .option(
      '--client <spec>',
      'reference, a broken client name, module:<path>[#export], command:<shell command>, browser:example-app[:<broken mode>], or browser:<url> with --app-* options (a web app in Chromium)',
      'reference',
    )
    .option('--scenario <ids>', 'only these scenario ids (comma-separated)', (v: string) => v.split(',').map((s) => s.trim()))
    .addOption(
      new Option('--transport <kind>', 'in-process (msw) or sockets (serve on 127.0.0.1); default: sockets for command clients').choices([
        'in-process',
        'sockets',
      ]),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        "strict: the provider refuses what the real one refuses; lenient: it serves such requests and the report lists every violation (default: each scenario's own, strict)",
      ).choices(['strict', 'lenient']),
    )
    .option(
      '--shard <i/n>',
      "run only part i of n of the scenarios (every provider's, in order), as CI matrices split a run; merge the reports with merge-reports",
      shard,
    )
    .option(
      '--client-timeout <ms>',
      'longest wait for any one answer of the client; then it is stopped and the scenario fails (default: OAUTH_DANCE_CLIENT_TIMEOUT_MS, else 15000)',
      positiveMs,
    )
    .option('--jsonl <file>', 'write JSON Lines: one record per check as it is known, per scenario as it ends, a summary per provider and a total')
    .option('--junit <file>', 'write JUnit XML (one <testsuites>; a suite per scenario, a case per rule)')
    .option(
      '--app-start <command>',
      'browser:<url>: shell command that starts the app, per scenario (gets OAUTH_DANCE_* variables: endpoints, client, clock URL)',
    )
    .option('--app-wait <url>', 'browser:<url>: URL that answers once the app is ready (default: the app URL)')
    .option('--app-sign-in <selector>', 'browser:<url>: the control that begins sign-in, a Playwright selector', 'role=button[name=/sign in|log in|login/i]')
    .option('--app-signed-in <marker>', 'browser:<url>: where the app shows it is signed in: a selector, or url:<regex>')
    .option(
      '--app-error <marker>',
      "browser:<url>: where the app reports an error (code in data-error, or the URL's error parameter): a selector, or url:<regex>",
    )
    .option('--app-call <selector>', "browser:<url>: the control that makes the provider's protected call (Carina: me)")
    .option('--app-call-result <marker>', "browser:<url>: where the call's result shows (default: --app-signed-in)")
    .option('--app-callback-path <path>', "browser:<url>: where the app's OAuth callback listens (default /callback)")
    .option('--verbose', 'print every check of every scenario')
    .option('--quiet', 'print one line per provider, naming its failing rules')
    .action(async (opts) => {
      // @note Ctrl-C: command clients run in their own process groups, so the terminal's SIGINT does not reach them; the exit hook does.
      process.once('SIGINT', () => process.exit(130))
      process.once('SIGTERM', () => process.exit(143))
      const client = String(opts.client).startsWith('browser:')
        ? await resolveBrowserClient(String(opts.client).slice('browser:'.length), opts)
        : String(opts.client)
      const code = await runCheck(
        {
          providers: opts.provider,
          client,
          scenarios: opts.scenario,
          transport: opts.transport,
          mode: opts.mode,
          jsonl: opts.jsonl,
          junit: opts.junit,
          verbose: opts.verbose,
          quiet: opts.quiet,
          shard: opts.shard,
          clientTimeoutMs: opts.clientTimeout ?? clientTimeoutFromEnv(),
          // A web app started by command listens on its one URL: one provider at a time.
          ...(/^browser:https?:/.test(String(opts.client)) ? { workers: 1 } : {}),
        },
        process.stdout,
      )
      process.exitCode = code
      stopAllCommandClients()
      // @note the run is over and reported: nothing a client left behind may keep the process (and a CI job) waiting.
      setTimeout(() => process.exit(code), 1000).unref()
    })
}

/**
 * `oauth-dance merge-reports`: the reports of a sharded run (or of several
 * runs) as one: JSON Lines inputs give merged JSON Lines (summaries
 * recomputed) and JUnit; JUnit inputs give one JUnit.
 */
export function registerMergeReportsCommand(program: Command): Command {
  return program
    .command('merge-reports')
    .description('merge the JSON Lines or JUnit reports of shards (check --shard i/n) into one')
    .argument('<files...>', 'reports written by check --jsonl (or --junit), in shard order')
    .option('--jsonl <file>', 'write the merged JSON Lines (from JSON Lines inputs)')
    .option('--junit <file>', 'write the merged JUnit XML')
    .action((files: string[], opts: { jsonl?: string; junit?: string }) => {
      if (!opts.jsonl && !opts.junit) throw new InvalidArgumentError('give --jsonl <file>, --junit <file> or both')
      const texts = files.map((f) => readFileSync(f, 'utf8'))
      const xml = texts.map((t) => t.trimStart().startsWith('<'))
      if (xml.some(Boolean) && !xml.every(Boolean)) throw new InvalidArgumentError('merge JSON Lines reports with JSON Lines reports, JUnit with JUnit')
      if (xml[0]) {
        if (opts.jsonl) throw new InvalidArgumentError('JUnit inputs merge into --junit only (a JUnit file has no JSON Lines records to rebuild)')
        writeFileSync(opts.junit!, mergeJUnit(texts))
        return
      }
      for (const [i, text] of texts.entries()) {
        try {
          runsFromJsonLines([text])
        } catch (error) {
          throw new InvalidArgumentError(`${files[i]} is not a JSON Lines report of check: ${(error as Error).message}`)
        }
      }
      const runs = runsFromJsonLines(texts)
      if (opts.jsonl) {
        const report = new JsonLinesReport(opts.jsonl)
        for (const run of runs) {
          for (const scenario of run.scenarios) {
            for (const check of scenario.checks) report.check(check)
            report.scenario(run.provider, scenario)
          }
        }
        report.end(runs)
      }
      if (opts.junit) writeFileSync(opts.junit, formatJUnit(runs))
    })
}
