import * as z from '../store/zod.js'
import type { OptionsSchema } from '../core/options.js'
import { DEFINITIONS, PROVIDER_DEFINITIONS, type ProviderId } from '../registry.js'
import { configSchemaFor, readConfigInput, validateConfig, type ConfigFile } from './config-schema.js'

export { DEFAULT_CONFIG_FILE } from './config-path.js'
export { applySets, readConfigFile, type ConfigFile, type ConfigFileInput, type ProviderSection } from './config-schema.js'

/** Where the JSON Schema of the config file is published in the package (generated from {@link configFileSchema}). */
export const CONFIG_SCHEMA_PATH = 'schema/oauth-dance.config.schema.json'

/** The providers a config file may name, with their option schemas (`--set <id>.<option>=<value>`). */
export const PROVIDER_OPTION_SCHEMAS = Object.fromEntries(Object.values(DEFINITIONS).map((definition) => [definition.id, definition.options])) as Record<
  ProviderId,
  OptionsSchema
>

/**
 * `oauth-dance.config.json` with every provider's section: global settings
 * and, per provider, its options, extra clients and users, and strictness.
 * The JSON Schema editors complete it with is generated from this (`npm run
 * config-schema`).
 */
export const configFileSchema = configSchemaFor(PROVIDER_DEFINITIONS)

/** The config file's JSON Schema, as published in the package. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return { ...schema, title: 'oauth-dance serve configuration' }
}

/**
 * Validates a configuration (a parsed config file with `--set` applied)
 * against every provider's section; throws OptionsError listing every
 * problem, one a line, each naming the provider, the key and what is allowed.
 * `serve` validates with the named providers' sections alone (parseConfigNamed).
 */
export function parseConfig(input: unknown, source: string): ConfigFile {
  return validateConfig(configFileSchema, input, source)
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
  const { input, file, source } = readConfigInput(options)
  return { config: parseConfig(input, source), file, source }
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
