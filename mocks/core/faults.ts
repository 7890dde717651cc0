import { HttpError, OAuthError } from './errors.js'
import { Reply, toReply, type RouteAnswer } from './reply.js'
import type { RouteContext } from './routes.js'
import { randomHex } from './secrets.js'

/**
 * Faults injected in place of, or around, a provider's real answer.
 * Declared per route (by id, or `*`) and per call: `once`, the `nth` matching
 * call, or `always`.
 */
export type FaultAction =
  /** An OAuth error in the route's own format (status defaults to the code's). */
  | { type: 'oauth-error'; error: string; description?: string; status?: number }
  /** A canned response. */
  | { type: 'response'; status: number; body?: unknown; headers?: Record<string, string> }
  /** 429 or 503 with `Retry-After`. */
  | { type: 'retry-after'; status?: 429 | 503; seconds?: number }
  /** A proxy's HTML 502 page. */
  | { type: 'html-502' }
  /**
   * Answer normally after `ms` of real time (for client timeouts), or as soon
   * as the client gives up (its request aborted, its connection closed). With
   * `handleFirst` the request is handled at once (a code redeemed, tokens
   * issued) and only its answer is held, as a server that did the work but
   * answers late: what a retry then meets no longer depends on timing.
   */
  | { type: 'delay'; ms: number; handleFirst?: boolean }
  /** Drop the connection without an answer. */
  | { type: 'drop' }
  /** The real answer with its body cut short. */
  | { type: 'truncated-json' }
  /** The real answer labelled with another media type. */
  | { type: 'wrong-content-type'; contentType?: string }
  /** A 200 whose body is an OAuth error. */
  | { type: 'success-with-error'; error?: string }
  /**
   * The real answer, but the access token it issues is broken in the given way
   * (expired, another `iss` or `aud`, a bad signature, an unknown `kid`...), so
   * the API refuses it. Honoured by routes that issue self-contained tokens a
   * resource server verifies: Cogo's token endpoint (RS256 JWTs).
   */
  | { type: 'broken-token'; kind: BrokenTokenKind }

/**
 * The ways an issued JWT can be wrong that a resource server must refuse
 * (RFC 7519 §7.2, RFC 6750 §3.1 invalid_token).
 */
export const BROKEN_TOKEN_KINDS = [
  'expired',
  'wrong-issuer',
  'wrong-audience',
  'bad-signature',
  'tampered-payload',
  'unknown-kid',
  'missing-kid',
  'missing-exp',
  'alg-none',
  'alg-hs256',
  'not-a-jwt',
] as const
export type BrokenTokenKind = (typeof BROKEN_TOKEN_KINDS)[number]

export type FaultTimes = 'once' | 'always' | { nth: number }

/**
 * A fault to inject. `RouteId` is the provider's union of route ids
 * (`CarinaRouteId`...), so a misspelt route is a compile error on a typed
 * provider (`createCarina().faults.add(...)`).
 */
export interface FaultSpec<RouteId extends string = string> {
  /** Route id (`carina.token`) or `*` for every route of the provider. */
  route: RouteId | '*'
  times?: FaultTimes
  action: FaultAction
}

export interface Fault<RouteId extends string = string> extends Required<FaultSpec<RouteId>> {
  id: string
  /** Matching calls seen so far. */
  calls: number
  /** Times it fired. */
  fired: number
}

const ACTION_TYPES = [
  'oauth-error',
  'response',
  'retry-after',
  'html-502',
  'delay',
  'drop',
  'truncated-json',
  'wrong-content-type',
  'success-with-error',
  'broken-token',
] as const

/** The fields each action takes besides `type`; any other is a typo the fault would silently ignore. */
const ACTION_FIELDS: Record<FaultAction['type'], readonly string[]> = {
  'oauth-error': ['error', 'description', 'status'],
  response: ['status', 'body', 'headers'],
  'retry-after': ['status', 'seconds'],
  'html-502': [],
  delay: ['ms', 'handleFirst'],
  drop: [],
  'truncated-json': [],
  'wrong-content-type': ['contentType'],
  'success-with-error': ['error'],
  'broken-token': ['kind'],
}

/** RFC 9110 §5.1 field names: a token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** RFC 9110 §5.5 field values: visible characters, spaces and tabs, no CR, LF or NUL (nor past Latin-1, which Node refuses to send). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
/** OAuth error codes (RFC 6749 §5.2: %x20-21 / %x23-5B / %x5D-7E). */
const ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/
/** Statuses whose response carries no body (RFC 9110 §15.3.5, §15.3.6, §15.4.5). */
const NO_BODY_STATUSES = new Set([204, 205, 304])

const isInteger = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max

/**
 * Checks a fault spec, from the control path or from code, against its schema
 * and the provider's route ids (when given), with a message that names the
 * problem and the valid values. Nothing is registered when it throws.
 */
