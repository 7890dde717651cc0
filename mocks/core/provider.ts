import type { HttpHandler } from 'msw'
import type { http as mswHttp } from 'msw/core/http'
import { Clock } from './clock.js'
import { HttpError, OAuthError, PayloadTooLarge, ServerError, renderTokenError } from './errors.js'
import { FaultRegistry, type Fault, type FaultSpec } from './faults.js'
import { Journal, headersToObject, recordedBody, replyHeadersToObject, type Exchange } from './journal.js'
import { Reply, isRouteAnswer, toReply, type RouteAnswer } from './reply.js'
import { pathnameOf, type ProviderRequest } from './request.js'
import { DEFAULT_BODY_LIMIT, Params, readBodyText, type RepeatedParameters } from './params.js'
import { Router, bodyAccessor, recordHint, reportViolation, type ReportViolation, type RouteContext, type RouteDefinition, type Strictness } from './routes.js'
import { devUtils } from './dev-utils.js'
import { registerRuntime } from './hints.js'
import { controlBodyRefusal, controlRefusal, normalizeHostname, type ControlAccess, type ControlRefusal } from './control-guard.js'
import { attachStoreClock, purgeStore } from '../store/indexed.js'
import { parseJsonBounded } from './json.js'
import { ProviderOptionsControl, type OptionsDefinition } from './options.js'
import { AccountsControl, answerControlRequest, seedDeclaredAccounts, type AccountsDefinition, type AuthorizeShortcut, type AuthorizeShortcutInput, type AuthorizeShortcutResult } from '../control/control-api.js'

/**
 * msw's `http` namespace, given by `mocks/msw.ts` when it is imported (the
 * package's entry points that hand out msw handlers import it: `oauth-dance`,
 * `oauth-dance/playwright`, `oauth-dance/conformance`). The provider modules
 * do not import msw themselves, so `serve` never loads it: evaluating msw
 * (its interceptors subclass `Request`, which loads undici) was about a
 * quarter of `serve`'s start-up.
 */
let mswHttpNamespace: typeof mswHttp | undefined

/** Called by `mocks/msw.ts`; see {@link ProviderRuntime.handlers}. */
export function useMswHttp(http: typeof mswHttp): void {
  mswHttpNamespace = http
}

/** The reserved path prefix of the control API on every origin; never a provider path. */
export const CONTROL_PREFIX = '/__oauth-dance/'

/** A seeded client, as `describe()` lists it. */
export interface DescribedClient {
  id: string
  secret: string
  redirectUris: string[]
  scopes: string[]
  name?: string
}

/** A seeded user, as `describe()` lists it. */
export interface DescribedUser {
  username: string
  password: string
}

/**
 * What `serve --json` and the control API say about a provider. Each provider
 * narrows it with its own fields (`CogoDescription`: `apiBaseUrl`, `issuer`...).
 */
export interface ProviderDescription {
  baseUrl: string
  [key: string]: unknown
  clients: DescribedClient[]
  users: DescribedUser[]
}

export interface ProviderOptions {
  /** Base URL of each origin (a string sets the `default` origin). Defaults to the documented production URLs. */
  baseUrl?: string | Record<string, string>
  /** Share a clock between providers, or start at a given time. */
  clock?: Clock
  /** Record exchanges (default true); `capacity` bounds how many are kept (default 2000), `maxBytes` their recorded size (default 16 MiB). */
  journal?: boolean | { capacity?: number; maxBytes?: number }
  /** Largest request body accepted, in bytes (default 64 KiB); larger ones get 413. */
  bodyLimit?: number
  /** `strict` (default): refuse what the real provider refuses; `lenient`: serve it and record `notes.violations`. */
  strictness?: Strictness
  /**
   * Who may use the control paths (see {@link ControlAccess}): `serve` gives
   * the hosts it answers to and the control token. In-process the default
   * checks `Origin`, `Sec-Fetch-Site` and the body's type, not `Host`.
   */
  control?: ControlAccess
  /** Clients to add after the fixtures, in the provider's own terms (see its `accounts`); kept by `reset()`. */
  clients?: ReadonlyArray<Record<string, unknown>>
  /** Users to add after the fixtures; kept by `reset()`. */
  users?: ReadonlyArray<Record<string, unknown>>
}

