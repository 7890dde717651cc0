import { writeFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { resolveClient } from './adapters/resolve.js'
import { PROFILES } from './profiles/index.js'
import { formatConsoleReport } from './report/console.js'
import { checkRecord } from './report/jsonl.js'
import { formatJUnit } from './report/junit.js'
import { runScenarios, type CheckReport, type RunResult } from './runner.js'
import { scenariosFor } from '../scenarios/index.js'
import { appendFileSync } from 'node:fs'
import type { ExampleAppBrokenMode } from '../fixtures/example-app/server.js'

/**
 * `browser:example-app[:<broken mode>]`: the bundled example web app driven
 * in Chromium (conformance/adapters/browser.ts), over sockets since the app
 * is a real server. Loaded on demand: only this kind needs Playwright.
 */
async function resolveBrowserClient(spec: string, opts: Record<string, unknown> = {}) {
  if (/^https?:\/\//.test(spec)) return resolveWebApp(spec, opts)
  const [app, broken, ...rest] = spec.split(':')
  if (app !== 'example-app' || rest.length) {
    throw new InvalidArgumentError(`unknown browser app "${spec}": use browser:<url> (your app, with --app-start and --app-signed-in), browser:example-app, or browser:example-app:<broken mode> (ignores-state, token-in-query)`)
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
  if (!opts.appStart) throw new InvalidArgumentError(`browser:${url} needs --app-start <command>: the command that starts the app (it gets the provider and its client in OAUTH_DANCE_* variables)`)
  if (!opts.appSignedIn) throw new InvalidArgumentError(`browser:${url} needs --app-signed-in <selector | url:<regex>>: where the app shows it is signed in`)
  const { webAppClient, webAppScenarios } = await import('./adapters/browser-app.js')
  const app = (provider: string) => ({
    url,
    start: String(opts.appStart),
    waitFor: opts.appWait as string | undefined,
    callbackPath: opts.appCallbackPath as string | undefined,
    signIn: String(opts.appSignIn),
    signedIn: marker(String(opts.appSignedIn)),
    error: opts.appError ? marker(String(opts.appError)) : undefined,
    // The call the scenarios make by default (Carina: me), as the app offers it.
    calls: opts.appCall ? { [PROFILES[provider].primaryOperation.operation]: { action: String(opts.appCall), result: marker(String(opts.appCallResult ?? opts.appSignedIn)) } } : undefined,
  })
  const adapters = new Map<string, ReturnType<typeof webAppClient>>()
  return {
    adapterFor: (provider: string) => adapters.get(provider) ?? adapters.set(provider, webAppClient(app(provider))).get(provider)!,
    adapter: webAppClient(app(Object.keys(PROFILES)[0])),
    transport: 'sockets' as const,
    fit: (provider: string, scenarios: ReturnType<typeof scenariosFor>) => webAppScenarios(provider, app(provider), scenarios),
  }
}

function providers(value: string): string[] {
  const ids = value === 'all' ? Object.keys(PROFILES) : value.split(',').map((s) => s.trim()).filter(Boolean)
  for (const id of ids) if (!PROFILES[id]) throw new InvalidArgumentError(`unknown provider "${id}" (known: ${Object.keys(PROFILES).join(', ')}, or all)`)
  return ids
}

/**
 * `oauth-dance check`: runs the scenarios of one or more providers against a
 * client, prints the report, writes JSON Lines and JUnit XML on request, and
 * exits 1 when a MUST-level check fails.
 */
export function registerCheckCommand(program: Command): Command {
  return program
    .command('check')
    .description('run the conformance scenarios against a client and report each rule')
    .requiredOption('--provider <ids>', 'provider(s) to check: carina, comma-separated, or all', providers)
    .option('--client <spec>', 'reference, a broken client name, module:<path>[#export], command:<shell command>, browser:example-app[:<broken mode>], or browser:<url> with --app-* options (a web app in Chromium)', 'reference')
    .option('--scenario <ids>', 'only these scenario ids (comma-separated)', (v: string) => v.split(',').map((s) => s.trim()))
    .addOption(new Option('--transport <kind>', 'in-process (msw) or sockets (serve on 127.0.0.1); default: sockets for command clients').choices(['in-process', 'sockets']))
    .addOption(new Option('--mode <mode>', 'strict: the provider refuses what the real one refuses; lenient: it serves such requests and the report lists every violation (default: each scenario\'s own, strict)').choices(['strict', 'lenient']))
    .option('--jsonl <file>', 'write one JSON object per check (JSON Lines), as each is known')
    .option('--junit <file>', 'write JUnit XML')
    .option('--app-start <command>', 'browser:<url>: shell command that starts the app, per scenario (gets OAUTH_DANCE_* variables: endpoints, client, clock URL)')
    .option('--app-wait <url>', 'browser:<url>: URL that answers once the app is ready (default: the app URL)')
    .option('--app-sign-in <selector>', 'browser:<url>: the control that begins sign-in, a Playwright selector', 'role=button[name=/sign in|log in|login/i]')
    .option('--app-signed-in <marker>', 'browser:<url>: where the app shows it is signed in: a selector, or url:<regex>')
    .option('--app-error <marker>', 'browser:<url>: where the app reports an error (code in data-error, or the URL\'s error parameter): a selector, or url:<regex>')
    .option('--app-call <selector>', 'browser:<url>: the control that makes the provider\'s protected call (Carina: me)')
    .option('--app-call-result <marker>', 'browser:<url>: where the call\'s result shows (default: --app-signed-in)')
    .option('--app-callback-path <path>', 'browser:<url>: where the app\'s OAuth callback listens (default /callback)')
    .option('--verbose', 'print the message of passing checks too')
    .option('--quiet', 'print only the totals')
    .action(async (opts) => {
      const browser = String(opts.client).startsWith('browser:') ? await resolveBrowserClient(String(opts.client).slice('browser:'.length), opts) : undefined
      const { adapter, transport } = browser ?? (await resolveClient(opts.client))
      if (opts.jsonl) writeFileSync(opts.jsonl, '')
      const onCheck = opts.jsonl ? (check: CheckReport) => appendFileSync(opts.jsonl, JSON.stringify(checkRecord(check)) + '\n') : undefined
      const results: RunResult[] = []
      for (const provider of opts.provider as string[]) {
        let scenarios = scenariosFor(provider, opts.scenario)
        if (browser) {
          // Scenarios a browser app cannot run (client credentials: no user) are listed as skipped, with why.
          const fit = browser.fit(provider, scenarios)
          for (const { scenario, reason } of fit.skipped) process.stdout.write(`SKIP ${scenario}: ${reason}\n`)
          if (fit.scenarios.length === 0) continue
          scenarios = fit.scenarios
        }
        // A web app's call control depends on the provider's operation: one adapter per provider.
        const client = (browser as { adapterFor?: (provider: string) => typeof adapter } | undefined)?.adapterFor?.(provider) ?? adapter
        const result = await runScenarios({ provider, client, scenarios, transport: opts.transport ?? transport, mode: opts.mode, onCheck })
        results.push(result)
        const text = formatConsoleReport(result, { verbose: opts.verbose })
        process.stdout.write(opts.quiet ? text.split('\n').slice(-3).join('\n') : text)
      }
      if (opts.junit) writeFileSync(opts.junit, results.map(formatJUnit).join('\n'))
      process.exitCode = results.every((r) => r.passed) ? 0 : 1
    })
}
