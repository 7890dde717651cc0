import { AuthorizationError } from '../../core/authorize.js'
import { InvalidRequest } from '../../core/errors.js'
import { Params } from '../../core/params.js'
import { Reply } from '../../core/reply.js'
import { defineRoute } from '../../core/routes.js'
import { randomBase64Url } from '../../core/secrets.js'
import { validateStandardRequest } from './authorize.js'
import { resolveClientIdDocument } from './client-id-document.js'
import { dpopHeader, invalidDpopProof, verifyDpopProof } from './dpop.js'
import { authenticateStandardClient } from './client-auth.js'
import { STANDARD_PATHS, type StandardRuntime } from './config.js'
import { PUSHED_REQUEST_TTL_SECONDS, REQUEST_URI_PREFIX } from './pushed-requests.js'

/** Client authentication parameters: part of the push, not of the authorization request it stores. */
const CLIENT_AUTH_PARAMS = ['client_secret', 'client_assertion', 'client_assertion_type']

/**
 * The pushed authorization request endpoint (RFC 9126 §2): the client
 * authenticates as at the token endpoint, the request gets every check the
 * authorization endpoint makes, and errors come back here as JSON (§2.3)
 * rather than through the redirect URI.
 */
export const pushedAuthorizationRequestRoute = defineRoute<StandardRuntime>({
  id: 'standard.par',
  method: 'POST',
  path: STANDARD_PATHS.pushedAuthorizationRequest,
  async resolve(ctx) {
    const body = ctx.body()
    await resolveClientIdDocument(ctx, body.value('client_id'), { refresh: true })
    const { client } = await authenticateStandardClient(ctx, body, { allowNone: true })
    // @see RFC 9126 §2.1: "The request_uri authorization request parameter is one exception, and it MUST NOT be provided."
    if (body.has('request_uri')) throw new InvalidRequest('The "request_uri" parameter cannot be pushed (RFC 9126 §2.1).', 'request_uri pushed')
    const source = new URLSearchParams(ctx.bodyText)
    for (const name of CLIENT_AUTH_PARAMS) source.delete(name)
    source.set('client_id', client.clientId)
    // @see RFC 9449 §10.1: a proof sent with the push binds the code to its key, as dpop_jkt would.
    const proof = dpopHeader(ctx)
    if (proof !== undefined) {
      const jkt = await verifyDpopProof(ctx, proof)
      const given = body.value('dpop_jkt')
      if (given !== undefined && given !== jkt) throw invalidDpopProof('The "dpop_jkt" differs from the thumbprint of the DPoP proof\'s key (RFC 9449 §10.1).')
      source.set('dpop_jkt', jkt)
    }
    try {
      validateStandardRequest(ctx, Params.fromSearch(source), source)
    } catch (error) {
      // §2.3: the error goes to the client in this response, never to its redirect URI.
      if (error instanceof AuthorizationError) throw new AuthorizationError(error.error, error.description)
      throw error
    }
    const now = ctx.provider.clock.nowMs()
    const pushed = ctx.provider.store.pushedRequests.insert({
      requestUri: REQUEST_URI_PREFIX + randomBase64Url(32),
      clientId: client.clientId,
      params: source.toString(),
      expiresAtMs: now + PUSHED_REQUEST_TTL_SECONDS * 1000,
    })
    ctx.notes.pushedRequest = true
    return Reply.json(201, { request_uri: pushed.requestUri, expires_in: PUSHED_REQUEST_TTL_SECONDS }, { 'Cache-Control': 'no-store' })
  },
})