export interface ProviderDefinition<Store, Config, Description extends ProviderDescription = ProviderDescription, RouteId extends string = string> {
  id: string
  /** Production base URL of each origin, as the provider's document gives it. */
  origins: Record<string, string>
  /** msw URL patterns per origin when they are wider than the base URL (Cogo's any-env hosts). */
  mswPatterns?: Record<string, string[]>
  config: Config
  createStore(): Store
  seed(provider: ProviderRuntime<Store, Config, RouteId, Description>): Promise<void>
  routes: ReadonlyArray<RouteDefinition<any>>
  /** Default rendering of OAuth errors for routes without their own. */
  renderError?(error: OAuthError, ctx: RouteContext<any>): RouteAnswer
  notFound(ctx: RouteContext<any>): RouteAnswer
  methodNotAllowed?(ctx: RouteContext<any>, allowed: string[]): RouteAnswer
  describe(provider: ProviderRuntime<Store, Config, RouteId, Description>): Description
  /**
   * Provider-specific control actions, answered at `POST /__oauth-dance/<name>`
   * with the JSON body as argument (Cogo: `rotate-key`, `mint-token`). Throw a
   * `TypeError` for bad input; it is answered 400 with its message.
   */
  controls?: Record<string, (provider: ProviderRuntime<Store, Config, RouteId, Description>, body: any) => Promise<unknown> | unknown>
  /**
   * Whether this provider issued an access token (revoked or expired ones
   * too), so another provider can hint that a client sent it the wrong one.
   * Default: the store's `tokens` index by `token`.
   */
  issuedToken?(provider: ProviderRuntime<Store, Config, RouteId, Description>, value: string): boolean
  /** What the real service did with a repeated query or body parameter (default `refuse`; Rails-based ones: `last`). */
  repeatedParameters?: RepeatedParameters
  /** The provider's options schema and how options reach its config (`provider.options`, `/__oauth-dance/options`). */
  options?: OptionsDefinition<Config>
  /** Adding and removing clients and users in the provider's own terms (`provider.clients`, `/__oauth-dance/clients`). */
  accounts?: AccountsDefinition<ProviderRuntime<Store, Config, RouteId, Description>>
  /** The authorization endpoint's outcome without its pages (`provider.authorize`, `POST /__oauth-dance/authorize`). */
  authorize?: AuthorizeShortcut<ProviderRuntime<Store, Config, RouteId, Description>>
}

/**
 * One answer of `GET /__oauth-dance/journal` holds at most this many exchanges
 * and, past the first, about this many bytes of them (`next` gives the rest):
 * serializing a whole journal of large bodies blocked every provider for seconds.
 */
const JOURNAL_PAGE_LIMIT = 1000
const JOURNAL_PAGE_BYTES = 4 * 1024 * 1024

/** What the request body was, as an adapter that read it itself (`serve`) passes it. */
export type ReadBody = { text: string } | { tooLarge: true }

/**
 * One running provider: its store, clock, journal and faults, and the same
 * route table answered in-process (`handlers`, for msw) and over sockets
 * (`handle`, for `serve`). `RouteId` (the provider's route ids) types
 * `faults.add`; `Description` is what `describe()` returns.
 */
export class ProviderRuntime<Store = any, Config = any, RouteId extends string = string, Description extends ProviderDescription = ProviderDescription> {
  readonly id: string
  readonly config: Config
  readonly clock: Clock
  readonly journal: Journal
  readonly faults: FaultRegistry<RouteId>
  readonly bodyLimit: number
  /** Strict or lenient (see {@link Strictness}); switchable at any time, back to the option on `reset()`. */
  strictness: Strictness
  readonly #initialStrictness: Strictness
  /** Base URL per origin key. */
  readonly origins: Record<string, string>
  store!: Store
  #ready!: Promise<void>
  /** Set once the current seeding finished: requests then skip awaiting `#ready` (a microtask turn each). */
  #seeded = false
  readonly #definition: ProviderDefinition<Store, Config, Description, RouteId>
  readonly #router: Router
  /** Path of each origin's base URL, without a trailing slash ('' at the root). */
  readonly #basePaths: Record<string, string>
  readonly #controlAccess: ControlAccess
  /** Host names of this provider's own origins: an `Origin` naming one is not another site. */
  readonly #ownHosts: ReadonlySet<string>
  #handlers?: HttpHandler[]
  /** The provider's options: `get()`, `set({...})` (validated), back to the created ones on `reset()`. */
  readonly options: ProviderOptionsControl<Config>
  /** Clients: `list()`, `add({...})`, `remove(id)`; what `add` makes is gone after `reset()`. */
  readonly clients: AccountsControl
  /** Users: `list()`, `add({...})`, `remove(username)`; what `add` makes is gone after `reset()`. */
  readonly users: AccountsControl
  readonly #declared: { clients: ReadonlyArray<Record<string, unknown>>; users: ReadonlyArray<Record<string, unknown>> }

