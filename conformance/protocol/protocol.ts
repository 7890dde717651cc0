import type * as z from '../../mocks/store/zod.js'
import { fromJsonSchema, type JsonSchema } from './json-schema.js'
import schema from './protocol.schema.json' with { type: 'json' }

/**
 * The `command:` protocol's JSON Schema (`protocol.schema.json`, shipped with
 * the package) turned into validators: the runner checks every line a client
 * writes against it, so a malformed message is a protocol error that names
 * what is wrong instead of a crash somewhere later.
 */
export const PROTOCOL_SCHEMA = schema

type Definition = keyof typeof schema.$defs

const validators = new Map<Definition, z.ZodMiniType>()

function validator(name: Definition): z.ZodMiniType {
  let v = validators.get(name)
  if (!v) {
    v = fromJsonSchema({ $ref: `#/$defs/${name}` }, schema as JsonSchema)
    validators.set(name, v)
  }
  return v
}

/** `undefined` when `value` matches the definition, else what is wrong, one line. */
export function protocolProblem(name: Definition, value: unknown): string | undefined {
  const parsed = validator(name).safeParse(value)
  if (parsed.success) return undefined
  return parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ')
}

export type ClientMessage =
  { kind: 'answer'; id: number; result: unknown } | { kind: 'error'; id: number; error: string } | { kind: 'sleep'; seconds: number } | { kind: 'log' }

/**
 * Reads one line a client wrote. Throws an Error whose message says what is
 * wrong (not JSON, or which field breaks which definition of the schema).
 */
export function parseClientMessage(line: string): ClientMessage {
  let message: unknown
  try {
    message = JSON.parse(line)
  } catch {
    throw new Error(`the client wrote a line that is not JSON: ${line.slice(0, 200)}`)
  }
  const fail = (definition: Definition, problem: string) =>
    new Error(`the client wrote a message that breaks the protocol schema (${definition}: ${problem}): ${line.slice(0, 200)}`)
  if (!message || typeof message !== 'object' || Array.isArray(message)) throw fail('clientMessage', 'not a JSON object')
  const m = message as Record<string, unknown>
  // @note dispatch on the fields that tell the kinds apart, so the error names one definition rather than "matches none of four".
  const kind: Definition =
    m.method === 'sleep' ? 'sleep' : m.method === 'log' ? 'log' : 'error' in m ? 'errorAnswer' : 'id' in m || 'result' in m ? 'answer' : 'clientMessage'
  if (kind === 'clientMessage') throw fail(kind, 'neither an answer ({"id", "result"}), an error answer ({"id", "error"}), a sleep nor a log request')
  const problem = protocolProblem(kind, m)
  if (problem) throw fail(kind, problem)
  if (kind === 'sleep') return { kind, seconds: (m.params as { seconds: number }).seconds }
  if (kind === 'log') return { kind }
  if (kind === 'errorAnswer') return { kind: 'error', id: m.id as number, error: m.error as string }
  return { kind: 'answer', id: m.id as number, result: m.result }
}

const RESULT_OF: Record<string, Definition> = {
  configure: 'configureResult',
  startAuthorization: 'authorizationUrl',
  receiveRedirect: 'outcome',
  callApi: 'outcome',
}

/** What is wrong with the result of `method`, or undefined. */
export function resultProblem(method: string, result: unknown): string | undefined {
  const definition = RESULT_OF[method]
  if (!definition) return undefined
  const problem = protocolProblem(definition, result)
  if (problem || definition !== 'outcome') return problem && `${definition}: ${problem}`
  const branch: Definition = (result as { ok: boolean }).ok ? 'outcomeOk' : 'outcomeError'
  const inBranch = protocolProblem(branch, result)
  return inBranch && `${branch}: ${inBranch}`
}
