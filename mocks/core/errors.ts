/**
 * OAuth protocol errors, one class per RFC 6749 / RFC 6750 `error` code.
 *
 * Resolvers throw these; exactly one place turns them into a response (the
 * route's `renderError`, defaulting to {@link renderTokenError}). Providers whose
 * real service answered differently (Doorkeeper's 401s, GoCD's hyphenated codes,
 * Keystone's `other_error`) map them in their own renderer rather than forking
 * the checks.
 *
 * @see [RFC 6749 §5.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.2)
 * @see [RFC 6750 §3.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1)
 */
import { Reply, type RouteAnswer } from './reply.js'

export class OAuthError extends Error {
  /**
   * @param status HTTP status the RFC assigns to this error.
   * @param error The wire `error` code.
   * @param description The wire `error_description` (human readable, ASCII).
   * @param detail Diagnostic detail for logs and the journal; never sent.
   */
  constructor(
    public status: number,
    public error: string,
    public description: string,
    public detail?: string,
    public headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`)
    this.name = 'OAuthError'
  }
}

const define = (status: number, error: string, defaultDescription: string) =>
  class extends OAuthError {
    constructor(description = defaultDescription, detail?: string) {
      super(status, error, description, detail)
    }
  }

export const InvalidRequest = define(
  400,
  'invalid_request',
  'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
)
export const InvalidClient = define(401, 'invalid_client', 'Client authentication failed.')
export const InvalidGrant = define(
  400,
  'invalid_grant',
  'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
)
export const UnauthorizedClient = define(400, 'unauthorized_client', 'The client is not authorized to use this grant type.')
export const UnsupportedGrantType = define(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.')
export const InvalidScope = define(400, 'invalid_scope', 'The requested scope is invalid, unknown, or malformed.')
export const AccessDenied = define(403, 'access_denied', 'The resource owner or authorization server denied the request.')
export const UnsupportedResponseType = define(400, 'unsupported_response_type', 'The authorization server does not support this response type.')
export const ServerError = define(500, 'server_error', 'The authorization server encountered an unexpected condition.')
export const TemporarilyUnavailable = define(503, 'temporarily_unavailable', 'The authorization server is temporarily unable to handle the request.')
/** RFC 6750 §3.1 */
export const InvalidToken = define(401, 'invalid_token', 'The access token is invalid.')
/** RFC 6750 §3.1 */
export const InsufficientScope = define(403, 'insufficient_scope', 'The request requires higher privileges than provided by the access token.')

/** A request body over the configured limit (not an OAuth code; answered 413 in the provider's format). */
export class PayloadTooLarge extends OAuthError {
  constructor(limit: number) {
    super(413, 'invalid_request', `The request body exceeds the limit of ${limit} bytes.`)
  }
}

/**
 * A plain HTTP answer that is not an OAuth error (a 404 for an unknown cluster,
 * a 405 for a wrong method). Carries the response to send as-is.
 */
export class HttpError extends Error {
  constructor(public response: RouteAnswer) {
    super(`HTTP ${response.status}`)
    this.name = 'HttpError'
  }
}

/** RFC 6749 §5.2 JSON body; `no-store` per §5.1 applies to errors as well. */
export function renderTokenError(error: OAuthError): Reply {
  const body: Record<string, string> = { error: error.error }
  if (error.description) body.error_description = error.description
  return Reply.json(error.status, body, { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...error.headers })
}

/** Quote a value for an auth-param (RFC 7235 §2.1 quoted-string). */
export function quoteAuthParam(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`
}
