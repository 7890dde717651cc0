import type { OAuthError } from './errors.js'
import type { FaultAction, FaultRegistry } from './faults.js'
import type { ExchangeNotes } from './journal.js'
import { Params, parseBodyParams, type BodyOptions, type RepeatedParameters } from './params.js'
import type { ProviderRuntime } from './provider.js'
import type { ReportViolation, Violation, ViolationOptions } from './violations.js'
import type { RouteAnswer } from './reply.js'
import type { ProviderRequest } from './request.js'

export type { ReportViolation, Strictness, Violation, ViolationOptions } from './violations.js'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS'

/**
 * The one place strictness is decided. Recorded in both modes, so a strict
 * refusal names the requirement too; a violation already recorded for this
 * request (a parameter read twice) is not repeated.
 *
 * @example
 * reportViolation(ctx, 'RFC6749-2.3', 'HTTP Basic and "client_secret" in the body', new InvalidRequest('…'))
 */
export function reportViolation(
  ctx: Pick<RouteContext, 'provider' | 'notes'>,
  requirement: string,
  message: string,
  strictError: OAuthError,
  options: ViolationOptions = {},
): void {
  const served = options.servedByRealProvider === true || ctx.provider.strictness === 'lenient'
  const violations = ((ctx.notes.violations as Violation[] | undefined) ??= [])
  if (!violations.some((v) => v.requirement === requirement && v.message === message))
    violations.push({ requirement, message, error: strictError.error, served })
  if (!served) throw strictError
}

/** Adds a sentence to `notes.hint` (see {@link RouteContext.hint}); the same sentence is not repeated. */
export function recordHint(notes: Record<string, unknown>, text: string): void {
  const existing = notes.hint as string | undefined
  if (existing === undefined) notes.hint = text
  else if (!existing.includes(text)) notes.hint = `${existing} ${text}`
}

/**
 * What a resolver gets: the web-standard request, its URL, path parameters,
 * the body already read (bounded by the provider's limit), and the provider.
 */
export interface RouteContext<R extends ProviderRuntime = ProviderRuntime> {
  /** Method, URL and headers (a web `Request` in-process; a lighter {@link ProviderRequest} under `serve`). */
  request: ProviderRequest
  url: URL
  params: Record<string, string>
  /** The request body as text ('' for none). */
  bodyText: string
  provider: R
  route: RouteDefinition<R>
  /** Key of the origin the request came to (`default`, or `auth`/`api` for Cogo). */
  origin: string
  /** The origin's base URL as this provider is served (production URL in-process, 127.0.0.1 under serve). */
  baseUrl: string
  /** Facts the resolver recorded for the journal (client auth method used, token placement...). */
  notes: ExchangeNotes
  /** Query parameters (repeated ones refused on `get`). */
  query: Params
  /** Body parameters, parsed once by media type. */
  body(options?: Omit<BodyOptions, 'limit'>): Params
  /** An absolute URL on this origin for a provider path. */
  link(path: string): string
  /** Refuses (strict) or records and serves (lenient) a request that breaks `requirement`: {@link reportViolation}. */
  violation: ReportViolation
  /**
   * Records a hint (`notes.hint`): one sentence that tells a developer how a
   * refused request is one small step from a valid one. Never sent to the
   * client (the answer stays the real provider's); the journal, `serve`'s log
   * and the conformance report show it. Must not quote secrets or tokens.
   */
  hint(text: string): void
  /** A fault the route itself carries out (`broken-token`: the token endpoint mints a broken token). */
  fault?: FaultAction
}

/**
 * The route ids of a runtime (`ProviderRuntime<…, RouteId>`): the provider's
 * `as const` list in its `config.ts`, so a route id or `faults.add({ route })`
 * with a typo does not compile.
 */
export type RouteIdOf<R> = R extends { readonly faults: FaultRegistry<infer Id> } ? Id : string

export interface RouteDefinition<R extends ProviderRuntime = ProviderRuntime, Id extends string = RouteIdOf<R>> {
  /** Stable id, `<provider>.<name>`, one of the provider's route ids; faults and the journal refer to routes by it. */
  id: Id
  method: HttpMethod | readonly HttpMethod[]
  /** Path under the origin's base path: `/oauth/token`, `/clusters/:name`, `/files/*`. */
  path: string
  /** Which origin of the provider serves it (default `default`). */
  origin?: string
  /** The answer: a web `Response`, or a {@link Reply} (cheaper: no body stream to build and read back). */
  resolve(ctx: RouteContext<R>): RouteAnswer | Promise<RouteAnswer>
  /** How OAuth errors thrown by `resolve` are rendered; defaults to the provider's. */
  renderError?(error: OAuthError, ctx: RouteContext<R>): RouteAnswer
}

