import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as classic from 'zod'
import { fromJsonSchema, type JsonSchema } from './json-schema.js'
import schema from './protocol.schema.json' with { type: 'json' }

type Node = Record<string, unknown>
const defs = schema.$defs as Record<string, Node>

/**
 * Values shaped like `node`, each part either fitting or broken (a wrong type, a
 * missing or extra key, a value beside the enum), so both converters see
 * every branch and every kind of issue.
 */
function near(node: Node, depth = 0): fc.Arbitrary<unknown> {
  if (typeof node.$ref === 'string') return near(defs[node.$ref.slice('#/$defs/'.length)], depth)
  const alternatives = (node.anyOf ?? node.oneOf) as Node[] | undefined
  const anything = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 3 }),
    fc.boolean(),
    fc.constant({}),
    fc.constant([1]),
  )
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => near(alternative, depth)), anything)
  const fitting: fc.Arbitrary<unknown>[] = []
  if (node.enum) fitting.push(fc.constantFrom(...(node.enum as unknown[])))
  if (node.const !== undefined) fitting.push(fc.constant(node.const))
  for (const type of [node.type].flat()) {
    if (type === 'string') fitting.push(fc.string({ maxLength: 3 }))
    if (type === 'integer' || type === 'number') fitting.push(fc.integer({ min: -3, max: 90_000 }), fc.double({ min: -2, max: 2, noNaN: true }))
    if (type === 'boolean') fitting.push(fc.boolean())
    if (type === 'null') fitting.push(fc.constant(null))
    if (type === 'object' && depth < 3) {
      const properties = Object.entries((node.properties ?? {}) as Record<string, Node>)
      const entries = properties.map(([key, property]) =>
        fc.option(
          near(property, depth + 1).map((value) => [key, value] as const),
          { nil: undefined },
        ),
      )
      fitting.push(
        fc
          .tuple(fc.tuple(...entries), fc.option(fc.tuple(fc.constantFrom('extra', 'ok', 'id'), anything), { nil: undefined }))
          .map(([present, extra]) => Object.fromEntries([...present, extra].filter((entry) => entry !== undefined))),
      )
    }
  }
  return fc.oneof(...fitting, anything)
}

const outcome = (result: { success: boolean; error?: { issues: unknown[] } }) => (result.success ? 'valid' : result.error!.issues)

describe('fromJsonSchema (conformance/protocol/json-schema.ts)', () => {
  for (const name of Object.keys(defs))
    it(`${name}: accepts and refuses what zod's classic z.fromJSONSchema does, with the same issues`, () => {
      const ours = fromJsonSchema({ $ref: `#/$defs/${name}` }, schema as JsonSchema)
      const theirs = classic.fromJSONSchema({ $schema: schema.$schema, $defs: schema.$defs, $ref: `#/$defs/${name}` } as never)
      fc.assert(
        fc.property(near(defs[name]), (value) => {
          expect(outcome(ours.safeParse(value))).toEqual(outcome(theirs.safeParse(value)))
        }),
        { numRuns: 400 },
      )
    })

  it('refuses a keyword it does not read, a $ref to no definition and a reference to itself, naming them', () => {
    expect(() => fromJsonSchema({ type: 'string', pattern: '^a' })).toThrow('fromJsonSchema: the keyword "pattern" is not supported')
    expect(() => fromJsonSchema({ $ref: '#/$defs/nowhere' }, { $defs: {} })).toThrow('fromJsonSchema: "#/$defs/nowhere" names no definition of $defs')
    expect(() => fromJsonSchema({ $ref: '#/$defs/loop' }, { $defs: { loop: { anyOf: [{ $ref: '#/$defs/loop' }] } } })).toThrow(
      'fromJsonSchema: "#/$defs/loop" refers to itself, which the protocol\'s schema never needs',
    )
    expect(() => fromJsonSchema({ type: 'array' })).toThrow('fromJsonSchema: the type "array" is not supported')
  })
})
