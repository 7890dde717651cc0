import { readFileSync } from 'node:fs'
import * as z from '../store/zod.js'
import { describeIssues, OptionsError } from '../core/options.js'
import type { ProviderDefinition } from '../core/define.js'
import { configFileIn, DEFAULT_CONFIG_FILE } from './config-path.js'
import { LAST_PORT_OFFSET, manifestOf, MAX_PORT_BASE, PORT_BASE_RANGE, PROVIDER_IDS, PROVIDER_MANIFESTS, type ProviderId } from '../manifests.js'

// The config file's schema, built from the definitions given, and what reads
// and validates a configuration. config-file.ts builds it with every provider
// (the published JSON Schema, `--help`); `serve` with only the providers a
// configuration names (parseConfigNamed), so it loads no other provider's code.

function providerSection({ id, options, accounts }: Pick<ProviderDefinition, 'id' | 'options' | 'accounts'>) {
  return z
    .optional(
      z.strictObject({
        strictness: z
          .optional(z.enum(['strict', 'lenient']))
          .check(z.describe('"strict" (default): refuse what the real provider refuses; "lenient": serve it and record notes.violations')),
        options: z.optional(options).check(z.describe(`${id}'s options (README, the provider's section)`)),
        clients: z.optional(z.array(accounts.clientSchema)).check(z.describe(`${accounts.clientNoun}s added after the fixtures; kept by reset`)),
        ...(accounts.userSchema ? { users: z.optional(z.array(accounts.userSchema)).check(z.describe('Users added after the fixtures; kept by reset')) } : {}),
      }),
    )
    .check(z.describe(`${id}: options, extra clients and users, strictness`))
}

/**
 * `oauth-dance.config.json`: global settings and, per provider in
 * `definitions`, its options, extra clients and users, and strictness.
 */
export function configSchemaFor(definitions: ReadonlyArray<Pick<ProviderDefinition, 'id' | 'options' | 'accounts'>>) {
  const sections = Object.fromEntries(definitions.map((definition) => [definition.id, providerSection(definition)])) as Record<
    ProviderId,
    ReturnType<typeof providerSection>
  >
  return z.strictObject({
    $schema: z
      .optional(z.string())
      .check(z.describe('The JSON Schema of this file, for editors: node_modules/oauth-dance/schema/oauth-dance.config.schema.json')),
    portBase: z
      .optional(
        z
          .number({ error: 'must be a number' })
          .check(z.int({ error: PORT_BASE_RANGE }), z.minimum(0, { error: PORT_BASE_RANGE }), z.maximum(MAX_PORT_BASE, { error: PORT_BASE_RANGE })),
      )
      .check(z.describe(`Listeners on portBase+1 ... portBase+${LAST_PORT_OFFSET} (default 4400); 0 takes free ports. --port-base wins`)),
    host: z
      .optional(z.string().check(z.minLength(1, { error: 'must not be empty' })))
      .check(z.describe('Interface to listen on (default 127.0.0.1). --host wins')),
    sharedClock: z.optional(z.boolean()).check(z.describe('One mock clock for every provider, so advancing one advances all')),
    providers: z.optional(z.strictObject(sections)).check(z.describe('Per provider: options, extra clients and users, strictness')),
  })
}

export type ConfigFile = z.output<ReturnType<typeof configSchemaFor>>
export type ConfigFileInput = z.input<ReturnType<typeof configSchemaFor>>
export type ProviderSection = NonNullable<NonNullable<ConfigFile['providers']>[ProviderId]>

/** Where an issue is, in the words `--set` uses: `keystone.basicCredentials`, `keystone.clients[0].user`, `portBase`. */
function configLabel(path: ReadonlyArray<PropertyKey>): string {
  const parts = path[0] === 'providers' && path.length >= 2 ? (path[2] === 'options' ? [path[1], ...path.slice(3)] : path.slice(1)) : path
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || 'the configuration'
}

function unknownConfigKey(path: ReadonlyArray<PropertyKey>, key: string, allowed: string[]): string {
  // Every provider, whichever sections the schema was built with (parseConfigNamed builds only the named ones).
  if (path.length === 1 && path[0] === 'providers') return `providers.${key} is not a provider (allowed: ${PROVIDER_IDS.join(', ')})`
  if (path.length === 3 && path[0] === 'providers' && path[2] === 'options')
    return `${String(path[1])}.${key} is not an option of ${String(path[1])} (allowed: ${allowed.join(', ')})`
  return `${path.length ? `${configLabel(path)}.` : ''}${key} is not a known key (allowed: ${allowed.join(', ')})`
}

