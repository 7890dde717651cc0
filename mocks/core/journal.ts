/**
 * The recorded exchanges between clients and a provider. The conformance rules
 * judge these; users can assert on them directly in their own tests.
 */
export interface RecordedRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string
}

export interface RecordedResponse {
  status: number
  headers: Record<string, string>
  /** Text bodies as text; binary ones as `<binary N bytes>`. */
  body: string
}

export interface Exchange {
  /** Increasing number within the provider, from 1. */
  seq: number
  provider: string
  origin: string
  /** The route that answered, or null for 404/405. */
  route: string | null
  /** Mock-clock time the request arrived (ISO 8601). */
  at: string
  atMs: number
  request: RecordedRequest
  response: RecordedResponse
  /** The OAuth error the provider answered with, if any (including its undisclosed detail). */
  error?: { error: string; description: string; detail?: string }
  /** The fault injected instead of (or around) the real answer, if any. */
  fault?: string
  /** Facts the route recorded: `clientAuthMethod`, `tokenPlacement`, `grantType`... */
  notes: Record<string, unknown>
}

const TEXTUAL = /^(text\/|application\/(json|xml|x-www-form-urlencoded|[a-z.+-]*\+(json|xml))|image\/svg)/i

export function headersToObject(headers: { forEach(callback: (value: string, name: string) => void): void }): Record<string, string> {
  const out: Record<string, string> = {}
  headers.forEach((value, key) => (out[key] = value))
  return out
}

const utf8 = new TextDecoder()

/** A reply's headers as `Headers` would list them: in name order, repeated values joined with ", ". */
export function replyHeadersToObject(headers: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of Object.keys(headers).sort()) {
    const value = headers[name]
    out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

/** How a body already read is recorded: text as text, anything else as `<binary N bytes>`. */
export function recordedBody(contentType: string | null, body: Uint8Array | string | null): string {
  if (body === null) return ''
  const type = contentType ?? ''
  const textual = TEXTUAL.test(type) || type === ''
  if (typeof body === 'string') return textual ? body : `<binary ${Buffer.byteLength(body)} bytes>`
  return textual ? utf8.decode(body) : `<binary ${body.byteLength} bytes>`
}

export async function recordResponseBody(response: Response): Promise<string> {
  if (!response.body) return ''
  const type = response.headers.get('content-type') ?? ''
  const clone = response.clone()
  if (TEXTUAL.test(type) || type === '') return clone.text()
  const bytes = await clone.arrayBuffer()
  return `<binary ${bytes.byteLength} bytes>`
}

/** A bounded log of exchanges; the oldest drop out past `capacity`. */
export class Journal {
  #entries: Exchange[] = []
  #seq = 0
  enabled: boolean

  constructor(
    readonly capacity = 2000,
    enabled = true,
  ) {
    this.enabled = enabled
  }

  nextSeq(): number {
    return ++this.#seq
  }

  add(exchange: Exchange): void {
    this.#entries.push(exchange)
    if (this.#entries.length > this.capacity) this.#entries.splice(0, this.#entries.length - this.capacity)
  }

  /** Exchanges recorded so far, oldest first; `since` keeps those with a larger `seq`. */
  entries(since = 0): Exchange[] {
    return since ? this.#entries.filter((e) => e.seq > since) : [...this.#entries]
  }

  clear(): void {
    this.#entries = []
  }
}