export function validateFaultSpec(input: unknown, routeIds?: readonly string[]): FaultSpec {
  const spec = input as Partial<FaultSpec> | null
  if (!spec || typeof spec !== 'object' || Array.isArray(spec))
    throw new TypeError('a fault must be a JSON object with "route", "action" and optionally "times"')
  const unknownKeys = Object.keys(spec).filter((key) => !['route', 'times', 'action'].includes(key))
  if (unknownKeys.length) throw new TypeError(`a fault has no field ${unknownKeys.map((k) => `"${k}"`).join(', ')} (valid: route, times, action)`)
  if (typeof spec.route !== 'string' || !spec.route) throw new TypeError(`"route" must be "*" or a route id${routeIds ? ` (${routeIds.join(', ')})` : ''}`)
  if (routeIds && spec.route !== '*' && !routeIds.includes(spec.route)) {
    throw new TypeError(`"route" is "${spec.route}", which is no route of this provider; valid: *, ${routeIds.join(', ')}`)
  }
  const times = spec.times ?? 'once'
  if (!(
    times === 'once' ||
    times === 'always' ||
    (typeof times === 'object' &&
      times !== null &&
      Object.keys(times).join() === 'nth' &&
      isInteger((times as { nth: unknown }).nth, 1, Number.MAX_SAFE_INTEGER))
  )) {
    throw new TypeError('"times" must be "once", "always" or {"nth": <positive integer>}')
  }
  const action = spec.action as FaultAction | undefined
  if (!action || typeof action !== 'object' || !(ACTION_TYPES as readonly string[]).includes(action.type)) {
    throw new TypeError(`"action.type" must be one of ${ACTION_TYPES.join(', ')}`)
  }
  const extra = Object.keys(action).filter((key) => key !== 'type' && !ACTION_FIELDS[action.type].includes(key))
  if (extra.length) {
    const fields = ACTION_FIELDS[action.type]
    throw new TypeError(
      `a "${action.type}" action has no field ${extra.map((k) => `"${k}"`).join(', ')} (valid: ${fields.length ? fields.join(', ') : 'none besides type'})`,
    )
  }
  switch (action.type) {
    case 'oauth-error':
      if (typeof action.error !== 'string' || !ERROR_CODE.test(action.error))
        throw new TypeError('"action.error" must be an OAuth error code (RFC 6749 §5.2 characters), e.g. invalid_grant')
      if (action.description !== undefined && (typeof action.description !== 'string' || !ERROR_CODE.test(action.description))) {
        throw new TypeError('"action.description" must be a string of printable ASCII characters other than " and \\ (RFC 6749 §5.2)')
      }
      if (action.status !== undefined && !isInteger(action.status, 400, 599)) throw new TypeError('"action.status" must be an integer from 400 to 599')
      break
    case 'response': {
      if (!isInteger(action.status, 200, 599)) throw new TypeError('"action.status" must be an integer from 200 to 599 (1xx statuses are not final answers)')
      if (action.body !== undefined && NO_BODY_STATUSES.has(action.status))
        throw new TypeError(`"action.body" cannot be sent with status ${action.status} (204, 205 and 304 have no body)`)
      const headers = action.headers
      if (headers !== undefined) {
        if (!headers || typeof headers !== 'object' || Array.isArray(headers))
          throw new TypeError('"action.headers" must be an object of header names to string values')
        for (const [name, value] of Object.entries(headers)) {
          if (!HEADER_NAME.test(name))
            throw new TypeError(`"action.headers" has an invalid header name ${JSON.stringify(name)} (RFC 9110 §5.1: letters, digits and !#$%&'*+.^_\`|~-)`)
          if (typeof value !== 'string' || !HEADER_VALUE.test(value))
            throw new TypeError(`"action.headers" has an invalid value for "${name}": it must be a string without CR, LF or other control characters`)
        }
      }
      break
    }
    case 'retry-after':
      if (action.status !== undefined && action.status !== 429 && action.status !== 503) throw new TypeError('"action.status" must be 429 or 503')
      if (action.seconds !== undefined && !isInteger(action.seconds, 0, 86_400 * 365))
        throw new TypeError('"action.seconds" must be an integer from 0 to 31536000')
      break
    case 'delay':
      if (!(typeof action.ms === 'number' && Number.isFinite(action.ms) && action.ms >= 0 && action.ms <= 600_000))
        throw new TypeError('"action.ms" must be between 0 and 600000')
      if (action.handleFirst !== undefined && typeof action.handleFirst !== 'boolean') throw new TypeError('"action.handleFirst" must be true or false')
      break
    case 'wrong-content-type':
      if (action.contentType !== undefined && (typeof action.contentType !== 'string' || !action.contentType || !HEADER_VALUE.test(action.contentType))) {
        throw new TypeError('"action.contentType" must be a media type without control characters, e.g. text/html')
      }
      break
    case 'success-with-error':
      if (action.error !== undefined && (typeof action.error !== 'string' || !ERROR_CODE.test(action.error)))
        throw new TypeError('"action.error" must be an OAuth error code, e.g. invalid_grant')
      break
    case 'broken-token':
      if (!BROKEN_TOKEN_KINDS.includes(action.kind)) throw new TypeError(`"action.kind" must be one of ${BROKEN_TOKEN_KINDS.join(', ')}`)
      break
  }
  return { route: spec.route, times, action }
}

