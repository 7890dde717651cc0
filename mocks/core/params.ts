import { InvalidRequest, PayloadTooLarge } from './errors.js'
import type { ReportViolation } from './violations.js'
import type { ProviderRequest } from './request.js'
import { parseJsonBounded } from './json.js'

/** Default request body limit; large enough for any OAuth request, small enough to refuse abuse. */
export const DEFAULT_BODY_LIMIT = 64 * 1024

/**
 * Reads a request body as text, refusing more than `limit` bytes without
 * buffering the excess.
 */
export async function readBodyText(request: Pick<ProviderRequest, 'headers' | 'body'>, limit = DEFAULT_BODY_LIMIT): Promise<string> {
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLarge(limit)
  if (!request.body) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      // Not awaited: cancelling one branch of a tee'd body (msw clones requests)
      // settles only once the other branch is cancelled too, which hung the 413.
      reader.cancel().catch(() => {})
      throw new PayloadTooLarge(limit)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return new TextDecoder().decode(chunks[0])
  return new TextDecoder().decode(Buffer.concat(chunks))
}

export type ParamSource = 'query' | 'form' | 'json' | 'none'

/**
 * What the real provider did with a repeated parameter: `refuse` (RFC 6749
 * §3.1, §3.2), or `last`, as Rails' parameter parsing took the last value
 * (Doorkeeper, GoCD): then strict mode serves it too, with the last value, and
 * records the violation for the rules.
 */
export type RepeatedParameters = 'refuse' | 'last'

/**
 * Request parameters from a query string, a form body or a JSON object body.
 *
 * `get` refuses a repeated parameter, as RFC 6749 §3.1 and §3.2 require
 * ("Request and response parameters MUST NOT be included more than once");
 * given a `violation` reporter (a route context's), a lenient provider
 * records it instead and reads the first value.
 */
export class Params {
  readonly #entries: Array<[string, string]>
  readonly #violation?: ReportViolation
  readonly #repeated: RepeatedParameters
  constructor(
    entries: Iterable<[string, string]>,
    readonly source: ParamSource,
    violation?: ReportViolation,
    repeated: RepeatedParameters = 'refuse',
  ) {
    this.#entries = [...entries]
    this.#violation = violation
    this.#repeated = repeated
  }

  static empty(): Params {
    return new Params([], 'none')
  }

  static fromSearch(search: URLSearchParams | string, violation?: ReportViolation, repeated?: RepeatedParameters): Params {
    const params = typeof search === 'string' ? new URLSearchParams(search) : search
    return new Params(params, 'query', violation, repeated)
  }

  /** The single value of `name`; undefined when absent; invalid_request when repeated (lenient: the first value). */
  get(name: string): string | undefined {
    let found: string | undefined
    let last: string | undefined
    let count = 0
    for (const [key, value] of this.#entries) {
      if (key === name) {
        if (count === 0) found = value
        last = value
        count++
      }
    }
    if (count > 1) {
      const error = new InvalidRequest(`The "${name}" parameter was included more than once.`, `duplicate ${name}`)
      if (!this.#violation) throw error
      // @see RFC 6749 §3.1 (query of the authorization endpoint) and §3.2 (token request body): "MUST NOT be included more than once".
      const servedByRealProvider = this.#repeated === 'last'
      this.#violation(
        this.source === 'query' ? 'RFC6749-3.1' : 'RFC6749-3.2',
        `"${name}" was sent ${count} times in the ${this.source === 'query' ? 'query' : 'body'}`,
        error,
        { servedByRealProvider },
      )
      if (servedByRealProvider) return last
    }
    return found
  }

  /** Like `get`, but an empty value counts as absent (RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted"). */
  value(name: string): string | undefined {
    const v = this.get(name)
    return v === '' ? undefined : v
  }

  /** `value`, or invalid_request naming the missing parameter. */
  require(name: string, describe?: string): string {
    const v = this.value(name)
    if (v === undefined) throw new InvalidRequest(describe ?? `The "${name}" parameter is missing.`, `missing ${name}`)
    return v
  }

  has(name: string): boolean {
    return this.#entries.some(([key]) => key === name)
  }
}

/** The media type of a request, lower-cased, without parameters. */
export function mediaType(request: Pick<ProviderRequest, 'headers'>): string {
  const value = request.headers.get('content-type') ?? ''
  const semicolon = value.indexOf(';')
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase()
}

export interface BodyOptions {
  /** Media types accepted; others are invalid_request. */
  accept?: ReadonlyArray<'form' | 'json'>
  limit?: number
}

/**
 * Parses a request body into {@link Params}: `application/x-www-form-urlencoded`
 * (RFC 6749 §3.2) and, where a provider takes it, a JSON object of strings.
 * The body text was read once, bounded, by the dispatcher.
 *
 * A body of another media type is invalid_request; given a `violation`
 * reporter, a lenient provider records it and reads the body as JSON when it
 * is a JSON object the route accepts, else as a form.
 */
export function parseBodyParams(
  request: Pick<ProviderRequest, 'headers'>,
  text: string,
  options: Omit<BodyOptions, 'limit'> = {},
  violation?: ReportViolation,
  repeated?: RepeatedParameters,
): Params {
  const accept = options.accept ?? ['form']
  const type = mediaType(request)
  if (type === 'application/x-www-form-urlencoded' && accept.includes('form')) {
    return new Params(new URLSearchParams(text), 'form', violation, repeated)
  }
  if ((type === 'application/json' || type.endsWith('+json')) && accept.includes('json')) {
    return parseJsonParams(text, violation)
  }
  if (text === '' && type === '') return new Params([], 'none', violation)
  const wanted = accept.map((a) => (a === 'form' ? 'application/x-www-form-urlencoded' : 'application/json')).join(' or ')
  const error = new InvalidRequest(`The request body must be ${wanted}${type ? `, not ${type}` : ''}.`, `content-type ${type || '(none)'}`)
  if (!violation) throw error
  // @see RFC 6749 Appendix B: token requests are sent "using the application/x-www-form-urlencoded format" (§4.1.3, §4.4.2, §6).
  violation('RFC6749A-B', `the body was sent as ${type || '(no Content-Type)'}, not ${wanted}`, error)
  if (accept.includes('json') && /^\s*\{/.test(text)) {
    try {
      return parseJsonParams(text, violation)
    } catch {
      // Not a JSON object after all: read it as a form.
    }
  }
  return new Params(new URLSearchParams(text), 'form', violation, repeated)
}

function parseJsonParams(text: string, violation?: ReportViolation): Params {
  let parsed: unknown
  try {
    parsed = parseJsonBounded(text)
  } catch {
    throw new InvalidRequest('The request body is not valid JSON.', 'malformed JSON')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidRequest('The request body must be a JSON object.', 'JSON body not an object')
  }
  const entries: Array<[string, string]> = []
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') entries.push([key, value])
    else if (typeof value === 'number' || typeof value === 'boolean') entries.push([key, String(value)])
    else if (value !== null) throw new InvalidRequest(`The "${key}" parameter must be a string.`, `JSON ${key} is ${typeof value}`)
  }
  return new Params(entries, 'json', violation)
}
