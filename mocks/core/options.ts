import * as z from '../store/zod.js'

/**
 * Provider options as zod schemas: each provider's folder exports one
 * (`keystoneOptionsSchema`...), which its factory parses its options with, the
 * config file and `serve --set` validate against, `/__oauth-dance/options`
 * changes at run time, and `schema/oauth-dance.config.schema.json` is
 * generated from. Every key has a default (or is optional) and a one-line
 * `z.describe()`.
 */
export type OptionsSchema = z.ZodMiniObject<z.core.$ZodShape, z.core.$strict>

/**
 * The longest lifetime an option may give: 100 years. Lifetimes become dates
 * (Keystone's `expires_at`, Cloud 66's and GoCD's timestamps), and a date past
 * the year 275760 cannot be written, even from the mock clock's last day
 * (9999-12-31); a bound this far out refuses nothing a test needs.
 */
export const MAX_LIFETIME_SECONDS = 3_155_760_000

/** A whole number above zero and at most `max` (`tooLarge` says so), with the messages the errors below use. */
export function positiveInteger(description: string, defaultValue: number, bound: { max: number; tooLarge: string; notANumber?: string }) {
  return z
    ._default(
      z
        .number(bound.notANumber === undefined ? undefined : { error: bound.notANumber })
        .check(
          z.int({ error: 'must be a positive integer' }),
          z.positive({ error: 'must be a positive integer' }),
          z.lte(bound.max, { error: bound.tooLarge }),
        ),
      defaultValue,
    )
    .check(z.describe(description))
}

/** A whole number of seconds above zero and at most {@link MAX_LIFETIME_SECONDS}. */
export function positiveSeconds(description: string, defaultValue: number) {
  return positiveInteger(description, defaultValue, {
    max: MAX_LIFETIME_SECONDS,
    tooLarge: `must be at most ${MAX_LIFETIME_SECONDS} (100 years)`,
    notANumber: 'must be a number of seconds',
  })
}

/** Thrown for options, config files and control requests that do not fit their schema; its message names every problem. */
export class OptionsError extends TypeError {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message)
    this.name = 'OptionsError'
  }
}

/** Unwraps optional, default, nullable and pipe wrappers to the schema that holds the shape or the enum. */
function unwrap(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema
  for (let i = 0; current && i < 10; i++) {
    const def = (current as { _zod: { def: { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType } } })._zod.def
    if (def.innerType) current = def.innerType
    else if (def.type === 'pipe' && def.in) current = def.in
    else break
  }
  return current
}

/** The schema found at a path (object keys, array indexes), for the allowed keys and values an error lists. */
export function schemaAt(schema: z.core.$ZodType, path: ReadonlyArray<PropertyKey>): z.core.$ZodType | undefined {
  let current: z.core.$ZodType | undefined = schema
  for (const key of path) {
    const inner = unwrap(current) as
      { _zod: { def: { type: string; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType; valueType?: z.core.$ZodType } } } | undefined
    if (!inner) return undefined
    const def = inner._zod.def
    if (def.type === 'object') current = def.shape?.[String(key)]
    else if (def.type === 'array') current = def.element
    else if (def.type === 'record') current = def.valueType
    else return undefined
  }
  return unwrap(current)
}

function keysOf(schema: z.core.$ZodType | undefined): string[] {
  const def = (schema as { _zod: { def: { type: string; shape?: Record<string, unknown> } } } | undefined)?._zod.def
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : []
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current = input
  for (const key of path) current = current !== null && typeof current === 'object' ? (current as Record<PropertyKey, unknown>)[key] : undefined
  return current
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  int: 'an integer',
}

/**
 * One line per zod issue, each naming where (as `label(path)` words it), what
 * is wrong, and what is allowed:
 * `keystone.basicCredentials must be one of "raw", "lenient" (got "laxist")`.
 */
export function describeIssues(
  schema: z.core.$ZodType,
  input: unknown,
  issues: ReadonlyArray<z.core.$ZodIssue>,
  label: (path: ReadonlyArray<PropertyKey>) => string,
  unknownKey: (path: ReadonlyArray<PropertyKey>, key: string, allowed: string[]) => string = (path, key, allowed) =>
    `${label([...path, key])} is not a known key (allowed: ${allowed.join(', ')})`,
): string[] {
  const lines: string[] = []
  for (const issue of issues) {
    const where = label(issue.path)
    const got = valueAt(input, issue.path)
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) lines.push(unknownKey(issue.path, key, keysOf(schemaAt(schema, issue.path))))
        break
      case 'invalid_value':
        lines.push(
          `${where} must be ${issue.values.length === 1 ? shown(issue.values[0]) : `one of ${issue.values.map(shown).join(', ')}`} (got ${shown(got)})`,
        )
        break
      case 'invalid_type': {
        const enumValues = (schemaAt(schema, issue.path) as { _zod?: { def?: { type: string; entries?: Record<string, unknown> } } } | undefined)?._zod?.def
        if (enumValues?.type === 'enum' && enumValues.entries)
          lines.push(`${where} must be one of ${Object.values(enumValues.entries).map(shown).join(', ')} (got ${shown(got)})`)
        else lines.push(`${where} must be ${TYPE_WORDS[issue.expected] ?? issue.expected} (got ${shown(got)})`)
        break
      }
      case 'invalid_union':
        lines.push(`${where} does not fit (got ${shown(got)})`)
        break
      default:
        lines.push(`${where} ${issue.message} (got ${shown(got)})`)
    }
  }
  return lines
}