  constructor(definition: ProviderDefinition<Store, Config, Description, RouteId>, options: ProviderOptions = {}) {
    this.#definition = definition
    this.id = definition.id
    this.config = definition.config
    this.clock = options.clock ?? new Clock()
    const journal = options.journal ?? true
    this.journal = new Journal(typeof journal === 'object' ? (journal.capacity ?? 2000) : 2000, journal !== false, typeof journal === 'object' ? journal.maxBytes : undefined)
    this.bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
    this.strictness = this.#initialStrictness = options.strictness ?? 'strict'
    const given = typeof options.baseUrl === 'string' ? { default: options.baseUrl } : (options.baseUrl ?? {})
    this.origins = Object.fromEntries(
      Object.entries(definition.origins).map(([key, url]) => [key, stripTrailingSlash(given[key] ?? url)]),
    )
    this.#basePaths = Object.fromEntries(Object.entries(this.origins).map(([key, url]) => [key, new URL(url).pathname.replace(/\/$/, '')]))
    this.#router = new Router(definition.routes)
    this.faults = new FaultRegistry(definition.routes.map((route) => route.id))
    this.#controlAccess = options.control ?? {}
    this.#ownHosts = new Set(Object.values(this.origins).map((url) => normalizeHostname(new URL(url).host)))
    this.options = new ProviderOptionsControl(definition.id, definition.config, definition.options)
    this.clients = new AccountsControl(this, 'clients', definition.accounts)
    this.users = new AccountsControl(this, 'users', definition.accounts)
    this.#declared = { clients: options.clients ?? [], users: options.users ?? [] }
    this.#reseed()
    registerRuntime(this)
  }

  /** What the real service did with a repeated parameter: see {@link RepeatedParameters}. */
  get repeatedParameters(): RepeatedParameters {
    return this.#definition.repeatedParameters ?? 'refuse'
  }