export class FaultRegistry<RouteId extends string = string> {
  #faults: Fault<RouteId>[] = []

  /** `routeIds`: the provider's, which a fault must name (or `*`). */
  constructor(readonly routeIds?: readonly string[]) {}

  /** Registers a fault after checking it ({@link validateFaultSpec}); throws a `TypeError` naming the problem, registering nothing. */
  add(input: FaultSpec<RouteId>): Fault<RouteId> {
    const spec = validateFaultSpec(input, this.routeIds) as FaultSpec<RouteId>
    const fault: Fault<RouteId> = { id: randomHex(8), route: spec.route, times: spec.times ?? 'once', action: spec.action, calls: 0, fired: 0 }
    this.#faults.push(fault)
    return fault
  }

  remove(id: string): boolean {
    const before = this.#faults.length
    this.#faults = this.#faults.filter((f) => f.id !== id)
    return this.#faults.length !== before
  }

  clear(): void {
    this.#faults = []
  }

  list(): Fault<RouteId>[] {
    return [...this.#faults]
  }

  /** The fault to apply to this call of `routeId`, counting the call; spent `once`/`nth` faults are removed. */
  take(routeId: string): Fault<RouteId> | undefined {
    if (this.#faults.length === 0) return undefined
    for (const fault of this.#faults) {
      if (fault.route !== '*' && fault.route !== routeId) continue
      fault.calls++
      const fires = fault.times === 'always' || fault.times === 'once' || fault.calls === fault.times.nth
      if (!fires) continue
      fault.fired++
      if (fault.times !== 'always') this.remove(fault.id)
      return fault
    }
    return undefined
  }
}

/**
 * The answer a matched route gives while `fault` fires: in place of the
 * route's own (an error, a canned or broken response, a dropped connection),
 * or around it (after a delay, truncated, relabelled, with a broken token).
 * Records the fault's type in `ctx.notes.fault`.
 */
export async function applyFault(fault: Fault, ctx: RouteContext): Promise<RouteAnswer> {
  ctx.notes.fault = fault.action.type
  const action = fault.action
  switch (action.type) {
    case 'oauth-error': {
      const error = new OAuthError(action.status ?? statusOf(action.error), action.error, action.description ?? `Injected ${action.error}.`, 'injected fault')
      return ctx.provider.renderError(error, ctx)
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
      return ctx.provider.renderError(error, ctx)
    }
    case 'html-502':
      return new Response(
        '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n',
        {
          status: 502,
          headers: { 'Content-Type': 'text/html' },
        },
      )
    case 'drop':
      return Response.error()
    case 'delay': {
      // Held `ms`, or until the client gives up: an answer nobody waits for is not held longer.
      const hold = () =>
        new Promise<void>((resolve) => {
          const signal = ctx.request.signal
          if (signal?.aborted) return resolve()
          const release = () => {
            clearTimeout(timer)
            signal?.removeEventListener('abort', release)
            resolve()
          }
          const timer = setTimeout(release, action.ms)
          signal?.addEventListener('abort', release, { once: true })
        })
      if (!action.handleFirst) return hold().then(() => ctx.route.resolve(ctx))
      const answer = await ctx.route.resolve(ctx)
      await hold()
      return answer
    }
    case 'truncated-json': {
      const real = await resolveOrRender(ctx)
      const text = real.text()
      return real.withHeaders({ 'content-length': undefined }).withBody(text.slice(0, Math.max(1, Math.floor(text.length / 2))))
    }
    case 'wrong-content-type': {
      const real = await resolveOrRender(ctx)
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

/** The route's real answer, its OAuth and HTTP errors rendered, for faults that alter it. */
async function resolveOrRender(ctx: RouteContext): Promise<Reply> {
  try {
    return await toReply(await ctx.route.resolve(ctx))
  } catch (thrown) {
    if (thrown instanceof OAuthError) return toReply(ctx.provider.renderError(thrown, ctx))
    if (thrown instanceof HttpError) return toReply(thrown.response)
    throw thrown
  }
}

const STATUS_OF: Record<string, number> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  access_denied: 403,
  server_error: 500,
  temporarily_unavailable: 503,
}

/** The status an injected OAuth error gets when the fault names none (RFC 6749 §5.2, RFC 6750 §3.1). */
function statusOf(error: string): number {
  return STATUS_OF[error] ?? 400
}