/** Label of an option path: `keystone.basicCredentials`, as `--set` writes it. */
export function optionLabel(providerId: string, path: ReadonlyArray<PropertyKey>): string {
  return path.length ? `${providerId}.${path.map(String).join('.')}` : providerId
}

/**
 * Parses a provider's options with its schema: only the schema's own keys are
 * taken from `given` (the factories receive them beside `baseUrl`, `clock`...),
 * defaults filled in. Throws {@link OptionsError} naming the provider, the key
 * and the allowed values.
 */
export function parseProviderOptions<S extends OptionsSchema>(
  providerId: string,
  schema: S,
  given: object,
  context = `Failed to create the ${providerId} provider`,
): z.output<S> {
  const picked: Record<string, unknown> = {}
  for (const key of Object.keys(schema.shape)) {
    const value = (given as Record<string, unknown>)[key]
    if (value !== undefined) picked[key] = value
  }
  return validateOptions(providerId, schema, picked, context)
}

/** Validates a whole options object, unknown keys included (the config file, `--set`, the control path). */
export function validateOptions<S extends OptionsSchema>(providerId: string, schema: S, input: unknown, context: string): z.output<S> {
  // Options are parsed once per provider or change: zod's compiled fast path would cost more to build than it saves.
  const result = schema.safeParse(input, { jitless: true })
  if (result.success) return result.data
  const problems = describeIssues(
    schema,
    input,
    result.error.issues,
    (path) => optionLabel(providerId, path),
    (path, key, allowed) =>
      path.length
        ? `${optionLabel(providerId, [...path, key])} is not a known key (allowed: ${allowed.join(', ')})`
        : `${providerId}.${key} is not an option of ${providerId} (allowed: ${allowed.join(', ')})`,
  )
  throw new OptionsError(`${context}: ${problems.join('; ')}`, problems)
}

/** What a provider definition says about its options, for the runtime's {@link ProviderOptionsControl}. */
export interface OptionsDefinition<Config> {
  schema: OptionsSchema
  /** The options in force when created (defaults filled in); `reset()` returns to them. */
  initial: Record<string, unknown>
  /** Writes options into the provider's config, in place (routes read the config per request). */
  apply(config: Config, options: Record<string, unknown>): void
}

/**
 * A running provider's options: read, changed (validated like the factory's),
 * and back to the created ones on `reset()`.
 *
 * @example
 * keystone.options.set({ basicCredentials: 'lenient' })
 * keystone.options.get().basicCredentials // 'lenient'
 */
export class ProviderOptionsControl<Config = unknown> {
  #current: Record<string, unknown>
  readonly #changed: Array<() => void> = []
  constructor(
    readonly providerId: string,
    readonly config: Config,
    readonly definition: OptionsDefinition<Config> | undefined,
  ) {
    this.#current = { ...definition?.initial }
  }

  /** The options in force, defaults included. */
  get(): Record<string, unknown> {
    return structuredClone(this.#current)
  }

  /** The schema the options are validated against. */
  get schema(): OptionsSchema | undefined {
    return this.definition?.schema
  }

  /**
   * Changes some options (the others stay); throws {@link OptionsError} and
   * changes nothing when one does not fit. Returns the options now in force.
   * As in a JSON merge patch (RFC 7396 §2), `null` removes an option: it is
   * then as if never given (its default, or absent), which JSON, having no
   * `undefined`, could not say otherwise. `reset()` restores the created ones.
   */
  set(changes: Record<string, unknown>): Record<string, unknown> {
    const definition = this.definition
    if (!definition) throw new OptionsError(`${this.providerId} has no options`, [`${this.providerId} has no options`])
    if (changes === null || typeof changes !== 'object' || Array.isArray(changes))
      throw new OptionsError(`Failed to change the options of ${this.providerId}: give an object of options`, ['give an object of options'])
    // Spread, not assignment: a `__proto__` key stays a key, which validation refuses as unknown.
    const patched: Record<string, unknown> = { ...this.#current, ...changes }
    // An unknown name keeps its null, so validation names it as unknown.
    for (const [name, value] of Object.entries(changes)) if (value === null && Object.hasOwn(definition.schema.shape, name)) delete patched[name]
    const merged = validateOptions(this.providerId, definition.schema, patched, `Failed to change the options of ${this.providerId}`)
    definition.apply(this.config, merged)
    this.#current = merged
    for (const listener of this.#changed) listener()
    return this.get()
  }

  /** Back to the options the provider was created with. */
  reset(): void {
    if (!this.definition) return
    this.#current = { ...this.definition.initial }
    this.definition.apply(this.config, this.#current)
    for (const listener of this.#changed) listener()
  }

  /**
   * Calls `listener` after every change of the options (`set`, `reset`): for
   * what keeps a value derived from them outside the requests, as `serve`'s
   * TLS listeners keep the client CAs their handshakes trust.
   */
  onChange(listener: () => void): void {
    this.#changed.push(listener)
  }
}