/**
 * Declares a route. Kept as a function so a provider's table reads as data and
 * resolvers get their context typed.
 *
 * @example
 * defineRoute<Carina>({ id: 'carina.me', method: 'GET', path: '/me', resolve: showProfile })
 */
export function defineRoute<R extends ProviderRuntime>(route: RouteDefinition<R>): RouteDefinition<R> {
  return route
}

interface CompiledRoute {
  route: RouteDefinition
  methods: readonly string[]
  regex: RegExp
  names: string[]
}

export type RouteMatch =
  { kind: 'route'; route: RouteDefinition; params: Record<string, string> } | { kind: 'method-not-allowed'; allowed: string[] } | { kind: 'not-found' }

function compilePath(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = []
  const source = path
    .split('/')
    .map((segment) => {
      if (segment === '*') {
        names.push('*')
        return '(.*)'
      }
      return segment.replace(/:([A-Za-z_][A-Za-z0-9_]*)|([.+?^${}()|[\]\\])/g, (_m, name: string | undefined, special: string | undefined) => {
        if (name) {
          names.push(name)
          return '([^/]+)'
        }
        return `\\${special}`
      })
    })
    .join('/')
  return { regex: new RegExp(`^${source}/?$`), names }
}

/** The params of every match of a route without path parameters: one frozen object, as no route writes to them. */
const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>

/** Paths remembered per origin and method ({@link Router.match}); a full memo starts over, as paths come from requests. */
const MEMO_MAX = 256

/**
 * Matches a method and a path against a route table. The same table feeds the
 * msw handlers and `serve`'s dispatcher, so both answer identically.
 */
export class Router {
  readonly #byOrigin = new Map<string, CompiledRoute[]>()
  /**
   * Matches of routes without path parameters by origin, method and path: a
   * client asks for the same few paths again and again, and a match then
   * costs a lookup rather than a regex per route and a match object.
   */
  readonly #memo = new Map<string, Map<string, Map<string, RouteMatch>>>()

  constructor(routes: ReadonlyArray<RouteDefinition>) {
    for (const route of routes) {
      const origin = route.origin ?? 'default'
      const list = this.#byOrigin.get(origin) ?? []
      const methods = Array.isArray(route.method) ? route.method : [route.method as string]
      list.push({ route, methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods, ...compilePath(route.path) })
      this.#byOrigin.set(origin, list)
    }
  }

  match(origin: string, method: string, path: string): RouteMatch {
    let byMethod = this.#memo.get(origin)
    const byPath = byMethod?.get(method)
    const known = byPath?.get(path)
    if (known !== undefined) return known
    const match = this.#scan(origin, method, path)
    if (match.kind === 'route' && match.params === NO_PARAMS) {
      if (byMethod === undefined) this.#memo.set(origin, (byMethod = new Map()))
      if (byPath === undefined) byMethod.set(method, new Map([[path, match]]))
      else {
        if (byPath.size >= MEMO_MAX) byPath.clear()
        byPath.set(path, match)
      }
    }
    return match
  }

  #scan(origin: string, method: string, path: string): RouteMatch {
    let allowed: Set<string> | undefined
    for (const compiled of this.#byOrigin.get(origin) ?? []) {
      const m = compiled.regex.exec(path)
      if (!m) continue
      if (!compiled.methods.includes(method)) {
        allowed ??= new Set()
        for (const x of compiled.methods) allowed.add(x)
        continue
      }
      if (compiled.names.length === 0) return { kind: 'route', route: compiled.route, params: NO_PARAMS }
      const params: Record<string, string> = {}
      try {
        compiled.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1])))
      } catch {
        continue // a malformed percent-escape matches no route
      }
      return { kind: 'route', route: compiled.route, params }
    }
    return allowed ? { kind: 'method-not-allowed', allowed: [...allowed] } : { kind: 'not-found' }
  }
}

/** Creates the lazily parsed body accessor of a route context. */
export function bodyAccessor(request: ProviderRequest, bodyText: string, violation?: ReportViolation, repeated?: RepeatedParameters) {
  let parsed: Params | undefined
  return (options: Omit<BodyOptions, 'limit'> = {}): Params => {
    parsed ??= parseBodyParams(request, bodyText, options, violation, repeated)
    return parsed
  }
}
