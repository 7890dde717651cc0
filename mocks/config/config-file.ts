import { readFileSync } from 'node:fs'
import * as z from 'zod'
import { describeIssues, OptionsError, type OptionsSchema } from '../core/options.js'
import type { ProviderDefinition } from '../core/define.js'
import { configFileIn, DEFAULT_CONFIG_FILE } from './config-path.js'
import { DEFINITIONS, LAST_PORT_OFFSET, MAX_PORT_BASE, PORT_BASE_RANGE, PROVIDER_DEFINITIONS, type ProviderId } from '../registry.js'

export { DEFAULT_CONFIG_FILE } from './config-path.js'

/** Where the JSON Schema of the config file is published in the package (generated from {@link configFileSchema}). */
export const CONFIG_SCHEMA_PATH = 'schema/oauth-dance.config.schema.json'

function providerSection({ id, options, accounts }: Pick<ProviderDefinition, 'id' | 'options' | 'accounts'>) {
  return z
    .object({
      strictness: z
        .enum(['strict', 'lenient'])
        .optional()
        .describe('"strict" (default): refuse what the real provider refuses; "lenient": serve it and record notes.violations'),
      options: options.optional().describe(`${id}'s options (README, the provider's section)`),
      clients: z.array(accounts.clientSchema).optional().describe(`${accounts.clientNoun}s added after the fixtures; kept by reset`),
      ...(accounts.userSchema ? { users: z.array(accounts.userSchema).optional().describe('Users added after the fixtures; kept by reset') } : {}),
    })
    .strict()
    .optional()
    .describe(`${id}: options, extra clients and users, strictness`)
}

/** One section per provider definition, in the registry's order. */
const providerSections = Object.fromEntries(PROVIDER_DEFINITIONS.map((definition) => [definition.id, providerSection(definition)])) as Record<
  ProviderId,
  ReturnType<typeof providerSection>
>

/** The providers a config file may name, with their option schemas (`--set <id>.<option>=<value>`). */
export const PROVIDER_OPTION_SCHEMAS = Object.fromEntries(Object.values(DEFINITIONS).map((definition) => [definition.id, definition.options])) as Record<
  ProviderId,
  OptionsSchema
>

/**
 * `oauth-dance.config.json`: global settings and, per provider, its options,
 * extra clients and users, and strictness. The JSON Schema editors complete it
 * with is generated from this (`npm run config-schema`).
 */
export const configFileSchema = z
  .object({
    $schema: z.string().optional().describe('The JSON Schema of this file, for editors: node_modules/oauth-dance/schema/oauth-dance.config.schema.json'),
    portBase: z
      .number({ error: 'must be a number' })
      .int({ error: PORT_BASE_RANGE })
      .min(0, { error: PORT_BASE_RANGE })
      .max(MAX_PORT_BASE, { error: PORT_BASE_RANGE })
      .optional()
      .describe(`Listeners on portBase+1 ... portBase+${LAST_PORT_OFFSET} (default 4400); 0 takes free ports. --port-base wins`),
    host: z.string().min(1, { error: 'must not be empty' }).optional().describe('Interface to listen on (default 127.0.0.1). --host wins'),
    sharedClock: z.boolean().optional().describe('One mock clock for every provider, so advancing one advances all'),
    providers: z.object(providerSections).strict().optional().describe('Per provider: options, extra clients and users, strictness'),
  })
  .strict()

export type ConfigFile = z.output<typeof configFileSchema>
export type ConfigFileInput = z.input<typeof configFileSchema>
export type ProviderSection = NonNullable<NonNullable<ConfigFile['providers']>[ProviderId]>

/** The config file's JSON Schema, as published in the package. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return { ...schema, title: 'oauth-dance serve configuration' }
}

/** Where an issue is, in the words `--set` uses: `keystone.basicCredentials`, `keystone.clients[0].user`, `portBase`. */
function configLabel(path: ReadonlyArray<PropertyKey>): string {
  const parts = path[0] === 'providers' && path.length >= 2 ? (path[2] === 'options' ? [path[1], ...path.slice(3)] : path.slice(1)) : path
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || 'the configuration'
}

