import { Clock } from './clock.js'
import { HttpError, OAuthError, ServerError, renderTokenError } from './errors.js'
import { FaultRegistry, applyFault, type Fault, type FaultSpec } from './faults.js'
import { Journal, recordExchange } from './journal.js'
import { Reply, type RouteAnswer } from './reply.js'
import { requestBodyText } from './body.js'
import { pathnameOf, type ProviderRequest, type ReadBody } from './request.js'
import { DEFAULT_BODY_LIMIT, Params, type RepeatedParameters } from './params.js'
import { Router, bodyAccessor, recordHint, reportViolation, type ReportViolation, type RouteContext, type RouteDefinition, type Strictness } from './routes.js'
import { devUtils } from './dev-utils.js'
import { registerRuntime } from './hints.js'
import { CONTROL_PREFIX, type ControlAccess } from './control-guard.js'
import { attachStoreClock, purgeStore } from '../store/indexed.js'
import { ProviderOptionsControl, type OptionsDefinition } from './options.js'
import {
  AccountsControl,
  seedDeclaredAccounts,
  type AccountsDefinition,
  type AuthorizeShortcut,
  type AuthorizeShortcutInput,
  type AuthorizeShortcutResult,
} from './accounts.js'

export { CONTROL_PREFIX }
export type { ReadBody }

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

/**
 * A control action's JSON body as sent: each action checks the fields it reads
 * and throws a `TypeError` naming a bad one (answered 400), so no shape is
 * promised here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ControlBody = any

/** A provider's own control actions (`ProviderDefinition.controls`): `POST /__oauth-dance/<name>` with the JSON body. */
export type ProviderControls<P> = Record<string, (provider: P, body: ControlBody) => Promise<unknown> | unknown>

/**
 * The control actions of some provider, as the control paths hold them: each
 * action takes its own provider's runtime type, so only `any` (not the base
 * runtime type, a parameter type being contravariant) accepts every provider's.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProviderControls = ProviderControls<any>

/** What answers a runtime's control paths (`/__oauth-dance/...`): `ControlPaths` of `mocks/control/`. */
export interface ControlAnswerer {
  /** `path`: the request's whole path (the prefix after the origin's base path, if any); `body` as {@link ProviderRuntime.answer} takes it. */
  answer(request: ProviderRequest, path: string, body: ReadBody | undefined): Promise<Reply>
}

/** Builds a runtime's {@link ControlAnswerer} from what only the runtime holds: who may use the paths and the provider's own actions. */
export type ControlAnswererFactory = (provider: ProviderRuntime, access: ControlAccess, controls: AnyProviderControls) => ControlAnswerer