  /** Whether this provider issued the access token `value` (see {@link ProviderDefinition.issuedToken}); for hints. */
  issuedToken(value: string): boolean {
    if (this.#definition.issuedToken) return this.#definition.issuedToken(this, value)
    const tokens = (this.store as { tokens?: { by?(key: string, value: string): unknown } }).tokens
    return typeof tokens?.by === 'function' && tokens.by('token', value) !== undefined
  }

  /** The `default` origin's base URL. */
  get baseUrl(): string {
    return this.origins.default ?? Object.values(this.origins)[0]
  }

  /** Resolves once the store is seeded; requests wait for it. */
  get ready(): Promise<void> {
    return this.#ready
  }

  #reseed(): void {
    this.store = this.#definition.createStore()
    // Indexed collections with an expiry policy sweep expired codes and tokens by this clock.
    attachStoreClock(this.store, () => this.clock.nowMs())
    this.#seeded = false
    const ready = (this.#ready = this.#definition.seed(this).then(() => seedDeclaredAccounts(this, this.#declared)))
    ready.then(() => {
      if (this.#ready === ready) this.#seeded = true
    }, () => {})
  }

  /** Fresh store seeded from the fixtures, empty journal, no faults, clock back to real time. */
  async reset(): Promise<void> {
    this.faults.clear()
    this.journal.clear()
    this.clock.reset()
    this.strictness = this.#initialStrictness
    this.options.reset()
    this.#reseed()
    await this.#ready
  }

  /**
   * Drops expired codes and tokens now (past their grace period). They are
   * also dropped as new ones are issued; this is for tests and long runs that
   * want the memory back at once. Returns how many records went.
   */
  purgeExpired(): number {
    return purgeStore(this.store, this.clock.nowMs())
  }

  describe(): Description {
    return this.#definition.describe(this)
  }

  /**
   * What the authorization endpoint would answer once the user logged in and
   * decided, without its pages: the redirect with its code, or with the error
   * (the same validation as the pages). Recorded in the journal as a shortcut.
   *
   * @example
   * const { code } = await cloud66.authorize({ user: 'demo', client: clientId, redirectUri: 'http://example.com/cb', scope: 'public', state: 'xyz' })
   */
  async authorize(input: AuthorizeShortcutInput): Promise<AuthorizeShortcutResult> {
    if (!this.#seeded) await this.#ready
    const shortcut = this.#definition.authorize
    if (!shortcut) throw new TypeError(`${this.id} has no authorization endpoint: its only grant is client credentials`)
    return shortcut(this, input)
  }

  /** The route table (read only), for tools that enumerate endpoints: docs, the hardening tests. */
  get routes(): ReadonlyArray<RouteDefinition<any>> {
    return this.#definition.routes
  }

  /**
   * msw request handlers: two per origin pattern (the origin and everything
   * under it), each calling {@link handle}, whose router picks the route and
   * answers 404/405 and the control paths in the provider's format. One
   * handler per route would answer the same, but msw tries handlers in order,
   * parsing the URL against each, which cost a provider with 90 routes more
   * than its own pipeline.
   *
   * @example
   * const carina = createCarina()
   * const server = setupServer(...carina.handlers)
   */
  get handlers(): HttpHandler[] {
    if (this.#handlers) return this.#handlers
    const http = mswHttpNamespace
    if (!http) throw new Error(`Failed to build the msw handlers of "${this.id}": msw is not loaded. Import the providers from "oauth-dance" (or import "oauth-dance/msw" once), which loads it.`)
    const handlers: HttpHandler[] = []
    const patternsOf = (origin: string) => this.#definition.mswPatterns?.[origin] ?? [this.origins[origin]]
    for (const origin of Object.keys(this.origins)) {
      for (const pattern of patternsOf(origin)) {
        handlers.push(http.all(mswMatcher(`${pattern}/*`), ({ request }) => this.handle(request, origin)))
        handlers.push(http.all(mswMatcher(pattern), ({ request }) => this.handle(request, origin)))
      }
    }
    this.#handlers = handlers
    return handlers
  }

  /**
   * Answers one request to one of this provider's origins. Never throws: every
   * failure becomes a response in the provider's own format.
   */
  async handle(request: Request, origin = 'default'): Promise<Response> {
    const reply = await this.answer(request, origin)
    return reply ? reply.toResponse() : Response.error()
  }

  /**
   * {@link handle} as plain data, for adapters that write bytes themselves
   * (`serve`): the request may be a {@link ProviderRequest} rather than a web
   * `Request`, with its body already read (`body`, bounded by the adapter);
   * null means an injected dropped connection. Never throws.
   */
  async answer(request: ProviderRequest, origin = 'default', body?: ReadBody): Promise<Reply | null> {
    if (!this.#seeded) await this.#ready
    const basePath = this.#basePaths[origin] ?? new URL(this.baseUrl).pathname.replace(/\/$/, '')
    let path = pathnameOf(request.url)
    if (path.startsWith(CONTROL_PREFIX) || path.startsWith(basePath + CONTROL_PREFIX)) {
      const reply = await this.#guardedControl(request, path, body)
      return request.method.toUpperCase() === 'HEAD' && reply.body !== null ? reply.withBody(null) : reply
    }
    if (basePath && !(path === basePath || path.startsWith(basePath + '/'))) path = '\u0000' // outside the mount: no route
    else path = path.slice(basePath.length) || '/'

    const method = request.method.toUpperCase()
    const match = this.#router.match(origin, method, path)
    const route = match.kind === 'route' ? match.route : null
    const startMs = this.clock.nowMs()
    const ctx = this.#context(request, origin, match.kind === 'route' ? match.params : {}, route)
    let error: OAuthError | undefined
    let fault: Fault | undefined
    let answer: RouteAnswer
    try {
      const text = this.#bodyText(request, method, body)
      ctx.bodyText = typeof text === 'string' ? text : await text
      if (match.kind === 'not-found') answer = this.#definition.notFound(ctx)
      else if (match.kind === 'method-not-allowed') {
        answer = this.#definition.methodNotAllowed?.(ctx, match.allowed) ?? this.#definition.notFound(ctx)
      } else {
        fault = this.faults.take(match.route.id)
        if (fault) answer = await this.#applyFault(fault, ctx)
        else {
          // Awaited only when a promise: a synchronous route's answer costs no microtask turn.
          const resolved = match.route.resolve(ctx)
          answer = isRouteAnswer(resolved) ? resolved : await resolved
        }
      }
    } catch (thrown) {
      if (thrown instanceof OAuthError) {
        error = thrown
        answer = this.renderError(thrown, ctx)
      } else if (thrown instanceof HttpError) {
        answer = thrown.response
      } else {
        devUtils.error(`Failed to answer ${method} ${path} on ${this.id}:`, thrown)
        error = new ServerError(undefined, String((thrown as Error)?.stack ?? thrown))
        answer = this.renderError(error, ctx)
      }
    }
    const dropped = !(answer instanceof Reply) && answer instanceof Response && answer.type === 'error'
    let reply = dropped ? null : answer instanceof Reply ? answer : await Reply.from(answer)
    if (reply && method === 'HEAD' && reply.body !== null) reply = reply.withBody(null)
    if (reply && typeof ctx.notes.hint === 'string') reply.hint = ctx.notes.hint
    if (this.journal.enabled) this.#record(ctx, reply, startMs, error, fault)
    return reply
  }

  /**
   * A request target as `serve` logs it: the query replaced by `?…` (it may
   * hold codes, tokens, secrets) and the path parameters that carry one (a
   * route's `:code`, `:token`, `:secret`: Carina's out-of-band page
   * `/oauth/authorize/<code>`) by `…`.
   */
  loggablePath(method: string, target: string, origin = 'default'): string {
    const q = target.indexOf('?')
    const path = q === -1 ? target : target.slice(0, q)
    const suffix = q === -1 ? '' : '?…'
    const basePath = this.#basePaths[origin] ?? ''
    if (path.startsWith(CONTROL_PREFIX) || !path.startsWith(basePath)) return path + suffix
    let match: ReturnType<Router['match']>
    try {
      match = this.#router.match(origin, method.toUpperCase(), path.slice(basePath.length) || '/')
    } catch {
      return path + suffix
    }
    if (match.kind !== 'route') return path + suffix
    const secrets = Object.entries(match.params).filter(([name]) => SECRET_PARAM.test(name)).map(([, value]) => value)
    if (secrets.length === 0) return path + suffix
    const redacted = path.split('/').map((segment) => {
      let decoded = segment
      try {
        decoded = decodeURIComponent(segment)
      } catch {}
      return secrets.includes(decoded) || secrets.includes(segment) ? '…' : segment
    })
    return redacted.join('/') + suffix
  }

  /**
   * The request body as text: '' for GET and HEAD, else as the adapter read it
   * (synchronously) or read here from the request's stream, bounded (413 past
   * the limit, thrown or rejected).
   */
  #bodyText(request: ProviderRequest, method: string, body: ReadBody | undefined): string | Promise<string> {
    if (!hasBody(method)) return ''
    if (body === undefined) return readBodyText(request, this.bodyLimit)
    if ('tooLarge' in body || Buffer.byteLength(body.text) > this.bodyLimit) throw new PayloadTooLarge(this.bodyLimit)
    return body.text
  }

  /** Renders an OAuth error in the format of the route that raised it. */
  renderError(error: OAuthError, ctx: RouteContext<any>): RouteAnswer {
    const render = ctx.route?.renderError ?? this.#definition.renderError ?? renderTokenError
    return render(error, ctx)
  }

  #context(request: ProviderRequest, origin: string, params: Record<string, string>, route: RouteDefinition<any> | null): RouteContext<any> {
    return new RequestContext(request, params, this, route as RouteDefinition<any>, origin, this.origins[origin] ?? this.baseUrl)
  }

  async #applyFault(fault: Fault, ctx: RouteContext<any>): Promise<RouteAnswer> {
    ctx.notes.fault = fault.action.type
    const action = fault.action
    switch (action.type) {
      case 'oauth-error': {
        const error = new OAuthError(action.status ?? statusOf(action.error), action.error, action.description ?? `Injected ${action.error}.`, 'injected fault')
        return this.renderError(error, ctx)
      }
      case 'response': {
        const body = action.body === undefined ? null : typeof action.body === 'string' ? action.body : JSON.stringify(action.body)
        const headers = { ...(typeof action.body === 'object' && action.body !== null ? { 'Content-Type': 'application/json' } : {}), ...action.headers }
        return new Response(body, { status: action.status, headers })
      }
      case 'retry-after': {
        const status = action.status ?? 503
        const error = new OAuthError(status, 'temporarily_unavailable', 'The server is temporarily unable to handle the request.', 'injected fault', {
          'Retry-After': String(action.seconds ?? 30),
        })
        return this.renderError(error, ctx)
      }
      case 'html-502':
        return new Response('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n', {
          status: 502,
          headers: { 'Content-Type': 'text/html' },
        })
      case 'drop':
        return Response.error()
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, action.ms))
        return ctx.route.resolve(ctx)
      case 'truncated-json': {
        const real = await this.#resolveOrRender(ctx)
        const text = real.text()
        return real.withHeaders({ 'content-length': undefined }).withBody(text.slice(0, Math.max(1, Math.floor(text.length / 2))))
      }
      case 'wrong-content-type': {
        const real = await this.#resolveOrRender(ctx)
        return real.withHeaders({ 'content-type': action.contentType ?? 'text/html; charset=utf-8' })
      }
      case 'success-with-error':
        return Response.json(
          { error: action.error ?? 'invalid_grant', error_description: 'Injected error in a 200 response.' },
          { status: 200, headers: { 'Cache-Control': 'no-store' } },
        )
      case 'broken-token':
        // @note the route mints the token, so the route carries the fault out (Cogo's token endpoint reads `ctx.fault`).
        ctx.fault = action
        return ctx.route.resolve(ctx)
    }
  }