function unknownConfigKey(path: ReadonlyArray<PropertyKey>, key: string, allowed: string[]): string {
  if (path.length === 1 && path[0] === 'providers') return `providers.${key} is not a provider (allowed: ${allowed.join(', ')})`
  if (path.length === 3 && path[0] === 'providers' && path[2] === 'options')
    return `${String(path[1])}.${key} is not an option of ${String(path[1])} (allowed: ${allowed.join(', ')})`
  return `${path.length ? `${configLabel(path)}.` : ''}${key} is not a known key (allowed: ${allowed.join(', ')})`
}

/**
 * Validates a configuration (a parsed config file with `--set` applied);
 * throws {@link OptionsError} listing every problem, one a line, each naming
 * the provider, the key and what is allowed.
 */
export function parseConfig(input: unknown, source: string): ConfigFile {
  // Parsed once per start: zod's compiled fast path would cost more to build than it saves.
  const result = configFileSchema.safeParse(input, { jitless: true })
  if (result.success) return result.data
  const problems = describeIssues(configFileSchema, input, result.error.issues, configLabel, unknownConfigKey)
  throw new OptionsError(`Failed to start: the configuration is invalid (${source}):\n${problems.map((p) => `  ${p}`).join('\n')}`, problems)
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
    if (!(provider in PROVIDER_OPTION_SCHEMAS)) {
      throw new OptionsError(
        `Failed to start: --set "${assignment}": ${provider} is not a provider (allowed: ${Object.keys(PROVIDER_OPTION_SCHEMAS).join(', ')})`,
        [assignment],
      )
    }
    let value: unknown = raw
    try {
      value = JSON.parse(raw)
    } catch {
      // Not JSON: the string as written (`lenient`, a URL).
    }
    const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
    // A file whose `providers` (or section) is not an object keeps it, for parseConfig to name.
    const providers = (out.providers ??= {})
    if (!isObject(providers)) continue
    const section = (providers[provider] ??= {})
    if (!isObject(section)) continue
    if (key === 'strictness') section.strictness = value
    else if (isObject((section.options ??= {}))) section.options[key] = value
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
 * The configuration `serve` runs with: the `--config` file, else
 * `oauth-dance.config.json` in `cwd` when there is one, with `--set` applied,
 * validated. `source` names where it came from (for messages and the log).
 */
export function loadConfig(options: { configPath?: string; cwd?: string; sets?: readonly string[] }): {
  config: ConfigFile
  file: string | undefined
  source: string
} {
  const file = configFileIn(options.cwd ?? process.cwd(), options.configPath)
  const sets = options.sets ?? []
  const raw = file === undefined ? {} : readConfigFile(file)
  const shownFile = file === undefined ? undefined : (options.configPath ?? DEFAULT_CONFIG_FILE)
  const source = [shownFile, sets.length ? '--set' : undefined].filter(Boolean).join(' and ') || 'defaults'
  return { config: parseConfig(applySets(raw, sets), source), file, source }
}

/** An option's allowed values as help shows them: `"raw" | "lenient"`, `integer`, `string[]`. */
function allowedValues(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ')
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map((s) => allowedValues(s as Record<string, unknown>)).join(' | ')
  if (schema.type === 'array') {
    const item = allowedValues((schema.items ?? {}) as Record<string, unknown>)
    return item.includes(' | ') ? `(${item})[]` : `${item}[]`
  }
  if ('const' in schema) return JSON.stringify(schema.const)
  return typeof schema.type === 'string' ? schema.type : 'value'
}

/**
 * Every provider's options for `serve --help`, generated from their schemas
 * (one line each: key, allowed values, default, description), so an option
 * added to a provider's `options.ts` is listed with no other change.
 */
export function providerOptionsHelp(): string {
  const lines = ['Provider options (--set <provider>.<option>=<value>, or "options" in the config file):']
  for (const { id, options } of PROVIDER_DEFINITIONS) {
    const json = z.toJSONSchema(options, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, Record<string, unknown>> }
    lines.push(`  ${id}:`)
    for (const [key, property] of Object.entries(json.properties ?? {})) {
      const defaultValue = property.default === undefined ? '' : ` (default ${JSON.stringify(property.default)})`
      lines.push(`    ${id}.${key}: ${allowedValues(property)}${defaultValue}  ${String(property.description ?? '')}`.trimEnd())
    }
  }
  return lines.join('\n')
}
