import type { OAuthError } from './errors.js'
import type { Fault } from './faults.js'
import { firstHeaderValue, type Reply, type ReplyHeaders } from './reply.js'
import { RawHeaders } from './request.js'
import type { RouteContext } from './routes.js'
import type { Violation } from './violations.js'

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
  notes: ExchangeNotes
}

/**
 * What routes record about an exchange, for rules and for tests. Each is set
 * only where it applies (a token request has `grantType`, an API call
 * `tokenPlacement`); a provider may record others, hence the index signature.
 */
export interface ExchangeNotes {
  [key: string]: unknown
  /** Requirements the request broke (strict: refused for it; lenient: served anyway). */
  violations?: Violation[]
  /** The client the request authenticated as, or whose token it carried. */
  clientId?: string
  /** `client_secret_basic`, `client_secret_post`, `tls_client_auth`... */
  clientAuthMethod?: string
  /** The `grant_type` sent (as the provider spells it: GoCD's `authorization-code`). */
  grantType?: string | null
  /** Where the access token was: `header`, `query`, `body`, or `none`. */
  tokenPlacement?: string
  /** How the body was encoded: `form`, `json`, `query`... */
  bodyFormat?: string
  /** Why a token was refused (`expired token`, `unknown token`, a JWT check). */
  tokenRejected?: string
  /** The user's answer on the consent page (`approve`, `deny`), or null. */
  decision?: string | null
  codeIssued?: boolean
  consentSkipped?: boolean
  /** A code presented a second time (RFC 6749 §4.1.2): its tokens were revoked. */
  codeReplay?: boolean
  /** The fault injected (its action type). */
  fault?: string
  /** Why the request was refused before any route logic (`plain HTTP to an HTTPS-only origin`...). */
  refused?: string
  /** Which of the document's spellings of a path was used (GoCD: `/go/oauth/token` or `/oauth/token`). */
  pathForm?: string
  /** GoCD: `token`, `basic`, `none` or `unrecognized`. */
  authScheme?: string
  /** Cogo: the `kid` that signed the issued token. */
  kid?: string
  /** Cogo: how the issued token was broken (a `broken-token` fault). */
  brokenToken?: string
  /** Cloud 66: `form`, `json` or `xml` token response. */
  responseFormat?: string
  /** Keystone: the SHA-256 thumbprint of the client certificate the token is bound to (RFC 8705). */
  thumbprint?: string
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

/** Default bound of a journal's recorded size (bodies, URL and an allowance for headers), bytes. */
export const DEFAULT_JOURNAL_MAX_BYTES = 16 * 1024 * 1024

/** What an exchange is counted as besides its bodies and URL: its headers and the record itself. */
const EXCHANGE_OVERHEAD_BYTES = 1024

/** Strings longer than this are kept as they came: a long one is rarely repeated, and comparing it costs more. */
const SHARED_STRING_MAX_LENGTH = 512
/** Distinct strings a journal shares before it starts afresh. */
const SHARED_STRINGS_MAX = 1024

/** One page of the journal, as `GET /__oauth-dance/journal` answers it. */
export interface JournalPage {
  exchanges: Exchange[]
  /** Pass as `since` for the next page; absent when this page reached the newest exchange. */
  next?: number
}

/**
 * A bounded log of exchanges: at most `capacity` exchanges and about
 * `maxBytes` of recorded bodies; the oldest drop out past either.
 *
 * An exchange may be added as a function that builds it: the provider records
 * every request, but most are never read, so turning headers and bodies into
 * the recorded form waits until someone reads the journal (then happens once).
 */
export class Journal {
  /**
   * A ring, oldest at `#start`: it grows (doubling, up to `capacity`) while
   * the journal fills, then each new exchange takes the oldest one's slot. A
   * slot holding a {@link RecordedExchange} is overwritten in place, so a full
   * journal makes no new record per exchange (only the exchange's own
   * strings and headers are new): records that each lived through two
   * scavenges, copied by both, then marked in the old generation.
   */
  #ring: Array<JournalEntry | RecordedExchange | undefined> = []
  #start = 0
  #count = 0
  /** Exchanges kept at most: `capacity` as a count (none below 1; any number when it is not a number). */
  readonly #max: number
  #bytes = 0
  #seq = 0
  /** Strings recorded before, each as its first copy: see {@link share}. */
  #strings = new Map<string, string>()
  /** The last two strings {@link share} gave back. */
  #recent: string | undefined
  #beforeRecent: string | undefined
  /** The request headers last recorded, over shared strings: see {@link shareHeaders}. */
  #lastHeaders: RawHeaders | undefined
  /** The notes last recorded when all their values were primitives, and their names in order: see {@link shareNotes}. */
  #lastNotes: ExchangeNotes | undefined
  #lastNoteNames: string[] = []
  enabled: boolean
  readonly maxBytes: number

