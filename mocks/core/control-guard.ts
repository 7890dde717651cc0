import { isIP } from 'node:net'
import type { ProviderRequest } from './request.js'
import { secretsEqual } from './secrets.js'

/** The reserved path prefix of the control API on every origin; never a provider path. */
export const CONTROL_PREFIX = '/__oauth-dance/'

/**
 * Who may use the control paths (`/__oauth-dance/...`). They reset state,
 * inject faults and hand out client secrets, passwords and every recorded
 * `Authorization` header, so a web page on another site must not reach them:
 * not by a CORS-simple request (no preflight: `text/plain` or no
 * `Content-Type`), not by a cross-site `Origin`, and not by DNS rebinding (a
 * name the attacker controls resolving to 127.0.0.1, seen here as its `Host`).
 */
export interface ControlAccess {
  /**
   * Host names (lower case, no port, IPv6 without brackets) the `Host` header
   * may name besides loopback addresses and `localhost`: `serve` gives the
   * address it listens on (every interface's address for a wildcard). Absent
   * (in-process use through msw or Playwright routing): no `Host` check, as
   * the request never crossed a socket and its host is the provider's
   * production host, which msw matched.
   */
  hosts?: ReadonlySet<string>
  /** When set, every control request must present it (`Authorization: Bearer` or `x-oauth-dance-control-token`). */
  token?: string
}

/** The header that carries the control token, for clients that keep `Authorization` for something else. */
export const CONTROL_TOKEN_HEADER = 'x-oauth-dance-control-token'

/** Environment variable `serve` reads the control token from when `--control-token` is not given. */
export const CONTROL_TOKEN_ENV = 'OAUTH_DANCE_CONTROL_TOKEN'

/** A host name as compared here: lower case, no trailing dot, IPv6 without brackets, no port. */
export function normalizeHostname(host: string): string {
  let name = host.trim().toLowerCase()
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']') === -1 ? undefined : name.indexOf(']'))
  else if (name.indexOf(':') !== -1 && name.indexOf(':') === name.lastIndexOf(':')) name = name.slice(0, name.indexOf(':'))
  return name.replace(/\.$/, '')
}

/**
 * Names that always mean this machine: `localhost` and its subdomains (RFC
 * 6761 §6.3; browsers resolve them to loopback themselves, so they cannot be
 * rebound), 127.0.0.0/8 and ::1 (also IPv4-mapped).
 */
export function isLoopbackHostname(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true
  const v4 = name.startsWith('::ffff:') ? name.slice(7) : name
  if (isIP(v4) === 4) return v4.startsWith('127.')
  return isIP(name) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(name)
}

/** A refused control request: its status and why. */
export interface ControlRefusal {
  status: 403 | 415
  error: string
}

/**
 * The answer to a body that is not JSON (415, RFC 9110 §15.5.16): the same
 * words the control paths that read JSON use.
 */
export const NOT_JSON: ControlRefusal = { status: 415, error: 'the body must be JSON, sent with "Content-Type: application/json"' }

const forbidden = (error: string): ControlRefusal => ({ status: 403, error })

/** Why a control request is refused, or null when it may go on. */
export function controlRefusal(request: ProviderRequest, method: string, access: ControlAccess, providerHosts: ReadonlySet<string>): ControlRefusal | null {
  const headers = request.headers
  if (access.hosts) {
    const host = headers.get('host')
    if (!host) return forbidden('control paths need a Host header')
    const name = normalizeHostname(host)
    if (!isLoopbackHostname(name) && !access.hosts.has(name)) {
      return forbidden(
        `control paths answer only to a loopback Host, localhost or ${[...access.hosts].join(', ')}; this request names "${host}" (DNS rebinding?)`,
      )
    }
  }
  if (headers.get('sec-fetch-site')?.toLowerCase() === 'cross-site') return forbidden('control paths refuse cross-site requests (Sec-Fetch-Site: cross-site)')
  const origin = headers.get('origin')
  if (origin !== null) {
    let name: string | undefined
    try {
      name = origin === 'null' ? undefined : normalizeHostname(new URL(origin).host)
    } catch {
      name = undefined
    }
    if (name === undefined || !(isLoopbackHostname(name) || access.hosts?.has(name) || providerHosts.has(name))) {
      return forbidden(`control paths refuse requests from another site (Origin: ${origin})`)
    }
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const type = headers.get('content-type')
    // Only application/json: every type a page can send without a CORS preflight (text/plain, forms) is refused.
    if (type !== null && !/^application\/json\s*(;|$)/i.test(type)) return NOT_JSON
  }
  if (access.token !== undefined) {
    const authorization = headers.get('authorization')
    const given = headers.get(CONTROL_TOKEN_HEADER) ?? (authorization && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : null)
    if (!secretsEqual(given, access.token))
      return forbidden(`control paths need the control token (Authorization: Bearer <token> or ${CONTROL_TOKEN_HEADER}: <token>)`)
  }
  return null
}

/** The body check, once it is read: a body without a `Content-Type` (a Blob a page posted) is refused too. */
export function controlBodyRefusal(request: ProviderRequest, text: string): ControlRefusal | null {
  return text !== '' && request.headers.get('content-type') === null ? NOT_JSON : null
}
