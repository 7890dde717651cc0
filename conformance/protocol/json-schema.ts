import * as z from '../../mocks/store/zod.js'

/** A JSON Schema (draft 2020-12) as protocol.schema.json writes one. */
export type JsonSchema = boolean | { [keyword: string]: unknown }

/** Keywords that say nothing about what validates. */
const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description'])
/** Keywords this converter reads; any other is refused, so a schema edit cannot be silently ignored. */
const VALIDATING = new Set([
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'minLength',
  'minimum',
  'maximum',
  'anyOf',
  'oneOf',
  '$ref',
])

/**
 * Turns the subset of JSON Schema the `command:` protocol's schema uses into
 * zod validators, as zod's classic `z.fromJSONSchema` does (the same schemas,
 * so the same issues and messages; `json-schema.test.ts` holds the two equal).
 * It builds them with `zod/mini`: the classic API would bring its whole build
 * into the bin's bundle, where `serve` loads zod at start (mocks/core/zod.ts).
 *
 * @param root the schema whose `$defs` a `$ref` (`#/$defs/name`) points into
 */
export function fromJsonSchema(schema: JsonSchema, root: JsonSchema = schema): z.ZodMiniType {
  const defs = typeof root === 'object' ? ((root.$defs ?? {}) as Record<string, JsonSchema>) : {}
  const resolved = new Map<string, z.ZodMiniType>()
  const resolving = new Set<string>()

  const some = (schemas: z.ZodMiniType[]) => schemas as [z.ZodMiniType, ...z.ZodMiniType[]]

  const convert = (node: JsonSchema): z.ZodMiniType => {
    if (node === true) return z.any()
    if (node === false) return z.never()
    for (const keyword of Object.keys(node))
      if (!ANNOTATIONS.has(keyword) && !VALIDATING.has(keyword)) throw new Error(`fromJsonSchema: the keyword "${keyword}" is not supported`)
    if (typeof node.$ref === 'string') return reference(node.$ref)
    const typed = node.type !== undefined || node.enum !== undefined || node.const !== undefined
    let base = typed ? typedSchema(node) : z.any()
    const anyOf = node.anyOf as JsonSchema[] | undefined
    const oneOf = node.oneOf as JsonSchema[] | undefined
    if (anyOf) base = combine(base, typed, z.union(some(anyOf.map(convert))))
    if (oneOf) base = combine(base, typed, z.xor(some(oneOf.map(convert))))
    return base
  }

  const combine = (base: z.ZodMiniType, typed: boolean, alternatives: z.ZodMiniType) => (typed ? z.intersection(base, alternatives) : alternatives)

  const reference = (ref: string): z.ZodMiniType => {
    const name = /^#\/\$defs\/([^/]+)$/.exec(ref)?.[1]
    if (name === undefined || !(name in defs)) throw new Error(`fromJsonSchema: "${ref}" names no definition of $defs`)
    let built = resolved.get(name)
    if (!built) {
      if (resolving.has(name)) throw new Error(`fromJsonSchema: "${ref}" refers to itself, which the protocol's schema never needs`)
      resolving.add(name)
      built = convert(defs[name])
      resolving.delete(name)
      resolved.set(name, built)
    }
    return built
  }

  const typedSchema = (node: { [keyword: string]: unknown }): z.ZodMiniType => {
    if (node.enum !== undefined) {
      const values = node.enum as z.core.util.Literal[]
      if (values.length === 1) return z.literal(values[0])
      if (values.every((value) => typeof value === 'string')) return z.enum(values as string[])
      return z.union(some(values.map((value) => z.literal(value))))
    }
    if (node.const !== undefined) return z.literal(node.const as z.core.util.Literal)
    if (Array.isArray(node.type)) return z.union(some(node.type.map((type) => typedSchema({ ...node, type }))))
    switch (node.type) {
      case 'string':
        return typeof node.minLength === 'number' ? z.string().check(z.minLength(node.minLength)) : z.string()
      case 'number':
      case 'integer': {
        const checks: z.core.$ZodCheck<number>[] = []
        if (node.type === 'integer') checks.push(z.int())
        if (typeof node.minimum === 'number') checks.push(z.gte(node.minimum))
        if (typeof node.maximum === 'number') checks.push(z.lte(node.maximum))
        return checks.length ? z.number().check(...checks) : z.number()
      }
      case 'boolean':
        return z.boolean()
      case 'null':
        return z.null()
      case 'object': {
        const required = new Set((node.required ?? []) as string[])
        const shape: Record<string, z.ZodMiniType> = {}
        for (const [key, property] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) {
          const value = convert(property)
          // defined, not assigned: a property named __proto__ would otherwise set the shape's prototype.
          Object.defineProperty(shape, key, { value: required.has(key) ? value : z.optional(value), enumerable: true })
        }
        // JSON Schema allows other keys unless additionalProperties says otherwise.
        if (node.additionalProperties === false) return z.strictObject(shape)
        if (typeof node.additionalProperties === 'object') return z.catchall(z.object(shape), convert(node.additionalProperties as JsonSchema))
        return z.looseObject(shape)
      }
      default:
        throw new Error(`fromJsonSchema: the type ${JSON.stringify(node.type)} is not supported`)
    }
  }

  return convert(schema)
}