  constructor(
    readonly capacity = 2000,
    enabled = true,
    maxBytes = DEFAULT_JOURNAL_MAX_BYTES,
  ) {
    this.enabled = enabled
    this.maxBytes = maxBytes
    this.#max = Number.isNaN(capacity) ? Infinity : Math.max(0, Math.floor(capacity))
  }

  nextSeq(): number {
    return ++this.#seq
  }

  /** Exchanges held now. */
  get size(): number {
    return this.#count
  }

  /** Their recorded size as counted against `maxBytes`. */
  get bytes(): number {
    return this.#bytes
  }

  /**
   * Records an exchange; `bytes` is what it weighs (its bodies and URL), which
   * the caller knows before the exchange is built.
   */
  add(exchange: Exchange): void
  add(seq: number, build: () => Exchange, bytes?: number): void
  add(exchangeOrSeq: Exchange | number, build?: () => Exchange, bytes?: number): void {
    const entry =
      typeof exchangeOrSeq === 'number'
        ? { seq: exchangeOrSeq, bytes: (bytes ?? 0) + EXCHANGE_OVERHEAD_BYTES, exchange: build! }
        : { seq: exchangeOrSeq.seq, bytes: exchangeBytes(exchangeOrSeq), exchange: exchangeOrSeq }
    const at = this.#place()
    if (at === -1) return
    this.#ring[at] = entry
    this.#commit(entry)
  }

  /** @internal {@link recordExchange}'s form: the exchange's parts, written over the record in the slot it takes when there is one. */
  record(ctx: RouteContext, reply: Reply | null, startMs: number, error: OAuthError | undefined, fault: Fault | undefined): void {
    const at = this.#place()
    if (at === -1) {
      this.nextSeq()
      return
    }
    const slot = this.#ring[at]
    const recorded = slot instanceof RecordedExchange ? slot : (this.#ring[at] = new RecordedExchange())
    recorded.fill(this, ctx, reply, startMs, error, fault)
    this.#commit(recorded)
  }

