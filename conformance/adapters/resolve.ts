import { pathToFileURL } from 'node:url'
import { join, resolve as resolvePath } from 'node:path'
import { packageRoot } from '../../mocks/package.js'
import { HarnessError, HarnessErrorCode } from '../errors.js'
import type { ClientAdapter } from '../types.js'
import { commandClient } from './command.js'

/**
 * Turns `--client` into an adapter:
 * - `reference`, or a broken client's name (`retry-storm`...): the built-in clients;
 * - `module:<path>[#export]`: a TS/JS module exporting a {@link ClientAdapter} (default export unless named), run in-process;
 * - `command:<shell command>`: any language, over the JSON Lines protocol (sockets transport); `timeoutMs` bounds each of its answers;
 * - `example:<name>`: an example client shipped in the package ({@link EXAMPLE_CLIENTS}), found
 *   relative to the package, whatever the working directory.
 */
export async function resolveClient(
  spec: string,
  options: { timeoutMs?: number } = {},
): Promise<{ adapter: ClientAdapter; transport: 'in-process' | 'sockets' }> {
  if (spec.startsWith('command:'))
    return { adapter: commandClient(spec.slice('command:'.length).trim(), { timeoutMs: options.timeoutMs }), transport: 'sockets' }
  if (spec.startsWith('example:')) {
    const name = spec.slice('example:'.length)
    const example = EXAMPLE_CLIENTS[name]
    if (!example) {
      throw HarnessError.for(HarnessErrorCode.UNKNOWN_CLIENT)(
        `Failed to resolve client "${spec}": the example clients are ${Object.keys(EXAMPLE_CLIENTS)
          .map((n) => `example:${n}`)
          .join(', ')}`,
      )
    }
    const file = join(packageRoot(), example.file)
    return { adapter: commandClient(`${example.interpreter} ${shellQuote(file)}`, { name: spec, timeoutMs: options.timeoutMs }), transport: 'sockets' }
  }
  if (spec.startsWith('module:')) {
    const [path, exported] = spec.slice('module:'.length).split('#')
    const mod = await importClientModule(resolvePath(path))
    const adapter = (exported ? mod[exported] : (mod.default ?? mod.client)) as ClientAdapter | undefined
    if (!adapter || typeof adapter.start !== 'function') {
      throw HarnessError.for(HarnessErrorCode.UNKNOWN_CLIENT)(
        `Failed to load the client: ${path} exports no ClientAdapter${exported ? ` named "${exported}"` : ' as default'}`,
      )
    }
    return { adapter, transport: 'in-process' }
  }
  const { referenceClient } = await import('../clients/reference-client.js')
  if (spec === 'reference') return { adapter: referenceClient, transport: 'in-process' }
  const { BROKEN_CLIENTS } = await import('../clients/broken-clients.js')
  const broken = BROKEN_CLIENTS[spec]
  if (broken) return { adapter: broken.client, transport: 'in-process' }
  throw HarnessError.for(HarnessErrorCode.UNKNOWN_CLIENT)(
    `Failed to resolve client "${spec}": use reference, a broken client (${Object.keys(BROKEN_CLIENTS).join(', ')}), ${Object.keys(EXAMPLE_CLIENTS)
      .map((n) => `example:${n}`)
      .join(', ')}, module:<path>[#export] or command:<shell command>`,
  )
}

/** Example clients in other languages, shipped in the package and run over the JSON Lines protocol. */
export const EXAMPLE_CLIENTS: Record<string, { interpreter: string; file: string; description: string }> = {
  python: {
    interpreter: 'python3',
    file: 'conformance/clients/python/example_client.py',
    description: "a complete client in Python's standard library (needs python3)",
  },
}

/** Quotes a path for the POSIX shell `command:` clients run under. */
function shellQuote(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`
}

/** The built-in clients `--client` accepts by name, one per line, for `--help`. */
export async function builtInClientsHelp(): Promise<string> {
  const { BROKEN_CLIENTS } = await import('../clients/broken-clients.js')
  const lines = [
    'Built-in clients (--client <name>):',
    '  reference               follows every rule; the default',
    ...Object.entries(EXAMPLE_CLIENTS).map(([name, e]) => `  ${`example:${name}`.padEnd(22)}  ${e.description}`),
    ...Object.entries(BROKEN_CLIENTS).map(([name, b]) => `  ${name.padEnd(22)}  deliberately broken: fails ${b.breaks} (${b.providers.join(', ')})`),
    '  browser:example-app[:<broken mode>]  the bundled example web app, driven in Chromium',
    'Your own: module:<path>[#export] (TS/JS, in-process) or command:<shell command> (any language, JSON Lines).',
  ]
  return lines.join('\n')
}

/**
 * Imports a client module; TypeScript ones through tsx's loader, so a user can
 * point `--client module:` at their `.ts` adapter without compiling it first.
 */
async function importClientModule(path: string): Promise<Record<string, unknown>> {
  if (!/\.[cm]?tsx?$/.test(path)) return import(pathToFileURL(path).href)
  let tsImport: (specifier: string, parentURL: string) => Promise<Record<string, unknown>>
  try {
    ;({ tsImport } = await import('tsx/esm/api'))
  } catch {
    throw HarnessError.for(HarnessErrorCode.UNKNOWN_CLIENT)(
      `Failed to load the client: ${path} is TypeScript; install tsx (npm i -D tsx) or point --client at its compiled .js`,
    )
  }
  return tsImport(pathToFileURL(path).href, import.meta.url)
}
