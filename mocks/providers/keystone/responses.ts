import { HttpError, OAuthError, PayloadTooLarge } from '../../core/errors.js'
import type { RouteContext } from '../../core/routes.js'
import { Reply } from '../../core/reply.js'
import { drawRandom, RANDOM_POOL } from '../../core/secrets.js'

/** Reason phrases Keystone puts in `title` (Python's `http.client.responses`). */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

export function titleOf(status: number): string {
  return TITLES[status] ?? 'Error'
}

/** keystone.exception.Unauthorized's message_format, shown whenever authentication fails. */
export const AUTHENTICATION_REQUIRED = 'The request you have made requires authentication.'

/** keystone.exception.ValidationError's message_format. */
export function expectingToFind(attribute: string, target: string): string {
  return `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`
}

/** Where Keystone's challenges point: `Keystone uri="<base>/v3"` (keystone/oauth2/handlers.py, `ks_flask.base_url()`). */
export function identityUri(ctx: Pick<RouteContext, 'baseUrl'>): string {
  return `${ctx.baseUrl}/v3`
}

const HEX = [...'0123456789abcdef'].map((c) => c.charCodeAt(0))
/** Where {@link requestId} writes; it is synchronous, so one buffer serves every call. */
const requestIdScratch = Buffer.from('req-00000000-0000-0000-0000-000000000000', 'latin1')

/**
 * An `x-openstack-request-id`: `req-` and a random (version 4) UUID, as
 * oslo.middleware's `'req-' + str(uuid.uuid4())`. Written into one buffer and
 * read out as one string, where `req-${randomUUID()}` builds it from some twenty pieces.
 */
export function requestId(): string {
  const drawn = drawRandom(16)
  let at = 4
  for (let i = 0; i < 16; i++) {
    const random = RANDOM_POOL[drawn + i]
    // RFC 9562 §5.4: version 4 in byte 6's high nibble, variant 10 in byte 8's top bits.
    const byte = i === 6 ? (random & 0x0f) | 0x40 : i === 8 ? (random & 0x3f) | 0x80 : random
    if (i === 4 || i === 6 || i === 8 || i === 10) at++ // the dash already there
    requestIdScratch[at++] = HEX[byte >> 4]
    requestIdScratch[at++] = HEX[byte & 15]
  }
  return requestIdScratch.toString('latin1')
}

/**
 * A JSON answer with the headers every Keystone response has: `Vary:
 * X-Auth-Token` (server/flask/application.py) and an `x-openstack-request-id`
 * (oslo.middleware request_id). Flask's JSON ends with a newline.
 */
export function keystoneJson(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  const base: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' }
  base.vary = 'X-Auth-Token'
  base['x-openstack-request-id'] = requestId()
  return new Reply(status, Object.assign(base, headers), body === undefined ? null : JSON.stringify(body) + '\n')
}

/** {@link keystoneJson} with its JSON already written, in ASCII only (so its length is its byte count). */
export function keystoneAsciiJson(status: number, json: string): Reply {
  // Names lower-case, values plain ASCII (the id is hex): already normalized.
  return Reply.normalized(status, { 'content-type': 'application/json', vary: 'X-Auth-Token', 'x-openstack-request-id': requestId() }, json, json.length)
}

/** Keystone's classic error envelope, with the Keystone challenge on a 401 (`{"error":{"code","title","message"}}`). */
export function identityErrorResponse(ctx: Pick<RouteContext, 'baseUrl'>, status: number, message: string, challengeUri = identityUri(ctx)): Reply {
  const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': `Keystone uri="${challengeUri}"` } : {}
  return keystoneJson(status, { error: { code: status, title: titleOf(status), message } }, headers)
}

/** Throwable form of {@link identityErrorResponse}. */
export function identityError(ctx: Pick<RouteContext, 'baseUrl'>, status: number, message: string, challengeUri?: string): HttpError {
  return new HttpError(identityErrorResponse(ctx, status, message, challengeUri))
}

/** Every OS-OAUTH2 error class of keystone/exception.py; anything else becomes `other_error`. */
const OAUTH2_CODES = new Set(['invalid_request', 'invalid_client', 'unsupported_grant_type', 'other_error'])

/**
 * keystone/oauth2/handlers.py `build_response`: `{"error","error_description"}`,
 * the status of the wrapped error, `WWW-Authenticate: Keystone uri=...` on 401,
 * and no `Cache-Control`/`Pragma` (unlike RFC 6749 §5.1). An injected fault's
 * code that Keystone lacks (`server_error`...) is rendered as `other_error`.
 */
export function renderOAuth2Error(error: OAuthError, ctx: RouteContext): Reply {
  if (error instanceof PayloadTooLarge) return renderIdentityError(error, ctx)
  const code = OAUTH2_CODES.has(error.error) ? error.error : 'other_error'
  const headers: Record<string, string> = { ...error.headers }
  if (error.status === 401) headers['WWW-Authenticate'] = `Keystone uri="${identityUri(ctx)}"`
  return keystoneJson(error.status, { error: code, error_description: error.description }, headers)
}

/**
 * OAuth errors outside the OS-OAUTH2 endpoint (injected faults, an oversized
 * body, an unexpected exception) in the classic envelope. An oversized body is
 * keystone.exception.RequestTooLarge ("Request is too large.").
 */
export function renderIdentityError(error: OAuthError, ctx: RouteContext): Reply {
  if (error instanceof PayloadTooLarge) return identityErrorResponse(ctx, 413, 'Request is too large.')
  return identityErrorResponse(ctx, error.status, error.description).withHeaders(error.headers)
}