  /** The slot the next exchange goes to: the oldest one's when full (it is dropped), a grown ring's next, or -1 when nothing is kept. */
  #place(): number {
    const ring = this.#ring
    if (this.#count < ring.length) return (this.#start + this.#count) % ring.length
    if (ring.length < this.#max) {
      // Grown in order, oldest first, with room for as many again.
      const grown = this.#start === 0 ? ring : ring.slice(this.#start).concat(ring.slice(0, this.#start))
      grown.length = Math.min(this.#max, Math.max(16, ring.length * 2))
      this.#ring = grown
      this.#start = 0
      return this.#count
    }
    if (this.#count === 0) return -1
    const at = this.#start
    this.#bytes -= ring[at]!.bytes
    this.#start = (at + 1) % ring.length
    this.#count--
    return at
  }

  /** Counts the entry just placed, then drops the oldest while the journal weighs more than `maxBytes` (one is always kept). */
  #commit(entry: JournalEntry | RecordedExchange): void {
    this.#count++
    this.#bytes += entry.bytes
    const ring = this.#ring
    while (this.#bytes > this.maxBytes && this.#count > 1) {
      this.#bytes -= ring[this.#start]!.bytes
      ring[this.#start] = undefined
      this.#start = (this.#start + 1) % ring.length
      this.#count--
    }
  }

  /** Exchanges recorded so far (at most `capacity`), oldest first; `since` keeps those with a larger `seq`. */
  entries(since = 0): Exchange[] {
    return this.page(since, Infinity, Infinity).exchanges
  }

  /**
   * Up to `limit` exchanges after `since`, oldest first, stopping early once
   * they weigh `maxBytes` (at least one is given): what one answer of the
   * control path serializes, so reading a full journal never blocks for long.
   */
  page(since = 0, limit = Infinity, maxBytes = Infinity): JournalPage {
    const exchanges: Exchange[] = []
    let bytes = 0
    const ring = this.#ring
    const start = this.#start
    const count = this.#count
    const slot = (i: number) => (start + i) % ring.length
    // Sequence numbers increase from the oldest: start at the first after `since` (binary search).
    let i = 0
    let hi = count
    while (i < hi) {
      const mid = (i + hi) >> 1
      if (ring[slot(mid)]!.seq <= since) i = mid + 1
      else hi = mid
    }
    for (; i < count; i++) {
      const entry = ring[slot(i)]!
      if (exchanges.length >= limit || (exchanges.length > 0 && bytes + entry.bytes > maxBytes)) {
        return { exchanges, next: exchanges.at(-1)!.seq }
      }
      if (entry instanceof RecordedExchange) exchanges.push(entry.exchange())
      else {
        if (typeof entry.exchange === 'function') entry.exchange = entry.exchange()
        exchanges.push(entry.exchange)
      }
      bytes += entry.bytes
    }
    return { exchanges }
  }

  /**
   * @internal An equal string, the first copy this journal recorded: a client
   * sends the same headers, URL and body again and again, and each copy of
   * Node's fresh strings kept would be copied by every scavenge while the
   * journal holds the exchange, then promoted.
   */
  readonly share = (s: string): string => {
    // The two strings shared last (an exchange's URL and body): compared as text, where the map would first hash the fresh copy.
    if (s === this.#recent) return this.#recent
    if (s === this.#beforeRecent) return this.#beforeRecent
    if (s.length > SHARED_STRING_MAX_LENGTH) return s
    const strings = this.#strings
    let known = strings.get(s)
    if (known === undefined) {
      if (strings.size >= SHARED_STRINGS_MAX) strings.clear()
      strings.set(s, s)
      known = s
    }
    this.#beforeRecent = this.#recent
    return (this.#recent = known)
  }

  /**
   * @internal `serve`'s request headers as the journal keeps them: the last
   * recorded ones when they are the same (one object for every exchange of a
   * client sending the same headers), else a copy over shared strings.
   */
  shareHeaders(headers: RawHeaders): RawHeaders {
    const last = this.#lastHeaders
    if (last !== undefined && headers.sameAs(last)) return last
    return (this.#lastHeaders = headers.withStrings(this.share, last))
  }

  /**
   * @internal An exchange's notes as the journal keeps them: the last ones
   * kept when they have the same names, in the same order, and the same
   * primitive values (a client repeating a request gets the same notes), so
   * the exchanges of such a client share one object. A recorded exchange
   * copies them when it is built, so no two exchanges read share notes.
   */
  shareNotes(notes: ExchangeNotes): ExchangeNotes {
    const last = this.#lastNotes
    const names = this.#lastNoteNames
    let same = last !== undefined
    let i = 0
    for (const name in notes) {
      const value = notes[name]
      // Notes holding an object are never shared, nor kept as the last.
      if (typeof value === 'object' ? value !== null : typeof value === 'function') return notes
      if (same && (names[i] !== name || last![name] !== value)) same = false
      i++
    }
    if (same && i === names.length) return last!
    this.#lastNoteNames = Object.keys(notes)
    return (this.#lastNotes = notes)
  }

  clear(): void {
    this.#strings.clear()
    this.#recent = this.#beforeRecent = undefined
    this.#lastHeaders = undefined
    this.#lastNotes = undefined
    this.#lastNoteNames = []
    this.#ring = []
    this.#start = 0
    this.#count = 0
    this.#bytes = 0
  }
}

function exchangeBytes(exchange: Exchange): number {
  return exchange.request.body.length + exchange.response.body.length + exchange.request.url.length + EXCHANGE_OVERHEAD_BYTES
}

/** An entry of {@link Journal.add}: an exchange, or a function that builds it when first read. */
interface JournalEntry {
  seq: number
  bytes: number
  exchange: Exchange | (() => Exchange)
}

/**
 * An exchange as {@link recordExchange} keeps it until the journal is read:
 * its parts in one object (rather than an entry, a closure and the closure's
 * context, which every scavenge copies while the journal holds them), turned
 * into an {@link Exchange} on first read. None of the parts change after the
 * answer. Not the request itself: a web `Request` holds its signal and body
 * stream, which the journal would keep alive for no use. The journal writes
 * a new exchange over the record of the one it drops ({@link fill}).
 */
class RecordedExchange {
  seq = 0
  provider = ''
  origin = ''
  route: string | null = null
  startMs = NaN
  method = ''
  url = ''
  headers: RouteContext['request']['headers'] | undefined = undefined
  bodyText = ''
  notes: ExchangeNotes | undefined = undefined
  /** The reply's parts rather than the `Reply`, which then dies young: a dropped connection has null headers. */
  status = 0
  replyHeaders: ReplyHeaders | null = null
  replyBody: string | Uint8Array | null = null
  /** The OAuth error answered and the fault injected, in one object made only for the exchanges that have either. */
  problem: { error: OAuthError | undefined; fault: Fault | undefined } | undefined = undefined
  #built: Exchange | undefined

  fill(journal: Journal, ctx: RouteContext, reply: Reply | null, startMs: number, error: OAuthError | undefined, fault: Fault | undefined): void {
    const { method, url, headers } = ctx.request
    this.seq = journal.nextSeq()
    this.provider = ctx.provider.id
    this.origin = ctx.origin
    this.route = ctx.route?.id ?? null
    this.startMs = startMs
    this.method = method
    this.url = journal.share(url)
    // `serve`'s headers are Node's fresh strings: kept as shared ones. A web `Request`'s `Headers` stays as it is.
    this.headers = headers instanceof RawHeaders ? journal.shareHeaders(headers) : headers
    this.bodyText = journal.share(ctx.bodyText)
    this.notes = journal.shareNotes(ctx.notes)
    this.status = reply ? reply.status : 0
    this.replyHeaders = reply ? reply.headers : null
    this.replyBody = reply ? reply.body : null
    this.problem = error === undefined && fault === undefined ? undefined : { error, fault }
    this.#built = undefined
  }

  /** What it weighs against the journal's `maxBytes`, from its parts (kept anyway) rather than a field of its own. */
  get bytes(): number {
    const body = this.replyBody
    return this.bodyText.length + this.url.length + (body === null ? 0 : typeof body === 'string' ? body.length : body.byteLength) + EXCHANGE_OVERHEAD_BYTES
  }

  exchange(): Exchange {
    if (this.#built) return this.#built
    const { seq, startMs, replyHeaders } = this
    const error = this.problem?.error
    const fault = this.problem?.fault
    const exchange: Exchange = {
      seq,
      provider: this.provider,
      origin: this.origin,
      route: this.route,
      at: new Date(startMs).toISOString(),
      atMs: startMs,
      request: { method: this.method, url: this.url, headers: headersToObject(this.headers!), body: this.bodyText },
      // A dropped connection (injected) is recorded with status 0, as a web `Response.error()` has it.
      response: replyHeaders
        ? {
            status: this.status,
            headers: replyHeadersToObject(replyHeaders),
            body: recordedBody(firstHeaderValue(replyHeaders, 'content-type'), this.replyBody),
          }
        : { status: 0, headers: {}, body: '' },
      // Its own copy: the journal may keep one notes object for several exchanges (see `shareNotes`).
      notes: { ...this.notes },
    }
    if (error) exchange.error = { error: error.error, description: error.description, detail: error.detail }
    if (fault) exchange.fault = fault.action.type
    return (this.#built = exchange)
  }
}

/**
 * Records one exchange of `ctx` in `journal` (`reply` null: a dropped
 * connection). The exchange is built when the journal is read: none of its
 * parts change after the answer.
 */
export function recordExchange(journal: Journal, ctx: RouteContext, reply: Reply | null, startMs: number, error?: OAuthError, fault?: Fault): void {
  journal.record(ctx, reply, startMs, error, fault)
}
