import { AuthorizationError } from '../../core/authorize.js'
import type { PushedRequest, StandardContext } from './config.js'

// The pushed requests as the authorization endpoint reads them; the endpoint that stores them is par.ts.

/** Seconds a pushed request's `request_uri` stays usable (RFC 9126 §2.2: "short", the RFC's example is 60). */
export const PUSHED_REQUEST_TTL_SECONDS = 60
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:'

/**
 * The authorization request a `request_uri` stands for (RFC 9126 §4): pushed
 * by the `client_id` given alongside, not expired, not used. Errors are shown
 * on the error page: no redirect URI is trusted yet.
 */
export function pushedRequestFor(ctx: StandardContext, requestUri: string): PushedRequest & { source: URLSearchParams } {
  const clientId = ctx.query.value('client_id')
  if (clientId === undefined)
    throw new AuthorizationError('invalid_request', 'The "client_id" parameter is missing; it accompanies "request_uri" (RFC 9126 §4).')
  const pushed = ctx.provider.store.pushedRequests.by('requestUri', requestUri)
  if (!pushed || pushed.clientId !== clientId)
    throw new AuthorizationError('invalid_request_uri', 'The "request_uri" is unknown, was already used, or was pushed by another client.')
  if (ctx.provider.clock.nowMs() >= pushed.expiresAtMs)
    throw new AuthorizationError('invalid_request_uri', 'The "request_uri" expired; push the request again.')
  return { ...pushed, source: new URLSearchParams(pushed.params) }
}

/** A request_uri works once (RFC 9126 §4: "SHOULD treat request_uri values as one-time use"). */
export function consumePushedRequest(ctx: StandardContext, requestUri: string): void {
  const pushed = ctx.provider.store.pushedRequests.by('requestUri', requestUri)
  if (pushed) ctx.provider.store.pushedRequests.remove(pushed)
}
