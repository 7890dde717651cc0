/**
 * The part of a request a provider reads: method, URL and headers. A web
 * `Request` (msw) is one; `serve` passes a {@link NodeRequest} built from
 * Node's parsed request instead, so no undici `Request` (its `Headers`,
 * `AbortSignal` and body stream) is built per request (docs/performance.md,
 * "Hot paths"). The body arrives separately, already read and bounded.
 */
export interface RequestHeaders {
  get(name: string): string | null
  has(name: string): boolean
  forEach(callback: (value: string, name: string) => void): void
}

export interface ProviderRequest {
  readonly method: string
  readonly url: string
  readonly headers: RequestHeaders
  /** A web `Request`'s body stream; absent when the adapter read the body itself. */
  readonly body?: ReadableStream<Uint8Array> | null
  /** Aborted once the client has gone (it gave up, or its connection closed): a held answer is then released. */
  readonly signal?: AbortSignal
}

/** What `serve` watches to know a client has gone: the response's `close` before it finished. */
interface ResponseLifecycle {
  readonly writableFinished: boolean
  /** Already closed: a `close` listener added now would never be called. */
  readonly destroyed: boolean
  once(event: 'close', listener: () => void): unknown
}

/**
 * Headers as Fetch's `Headers` reads them, from Node's `rawHeaders`: names
 * case-insensitive, a repeated header's values joined with ", ", iteration in
 * name order. Read in place: a request has a handful of headers and a route
 * reads a few, so a scan of Node's own array costs less than building a map
 * per request, which the journal would then keep alive with the request.
 */
export class RawHeaders implements RequestHeaders {
  readonly #raw: readonly string[]
  readonly #skip: string | undefined
  /** Values given by {@link set}, by lower-case name; they replace the raw ones. */
  #set: Map<string, string> | undefined

  /** `skip`: a lower-case name dropped as it is read (a header only the listener itself may set). */
  constructor(raw: readonly string[], skip?: string) {
    this.#raw = raw
    this.#skip = skip
  }

  get(name: string): string | null {
    const lower = name.toLowerCase()
    const set = this.#set?.get(lower)
    if (set !== undefined) return set
    if (lower === this.#skip) return null
    const raw = this.#raw
    let value: string | null = null
    for (let i = 0; i < raw.length; i += 2) {
      const rawName = raw[i]
      if (rawName.length === lower.length && (rawName === lower || rawName.toLowerCase() === lower))
        value = value === null ? raw[i + 1] : `${value}, ${raw[i + 1]}`
    }
    return value
  }

  has(name: string): boolean {
    return this.get(name) !== null
  }

  set(name: string, value: string): void {
    ;(this.#set ??= new Map()).set(name.toLowerCase(), value)
  }

  /**
   * The same headers over `keep(s)` for each raw string, an equal string: the
   * journal keeps its own shared copies, so the request's strings die young.
   * `like`: headers whose string at the same place, when equal, is taken as it
   * is (a client's next request differs from its last in a value or two: an
   * `Authorization` taking clients in turn), without asking `keep`.
   */
  withStrings(keep: (s: string) => string, like?: RawHeaders): RawHeaders {
    const raw = this.#raw
    const likeRaw = like === undefined ? undefined : like.#raw
    const strings = new Array<string>(raw.length)
    for (let i = 0; i < raw.length; i++) {
      const s = raw[i]
      const same = likeRaw?.[i]
      strings[i] = same === s ? same : keep(s)
    }
    const copy = new RawHeaders(strings, this.#skip)
    copy.#set = this.#set
    return copy
  }

  /**
   * Whether `other` holds the same headers as these, read the same way (equal
   * raw strings in the same order, the same skipped name, no set values on
   * either): a client sends the same headers again and again, and the journal
   * then keeps one copy for them all.
   */
  sameAs(other: RawHeaders): boolean {
    if (this.#set !== undefined || other.#set !== undefined || this.#skip !== other.#skip) return false
    const raw = this.#raw
    const otherRaw = other.#raw
    if (raw.length !== otherRaw.length) return false
    for (let i = 0; i < raw.length; i++) if (raw[i] !== otherRaw[i]) return false
    return true
  }

  forEach(callback: (value: string, name: string) => void): void {
    const values = new Map<string, string>()
    const raw = this.#raw
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toLowerCase()
      if (name === this.#skip) continue
      const previous = values.get(name)
      values.set(name, previous === undefined ? raw[i + 1] : `${previous}, ${raw[i + 1]}`)
    }
    if (this.#set) for (const [name, value] of this.#set) values.set(name, value)
    for (const name of [...values.keys()].sort()) callback(values.get(name)!, name)
  }
}

/** A request read by `serve` from a Node socket. */
export class NodeRequest implements ProviderRequest {
  #signal?: AbortSignal
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: RawHeaders,
    private readonly response?: ResponseLifecycle,
  ) {}

  /** Made on first use (only a held answer asks), so the usual request pays nothing for it. */
  get signal(): AbortSignal | undefined {
    if (this.#signal || !this.response) return this.#signal
    const controller = new AbortController()
    const response = this.response
    // A client that left while the route was still working (an answer held after an awaited signature) has gone already.
    if (response.destroyed && !response.writableFinished) controller.abort()
    else
      response.once('close', () => {
        if (!response.writableFinished) controller.abort()
      })
    return (this.#signal = controller.signal)
  }
}

/**
 * Characters a WHATWG URL keeps as they are in an http(s) path: where a path
 * holds nothing else and no dot segment (`/./`, `/../`, or their `%2e`
 * spellings, which the parser resolves), the parser's `pathname` is the path
 * as written.
 */
const VERBATIM_PATH = /^\/[A-Za-z0-9\-_~!$&'()*+,;=:@/%]*$/
const DOT_SEGMENT = /(^|\/)(\.|%2e)/i
/** A host (name, IPv4 or bracketed IPv6) and port, with no user info or stray delimiters. */
const PLAIN_AUTHORITY = /^[A-Za-z0-9.-]+(:[0-9]+)?$|^\[[0-9A-Fa-f:.]+\](:[0-9]+)?$/

/**
 * The `pathname` of an absolute http(s) URL, as `new URL(url).pathname` gives
 * it, without building a URL for the usual path; anything unusual goes
 * through the parser.
 */
export function pathnameOf(url: string): string {
  // The same URL as last time (a client repeats its requests): compared as text, where the checks below cost three regexes.
  if (url === lastUrl) return lastPathname
  const pathname = parsePathname(url)
  lastUrl = url
  return (lastPathname = pathname)
}
let lastUrl: string | undefined
let lastPathname = ''

function parsePathname(url: string): string {
  const scheme = url.startsWith('https://') ? 5 : url.startsWith('http://') ? 4 : -1
  const slash = scheme === -1 ? -1 : url.indexOf('/', scheme + 3)
  if (slash !== -1) {
    let end = url.length
    const query = url.indexOf('?', slash)
    if (query !== -1) end = query
    const hash = url.indexOf('#', slash)
    if (hash !== -1 && hash < end) end = hash
    const path = url.slice(slash, end)
    const authority = url.slice(scheme + 3, slash)
    if (VERBATIM_PATH.test(path) && !DOT_SEGMENT.test(path) && PLAIN_AUTHORITY.test(authority)) return path
  }
  return new URL(url).pathname
}

/** What the request body was, as an adapter that read it itself (`serve`) passes it. */
export type ReadBody = { text: string } | { tooLarge: true }

/** Whether a request with this (upper-case) method is read for a body. */
export function hasBody(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD'
}
