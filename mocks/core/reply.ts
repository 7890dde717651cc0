/**
 * A provider's answer as plain data: status, headers and a body already in
 * memory. Routes may return a web `Response` or a `Reply`; the runtime turns
 * either into a `Reply` once. `serve` writes a `Reply` straight to the socket
 * and msw gets one `Response` built from it, so the hot endpoints (tokens,
 * errors, API calls) never build an undici `Response` only to read its body
 * stream back (see docs/performance.md, "Hot paths").
 */
export type ReplyHeaders = Record<string, string | string[]>

export class Reply {
  /** Header names lower-cased, as `Headers` has them; `set-cookie` may hold several values. */
  readonly headers: ReplyHeaders
  /** The route's hint for a near miss (`notes.hint`), for `serve`'s request log; never sent. */
  hint?: string

  constructor(
    readonly status: number,
    headers: Record<string, string | string[] | undefined>,
    /** Text (sent as UTF-8) or bytes; null for no body. */
    readonly body: string | Uint8Array | null,
    /**
     * A text body's UTF-8 length, when its producer knows it: `serve` then need
     * not measure the text, which would flatten a body built by concatenation
     * into a copy of its parts (a token the store holds anyway).
     */
    readonly bodyBytes?: number,
  ) {
    if (Reply.#givenNormalized) {
      this.headers = headers as ReplyHeaders
      return
    }
    const normalized: ReplyHeaders = {}
    for (const name in headers) {
      const value = headers[name]
      if (value !== undefined) normalized[name.toLowerCase()] = checkedValue(name, value)
    }
    this.headers = normalized
  }

  /** Set while {@link normalized} constructs: the headers are then kept as given. */
  static #givenNormalized = false

  /**
   * A reply whose headers are already as the constructor leaves them (names
   * lower-case, no undefined value, no CR, LF or NUL in a value), kept as
   * given: for a hot answer whose headers its producer builds itself, without
   * a second object and a check per header.
   */
  static normalized(status: number, headers: ReplyHeaders, body: string | Uint8Array | null, bodyBytes?: number): Reply {
    Reply.#givenNormalized = true
    try {
      return new Reply(status, headers, body, bodyBytes)
    } finally {
      Reply.#givenNormalized = false
    }
  }

  /** A JSON body (`JSON.stringify(value)`), `application/json` unless the headers say otherwise. */
  static json(status: number, value: unknown, headers: Record<string, string | string[] | undefined> = {}): Reply {
    return new Reply(status, { 'content-type': 'application/json', ...headers }, JSON.stringify(value))
  }

  /** The first value of a header, or null. */
  header(name: string): string | null {
    return firstHeaderValue(this.headers, name.toLowerCase())
  }

  /** The same answer with some headers replaced (undefined removes one). */
  withHeaders(headers: Record<string, string | string[] | undefined>): Reply {
    // This reply's headers are normalized already: only the given ones are checked, as the constructor checks them.
    const merged: ReplyHeaders = { ...this.headers }
    for (const name in headers) {
      const value = headers[name]
      if (value === undefined) delete merged[name.toLowerCase()]
      else merged[name.toLowerCase()] = checkedValue(name, value)
    }
    return Reply.normalized(this.status, merged, this.body, this.bodyBytes)
  }

  /** The same answer with another body. */
  withBody(body: string | Uint8Array | null): Reply {
    return new Reply(this.status, this.headers, body)
  }

  /** The body as text (UTF-8). */
  text(): string {
    if (this.body === null) return ''
    return typeof this.body === 'string' ? this.body : utf8.decode(this.body)
  }

  /** The web `Response` msw hands to the client. */
  toResponse(): Response {
    const headers: Array<[string, string]> = []
    for (const name in this.headers) {
      const value = this.headers[name]
      if (Array.isArray(value)) for (const v of value) headers.push([name, v])
      else headers.push([name, value])
    }
    return new Response(this.body as BodyInit | null, { status: this.status, headers })
  }

  /** Reads a web `Response` (a route's, or an injected fault's) into a `Reply`. */
  static async from(response: Response): Promise<Reply> {
    const headers: ReplyHeaders = {}
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') headers[name] = value
    })
    const cookies = response.headers.getSetCookie()
    if (cookies.length) headers['set-cookie'] = cookies
    const body = response.body ? new Uint8Array(await response.arrayBuffer()) : null
    return new Reply(response.status, headers, body)
  }
}

const utf8 = new TextDecoder()
const FORBIDDEN_IN_VALUE = /[\r\n\0]/

/** `value`, unless it holds a CR, LF or NUL: as `Headers` refuses them, a value that could split the response (a CR or LF from a redirect target) never reaches a socket. */
function checkedValue(name: string, value: string | string[]): string | string[] {
  if (Array.isArray(value) ? value.some((v) => FORBIDDEN_IN_VALUE.test(v)) : FORBIDDEN_IN_VALUE.test(value))
    throw new TypeError(`Invalid value of header "${name}"`)
  return value
}

/** What a route or error renderer may answer with. */
export type RouteAnswer = Response | Reply

/** Whether a value is an answer (rather than, say, the signed-in user a page helper returns when there is no redirect to make). */
/** A header's first value in normalized (lower-case) headers, or null. */
export function firstHeaderValue(headers: ReplyHeaders, lowerCaseName: string): string | null {
  const value = headers[lowerCaseName]
  return value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value
}

export function isRouteAnswer(value: unknown): value is RouteAnswer {
  if (value instanceof Reply) return true
  // A promise is not an answer; ruled out before reading the global `Response`, whose first read loads undici, which `serve` otherwise never needs.
  if (typeof (value as { then?: unknown } | null)?.then === 'function') return false
  return value instanceof Response
}

/** Either kind of answer as a `Reply`. */
export function toReply(answer: RouteAnswer): Reply | Promise<Reply> {
  return answer instanceof Reply ? answer : Reply.from(answer)
}