  async #resolveOrRender(ctx: RouteContext<any>): Promise<Reply> {
    try {
      return await toReply(await ctx.route.resolve(ctx))
    } catch (thrown) {
      if (thrown instanceof OAuthError) return toReply(this.renderError(thrown, ctx))
      if (thrown instanceof HttpError) return toReply(thrown.response)
      throw thrown
    }
  }

  #record(ctx: RouteContext<any>, reply: Reply | null, startMs: number, error?: OAuthError, fault?: Fault): void {
    const seq = this.journal.nextSeq()
    // Built when the journal is read (none of these change after the answer); the closure keeps only
    // what the record needs, not the whole context, so less survives into the old generation.
    // Not the request itself: a web `Request` (in-process) holds its signal, body stream and more, which the
    // journal would keep alive (into the old generation) for no use; its method, URL and headers are all it records.
    const { method, url, headers } = ctx.request
    const { bodyText, notes, origin } = ctx
    const route = ctx.route?.id ?? null
    const replyBody = reply?.body
    const bytes = bodyText.length + url.length + (replyBody == null ? 0 : typeof replyBody === 'string' ? replyBody.length : replyBody.byteLength)
    this.journal.add(seq, () => {
      const exchange: Exchange = {
        seq,
        provider: this.id,
        origin,
        route,
        at: new Date(startMs).toISOString(),
        atMs: startMs,
        request: { method, url, headers: headersToObject(headers), body: bodyText },
        // A dropped connection (injected) is recorded with status 0, as a web `Response.error()` has it.
        response: reply ? { status: reply.status, headers: replyHeadersToObject(reply.headers), body: recordedBody(reply.header('content-type'), reply.body) } : { status: 0, headers: {}, body: '' },
        notes,
      }
      if (error) exchange.error = { error: error.error, description: error.description, detail: error.detail }
      if (fault) exchange.fault = fault.action.type
      return exchange
    }, bytes)
  }

  /**
   * Every control path goes through here, so paths added later are guarded
   * too: the request is checked (see {@link ControlAccess}) and its body read
   * before any control code runs; a refusal (403, or 415 for a body that is
   * not JSON) says why and changes nothing.
   */
  async #guardedControl(request: ProviderRequest, path: string, body: ReadBody | undefined): Promise<Reply> {
    const method = request.method.toUpperCase()
    const refuse = ({ status, error }: ControlRefusal) => Reply.json(status, { error }, { 'Cache-Control': 'no-store' })
    const refusal = controlRefusal(request, method, this.#controlAccess, this.#ownHosts)
    if (refusal) return refuse(refusal)
    if (hasBody(method) && (body === undefined || 'text' in body)) {
      try {
        const text = await this.#bodyText(request, method, body)
        const bodyRefusal = controlBodyRefusal(request, text)
        if (bodyRefusal) return refuse(bodyRefusal)
        body = { text }
      } catch {
        body = { tooLarge: true }
      }
    }
    return toReply(await this.#handleControl(request, new URL(request.url), path.slice(path.indexOf(CONTROL_PREFIX) + CONTROL_PREFIX.length), body))
  }

  async #handleControl(request: ProviderRequest, url: URL, path: string, body: ReadBody | undefined): Promise<RouteAnswer> {
    const method = request.method.toUpperCase()
    const json = (value: unknown, status = 200) => Reply.json(status, value, { 'Cache-Control': 'no-store' })
    const fail = (status: number, message: string) => json({ error: message }, status)
    const noContent = () => new Reply(204, {}, null)
    const readJson = async (): Promise<any> => {
      let text: string
      try {
        text = await this.#bodyText(request, method, body)
      } catch {
        throw new TypeError('the body is too large')
      }
      if (!text) return {}
      return parseJsonBounded(text)
    }
    try {
      switch (`${method} ${path.replace(/\/$/, '')}`) {
        case 'POST reset':
          await this.reset()
          return json({ reset: true, now: this.clock.now().toISOString() })
        case 'GET clock':
          return json({ now: this.clock.now().toISOString(), nowMs: this.clock.nowMs() })
        case 'POST clock': {
          const body = await readJson()
          // The clock checks the result before changing anything (RangeError: 400, the clock as it was).
          if (body.advance !== undefined) {
            if (typeof body.advance !== 'number' || !Number.isFinite(body.advance)) return fail(400, '"advance" must be a number of seconds')
            this.clock.advance(body.advance)
          } else if (body.set !== undefined) {
            const at = typeof body.set === 'string' || typeof body.set === 'number' ? new Date(body.set) : new Date(NaN)
            if (Number.isNaN(+at)) return fail(400, '"set" must be an ISO 8601 date')
            this.clock.set(at)
          } else return fail(400, 'give "advance" (seconds) or "set" (ISO 8601 date)')
          return json({ now: this.clock.now().toISOString(), nowMs: this.clock.nowMs() })
        }
        case 'GET faults':
          return json({ faults: this.faults.list() })
        case 'POST faults': {
          // JSON from outside: checked at run time (validateFaultSpec), not by the type of its route id.
          const fault = this.faults.add((await readJson()) as FaultSpec<RouteId>)
          return json(fault, 201)
        }
        case 'DELETE faults':
          this.faults.clear()
          return noContent()
        case 'GET journal': {
          const since = url.searchParams.get('since') ?? '0'
          const limit = url.searchParams.get('limit') ?? String(JOURNAL_PAGE_LIMIT)
          if (!/^\d{1,15}$/.test(since)) return fail(400, '"since" must be the seq of an exchange (a non-negative integer)')
          if (!/^\d{1,4}$/.test(limit) || +limit < 1 || +limit > JOURNAL_PAGE_LIMIT) return fail(400, `"limit" must be an integer from 1 to ${JOURNAL_PAGE_LIMIT}`)
          return json(this.journal.page(Number(since), Number(limit), JOURNAL_PAGE_BYTES))
        }
        case 'DELETE journal':
          this.journal.clear()
          return noContent()
        case 'GET provider':
          return json(this.describe())
        case 'GET strictness':
          return json({ mode: this.strictness })
        case 'POST strictness': {
          const body = await readJson()
          if (body.mode !== 'strict' && body.mode !== 'lenient') return fail(400, '"mode" must be "strict" or "lenient"')
          this.strictness = body.mode
          return json({ mode: this.strictness })
        }
      }
      const answer = await answerControlRequest(this, { method, path: path.replace(/\/$/, ''), url, headers: request.headers, readText: () => this.#bodyText(request, method, body) })
      if (answer) return answer
      const action = this.#definition.controls?.[path.replace(/\/$/, '')]
      if (action && method === 'POST' && Object.hasOwn(this.#definition.controls!, path.replace(/\/$/, ''))) {
        return json((await action(this, await readJson())) ?? {})
      }
      const faultId = /^faults\/([0-9a-f]+)$/.exec(path)
      if (faultId && method === 'DELETE') {
        return this.faults.remove(faultId[1]) ? noContent() : fail(404, `no fault with id "${faultId[1]}"`)
      }
      return fail(404, `unknown control path "${CONTROL_PREFIX}${path}" (see README: reset, clock, faults, journal, provider, strictness, options, clients, users, authorize, index.json${Object.keys(this.#definition.controls ?? {}).map((c) => `, ${c}`).join('')})`)
    } catch (thrown) {
      return fail(400, thrown instanceof SyntaxError ? 'the body is not valid JSON' : String((thrown as Error).message ?? thrown))
    }
  }
}

/**
 * A route's context, one per request. A class rather than an object literal
 * with closures and accessors: the token endpoints build one per request, and
 * the literal's three closures and getter/setter pair cost more to create than
 * the prototype's methods. The query and the body are parsed on first use:
 * most routes (tokens, APIs) never read the query, nor the URL past its path.
 */
class RequestContext implements RouteContext<any> {
  bodyText = ''
  notes: Record<string, unknown> = {}
  fault?: RouteContext<any>['fault']
  #url: URL | undefined
  #query: Params | undefined
  #body: ReturnType<typeof bodyAccessor> | undefined
  #violation: ReportViolation | undefined

  constructor(
    readonly request: ProviderRequest,
    readonly params: Record<string, string>,
    readonly provider: ProviderRuntime,
    readonly route: RouteDefinition<any>,
    readonly origin: string,
    readonly baseUrl: string,
  ) {}

  /** Parsed on first use: the router needs only the path ({@link pathnameOf}), and token and API routes nothing more. */
  get url(): URL {
    return (this.#url ??= new URL(this.request.url))
  }

  get query(): Params {
    return (this.#query ??= Params.fromSearch(this.url.searchParams, this.violation, this.provider.repeatedParameters))
  }

  set query(value: Params) {
    this.#query = value
  }

  /** Bound once, as resolvers pass it on (`violation: ctx.violation`). */
  get violation(): ReportViolation {
    return (this.#violation ??= (requirement, message, strictError, options) => reportViolation(this, requirement, message, strictError, options))
  }

  hint(text: string): void {
    recordHint(this.notes, text)
  }

  body(options?: Parameters<RouteContext['body']>[0]): Params {
    this.#body ??= bodyAccessor(this.request, this.bodyText, this.violation, this.provider.repeatedParameters)
    return this.#body(options)
  }

  link(path: string): string {
    return this.baseUrl + path
  }
}

/** Path parameters whose values are credentials, never logged. */
const SECRET_PARAM = /code|token|secret/i

function hasBody(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD'
}

/**
 * An msw URL pattern (`*` wildcards, `:name` segments) as a RegExp without
 * capture groups. msw decodes every parameter of a string pattern with
 * `decodeURIComponent` and answers 500 for a path holding a malformed escape
 * (`/%E0%A4%A`), even on the catch-all; with no groups nothing is decoded, and
 * the provider's own router answers such paths in the provider's format.
 */
function mswMatcher(pattern: string): RegExp {
  const source = pattern.replace(/\*|:[A-Za-z_][A-Za-z0-9_]*|[.+?^${}()|[\]\\/]/g, (m) => (m === '*' ? '.*' : m.startsWith(':') ? '[^/]+' : `\\${m}`))
  // Case-insensitive and with an optional trailing slash, as msw's string patterns matched.
  return new RegExp(`^${source}/?$`, 'i')
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '')
}

const STATUS_OF: Record<string, number> = { invalid_client: 401, invalid_token: 401, insufficient_scope: 403, access_denied: 403, server_error: 500, temporarily_unavailable: 503 }
function statusOf(error: string): number {
  return STATUS_OF[error] ?? 400
}

export type { FaultSpec }