/**
 * Validates a configuration (a parsed config file with `--set` applied)
 * against `schema`; throws {@link OptionsError} listing every problem, one a
 * line, each naming the provider, the key and what is allowed.
 */
export function validateConfig(schema: ReturnType<typeof configSchemaFor>, input: unknown, source: string): ConfigFile {
  // Parsed once per start: zod's compiled fast path would cost more to build than it saves.
  const result = schema.safeParse(input, { jitless: true })
  if (result.success) return result.data
  const problems = describeIssues(schema, input, result.error.issues, configLabel, unknownConfigKey)
  throw new OptionsError(`Failed to start: the configuration is invalid (${source}):\n${problems.map((p) => `  ${p}`).join('\n')}`, problems)
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

/**
 * {@link validateConfig} with the sections of only the providers the
 * configuration names, their definitions loaded from their manifests: the
 * same result and the same messages as with every provider's.
 */
export async function parseConfigNamed(input: unknown, source: string): Promise<ConfigFile> {
  const named = isPlainObject(input) && isPlainObject(input.providers) ? Object.keys(input.providers) : []
  const definitions = await Promise.all(PROVIDER_MANIFESTS.filter((manifest) => named.includes(manifest.id)).map((manifest) => manifest.load()))
  return validateConfig(configSchemaFor(definitions), input, source)
}

/**
 * Applies `--set <provider>.<key>=<value>` assignments: the value as JSON when
 * it parses (`3600`, `true`, `["a"]`), else as a string; `<provider>.strictness`
 * sets the strictness, any other key an option. Validation is {@link parseConfig}'s.
 */
export function applySets(config: unknown, assignments: readonly string[]): Record<string, unknown> {
  const out = structuredClone((config ?? {}) as Record<string, unknown>)
  for (const assignment of assignments) {
    const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_$-]+)=([\s\S]*)$/.exec(assignment)
    if (!match)
      throw new OptionsError(`Failed to start: --set "${assignment}" is not <provider>.<option>=<value> (e.g. --set keystone.basicCredentials=lenient)`, [
        assignment,
      ])
    const [, provider, key, raw] = match
    if (!manifestOf(provider)) {
      throw new OptionsError(`Failed to start: --set "${assignment}": ${provider} is not a provider (allowed: ${PROVIDER_IDS.join(', ')})`, [assignment])
    }
    let value: unknown = raw
    try {
      value = JSON.parse(raw)
    } catch {
      // Not JSON: the string as written (`lenient`, a URL).
    }
    // A file whose `providers` (or section) is not an object keeps it, for parseConfig to name.
    const providers = (out.providers ??= {})
    if (!isPlainObject(providers)) continue
    const section = (providers[provider] ??= {})
    if (!isPlainObject(section)) continue
    if (key === 'strictness') section.strictness = value
    else if (isPlainObject((section.options ??= {}))) section.options[key] = value
  }
  return out
}

/** Reads a config file as JSON; a missing or unparsable file is an error naming it. */
export function readConfigFile(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new OptionsError(`Failed to start: cannot read the config file ${path}${code === 'ENOENT' ? ' (no such file)' : `: ${(error as Error).message}`}`, [
      path,
    ])
  }
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new OptionsError(`Failed to start: the config file ${path} is not valid JSON (${(error as Error).message})`, [path])
  }
}

/**
 * What `serve` reads its configuration from: the `--config` file, else
 * `oauth-dance.config.json` in `cwd` when there is one, with `--set` applied
 * (not yet validated). `source` names where it came from (for messages and
 * the log).
 */
export function readConfigInput(options: { configPath?: string; cwd?: string; sets?: readonly string[] }): {
  input: Record<string, unknown>
  file: string | undefined
  source: string
} {
  const file = configFileIn(options.cwd ?? process.cwd(), options.configPath)
  const sets = options.sets ?? []
  const raw = file === undefined ? {} : readConfigFile(file)
  const shownFile = file === undefined ? undefined : (options.configPath ?? DEFAULT_CONFIG_FILE)
  const source = [shownFile, sets.length ? '--set' : undefined].filter(Boolean).join(' and ') || 'defaults'
  return { input: applySets(raw, sets), file, source }
}

/** The configuration `serve` runs with ({@link readConfigInput}), validated with the sections of the providers it names. */
export async function loadConfigNamed(options: { configPath?: string; cwd?: string; sets?: readonly string[] }): Promise<{
  config: ConfigFile
  file: string | undefined
  source: string
}> {
  const { input, file, source } = readConfigInput(options)
  return { config: await parseConfigNamed(input, source), file, source }
}
