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
  /** Answer normally after `ms` of real time (for client timeouts). */
  | { type: 'delay'; ms: number }
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

const ACTION_TYPES = new Set(['oauth-error', 'response', 'retry-after', 'html-502', 'delay', 'drop', 'truncated-json', 'wrong-content-type', 'success-with-error', 'broken-token'])

/** Checks a fault spec that came from outside (the control path), with a message naming what is wrong. */
export function validateFaultSpec(input: unknown): FaultSpec {
  const spec = input as Partial<FaultSpec> | null
  if (!spec || typeof spec !== 'object') throw new TypeError('a fault must be a JSON object')
  if (typeof spec.route !== 'string' || !spec.route) throw new TypeError('"route" must be a route id or "*"')
  const times = spec.times ?? 'once'
  if (!(times === 'once' || times === 'always' || (typeof times === 'object' && Number.isInteger((times as { nth: number }).nth) && (times as { nth: number }).nth > 0))) {
    throw new TypeError('"times" must be "once", "always" or {"nth": <positive integer>}')
  }
  const action = spec.action as FaultAction | undefined
  if (!action || typeof action !== 'object' || !ACTION_TYPES.has(action.type)) {
    throw new TypeError(`"action.type" must be one of ${[...ACTION_TYPES].join(', ')}`)
  }
  if (action.type === 'oauth-error' && typeof action.error !== 'string') throw new TypeError('"action.error" must be an OAuth error code')
  if (action.type === 'response' && !(Number.isInteger(action.status) && action.status >= 100 && action.status <= 599)) throw new TypeError('"action.status" must be an HTTP status')
  if (action.type === 'delay' && !(Number.isFinite(action.ms) && action.ms >= 0 && action.ms <= 600_000)) throw new TypeError('"action.ms" must be between 0 and 600000')
  if (action.type === 'broken-token' && !BROKEN_TOKEN_KINDS.includes(action.kind)) throw new TypeError(`"action.kind" must be one of ${BROKEN_TOKEN_KINDS.join(', ')}`)
  return { route: spec.route, times, action }
}

export class FaultRegistry<RouteId extends string = string> {
  #faults: Fault<RouteId>[] = []

  add(spec: FaultSpec<RouteId>): Fault<RouteId> {
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