export interface ProviderDefinition<Store, Config, Description extends ProviderDescription = ProviderDescription, RouteId extends string = string> {
  id: string
  /** Production base URL of each origin, as the provider's document gives it. */
  origins: Record<string, string>
  /** URL patterns (`*` wildcards, `:name` segments) per origin when they are wider than the base URL (Cogo's any-env hosts); in-process adapters intercept these. */
  mswPatterns?: Record<string, string[]>
  config: Config
  createStore(): Store
  seed(provider: ProviderRuntime<Store, Config, RouteId, Description>): Promise<void>
  /** The route table; each id one of `RouteId` (the provider's `as const` list). */
  routes: ReadonlyArray<RouteDefinition<ProviderRuntime, RouteId>>
  /** Default rendering of OAuth errors for routes without their own. */
  renderError?(error: OAuthError, ctx: RouteContext): RouteAnswer
  notFound(ctx: RouteContext): RouteAnswer
  methodNotAllowed?(ctx: RouteContext, allowed: string[]): RouteAnswer
  describe(provider: ProviderRuntime<Store, Config, RouteId, Description>): Description
  /**
   * Provider-specific control actions, answered at `POST /__oauth-dance/<name>`
   * with the JSON body as argument (Cogo: `rotate-key`, `mint-token`). Throw a
   * `TypeError` for bad input; it is answered 400 with its message.
   */
  controls?: ProviderControls<ProviderRuntime<Store, Config, RouteId, Description>>
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
 * One running provider: its store, clock, journal and faults, and the
 * dispatch of a request to its route or to its control paths, the same for
 * every transport: `handle` (web `Request`s: msw, Playwright routing) and
 * `answer` (`serve`). `RouteId` (the provider's route ids) types
 * `faults.add`; `Description` is what `describe()` returns.
 */
// The defaults stand for a runtime of any provider (the registry, serve, the control paths hold all six): a store and
// config type used both in and out of its methods, which no narrower type than `any` accepts for every provider.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
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
  /** The last request's pathname and origin outside the control paths, and the path routed for them (below the base path). */
  #lastRouted: { pathname: string | undefined; origin: string | undefined; path: string } = { pathname: undefined, origin: undefined, path: '' }
  /** Set by {@link attachControl}; until then the control paths answer 404 saying how to get them. */
  #control: ControlAnswerer | undefined
  readonly #controlAccess: ControlAccess
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
    this.journal = new Journal(
      typeof journal === 'object' ? (journal.capacity ?? 2000) : 2000,
      journal !== false,
      typeof journal === 'object' ? journal.maxBytes : undefined,
    )
    this.bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
    this.strictness = this.#initialStrictness = options.strictness ?? 'strict'
    const given = typeof options.baseUrl === 'string' ? { default: options.baseUrl } : (options.baseUrl ?? {})
    this.origins = Object.fromEntries(Object.entries(definition.origins).map(([key, url]) => [key, stripTrailingSlash(given[key] ?? url)]))
    this.#basePaths = Object.fromEntries(Object.entries(this.origins).map(([key, url]) => [key, new URL(url).pathname.replace(/\/$/, '')]))
    this.#router = new Router(definition.routes)
    // Each id once: a route served at several paths (GoCD's `/go/oauth/token` and `/oauth/token`) is listed once.
    this.faults = new FaultRegistry([...new Set(definition.routes.map((route) => route.id))])
    this.#controlAccess = options.control ?? {}
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
    ready.then(
      () => {
        if (this.#ready === ready) this.#seeded = true
      },
      () => {},
    )
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
  get routes(): ReadonlyArray<RouteDefinition> {
    return this.#definition.routes
  }

  /**
   * Gives the runtime its control paths (`/__oauth-dance/...`). The core
   * knows no HTTP control API: the package root's factories, the msw adapter
   * and `serve` attach `mocks/control/`'s (`withControlPaths`). Once only:
   * later calls keep the first.
   */
  attachControl(create: ControlAnswererFactory): this {
    this.#control ??= create(this, this.#controlAccess, this.#definition.controls ?? {})
    return this
  }

  /** URL patterns of each origin (its base URL, or the definition's wider ones), for adapters that intercept requests in-process. */
  get urlPatterns(): Record<string, string[]> {
    return Object.fromEntries(Object.keys(this.origins).map((origin) => [origin, this.#definition.mswPatterns?.[origin] ?? [this.origins[origin]]]))
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
  answer(request: ProviderRequest, origin = 'default', body?: ReadBody): Promise<Reply | null> {
    try {
      const answered = this.answerNow(request, origin, body)
      return answered instanceof Promise ? answered : Promise.resolve(answered)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * {@link answer}, synchronously where the route is: a promise only when
   * something on the way is asynchronous (seeding, a body stream, a fault, an
   * asynchronous route, a web `Response` to read), so `serve` answers the
   * usual token or API request without a promise or a microtask turn. May
   * throw where {@link answer} would reject (a URL the parser refuses).
   */
  answerNow(request: ProviderRequest, origin = 'default', body?: ReadBody): Reply | null | Promise<Reply | null> {
    if (!this.#seeded) return this.#ready.then(() => this.answerNow(request, origin, body))
    let path = pathnameOf(request.url)
    const last = this.#lastRouted
    // The same path on the same origin as last time (pathnameOf gives back the same string): its route path as then.
    if (path === last.pathname && origin === last.origin) path = last.path
    else {
      const pathname = path
      const basePath = this.#basePaths[origin] ?? new URL(this.baseUrl).pathname.replace(/\/$/, '')
      if (path.startsWith(CONTROL_PREFIX) || path.startsWith(basePath + CONTROL_PREFIX)) {
        if (this.#control) return this.#control.answer(request, path, body)
        return Reply.json(
          404,
          {
            error: `the control paths of "${this.id}" are not attached: create it from "oauth-dance" (createCarina()...), or serve it (serve(), mswHandlers()), which attach them`,
          },
          { 'Cache-Control': 'no-store' },
        )
      }
      if (basePath && !(path === basePath || path.startsWith(basePath + '/')))
        path = '\u0000' // outside the mount: no route
      else path = path.slice(basePath.length) || '/'
      // Only a known origin's base path stays as it is.
      if (origin in this.#basePaths) this.#lastRouted = { pathname, origin, path }
    }

    const method = request.method.toUpperCase()
    const match = this.#router.match(origin, method, path)
    const route = match.kind === 'route' ? match.route : null
    const startMs = this.clock.nowMs()
    const ctx = this.#context(request, origin, match.kind === 'route' ? match.params : {}, route)
    let text: string | Promise<string>
    try {
      text = requestBodyText(request, method, body, this.bodyLimit)
    } catch (thrown) {
      return this.#conclude(ctx, method, path, startMs, undefined, thrown)
    }
    if (typeof text !== 'string') return this.#answerLater(ctx, method, path, startMs, match, text)
    ctx.bodyText = text
    const fault = match.kind === 'route' ? this.faults.take(match.route.id) : undefined
    let answer: RouteAnswer | Promise<RouteAnswer>
    try {
      answer = this.#dispatch(ctx, match, fault)
    } catch (thrown) {
      return this.#conclude(ctx, method, path, startMs, fault, thrown)
    }
    if (answer instanceof Reply) return this.#conclude(ctx, method, path, startMs, fault, undefined, answer)
    return this.#answerLater(ctx, method, path, startMs, match, undefined, answer, fault)
  }

  /** The rest of {@link answerNow} once something on the way turned out asynchronous: the body's text (`body`), or the answer (`pending`). */
  #answerLater(
    ctx: RouteContext,
    method: string,
    path: string,
    startMs: number,
    match: ReturnType<Router['match']>,
    body: Promise<string> | undefined,
    pending?: RouteAnswer | Promise<RouteAnswer>,
    fault?: Fault,
  ): Promise<Reply | null> {
    if (body) return this.#answerAfterBody(ctx, method, path, startMs, match, body)
    // One reaction on the route's promise (an asynchronous signature, say) rather than an async function around it.
    return Promise.resolve(pending!).then(
      (answer) => this.#concludeAnswer(ctx, method, path, startMs, fault, answer),
      (thrown) => this.#conclude(ctx, method, path, startMs, fault, thrown),
    )
  }

  async #answerAfterBody(
    ctx: RouteContext,
    method: string,
    path: string,
    startMs: number,
    match: ReturnType<Router['match']>,
    body: Promise<string>,
  ): Promise<Reply | null> {
    let fault: Fault | undefined
    let answer: RouteAnswer
    try {
      ctx.bodyText = await body
      fault = match.kind === 'route' ? this.faults.take(match.route.id) : undefined
      answer = await this.#dispatch(ctx, match, fault)
    } catch (thrown) {
      return this.#conclude(ctx, method, path, startMs, fault, thrown)
    }
    return this.#concludeAnswer(ctx, method, path, startMs, fault, answer)
  }

  /** {@link conclude} with a route's answer: a web `Response` is read first, a network error is a dropped connection. */
  #concludeAnswer(
    ctx: RouteContext,
    method: string,
    path: string,
    startMs: number,
    fault: Fault | undefined,
    answer: RouteAnswer,
  ): Reply | null | Promise<Reply | null> {
    if (answer instanceof Reply) return this.#conclude(ctx, method, path, startMs, fault, undefined, answer)
    if (answer.type === 'error') return this.#conclude(ctx, method, path, startMs, fault, undefined, null)
    return Reply.from(answer).then((read) => this.#conclude(ctx, method, path, startMs, fault, undefined, read))
  }

  /** The route's answer (or the fault's, or the not-found and method-not-allowed ones); a promise when asynchronous. */
  #dispatch(ctx: RouteContext, match: ReturnType<Router['match']>, fault: Fault | undefined): RouteAnswer | Promise<RouteAnswer> {
    if (match.kind === 'not-found') return this.#definition.notFound(ctx)
    if (match.kind === 'method-not-allowed') return this.#definition.methodNotAllowed?.(ctx, match.allowed) ?? this.#definition.notFound(ctx)
    if (fault) return applyFault(fault, ctx)
    return match.route.resolve(ctx)
  }

  /**
   * Ends a request: what was thrown (when `thrown` is not undefined) rendered
   * in the provider's format, HEAD without a body, the hint, the journal.
   * `reply` null: a dropped connection.
   */
  #conclude(
    ctx: RouteContext,
    method: string,
    path: string,
    startMs: number,
    fault: Fault | undefined,
    thrown: unknown,
    answered?: Reply | null,
  ): Reply | null | Promise<Reply | null> {
    let error: OAuthError | undefined
    let reply = answered
    if (thrown !== undefined) {
      let answer: RouteAnswer
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
      if (!(answer instanceof Reply)) {
        // An error rendered as a web `Response`: read it, then conclude with it.
        if (answer.type === 'error') reply = null
        else return Reply.from(answer).then((read) => this.#record(ctx, method, startMs, fault, error, read))
      } else reply = answer
    }
    return this.#record(ctx, method, startMs, fault, error, reply ?? null)
  }

  #record(ctx: RouteContext, method: string, startMs: number, fault: Fault | undefined, error: OAuthError | undefined, answered: Reply | null): Reply | null {
    let reply = answered
    if (reply && method === 'HEAD' && reply.body !== null) reply = reply.withBody(null)
    if (reply && typeof ctx.notes.hint === 'string') reply.hint = ctx.notes.hint
    if (this.journal.enabled) recordExchange(this.journal, ctx, reply, startMs, error, fault)
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
    const secrets = Object.entries(match.params)
      .filter(([name]) => SECRET_PARAM.test(name))
      .map(([, value]) => value)
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

  /** Renders an OAuth error in the format of the route that raised it. */
  renderError(error: OAuthError, ctx: RouteContext): RouteAnswer {
    const render = ctx.route?.renderError ?? this.#definition.renderError ?? renderTokenError
    return render(error, ctx)
  }

  #context(request: ProviderRequest, origin: string, params: Record<string, string>, route: RouteDefinition | null): RouteContext {
    return new RequestContext(request, params, this, route as RouteDefinition, origin, this.origins[origin] ?? this.baseUrl)
  }
}

/**
 * A route's context, one per request. A class rather than an object literal
 * with closures and accessors, so requests share the prototype's methods
 * rather than create their own. The query and the body are parsed on first use:
 * most routes (tokens, APIs) never read the query, nor the URL past its path.
 */
class RequestContext implements RouteContext {
  bodyText = ''
  notes: Record<string, unknown> = {}
  fault?: RouteContext['fault']
  #url: URL | undefined
  #query: Params | undefined
  #body: ReturnType<typeof bodyAccessor> | undefined
  #violation: ReportViolation | undefined

  constructor(
    readonly request: ProviderRequest,
    readonly params: Record<string, string>,
    readonly provider: ProviderRuntime,
    readonly route: RouteDefinition,
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

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '')
}

export type { FaultSpec }
