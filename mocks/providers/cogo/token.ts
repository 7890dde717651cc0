import { mediaType } from '../../core/params.js'
import { authenticateTokenClient, type AuthenticatedClient } from '../../core/client-auth.js'
import { InvalidRequest, OAuthError, UnauthorizedClient, UnsupportedGrantType } from '../../core/errors.js'
import { defineRoute } from '../../core/routes.js'
import { COGO_JWKS_PATH, COGO_TOKEN_PATH, type CogoRuntime } from './config.js'
import { issuerFor, refusePlainHttp } from './hosts.js'
import { issueAccessToken, mintBrokenCogoToken } from './access-tokens.js'
import { Reply } from '../../core/reply.js'

/**
 * Headers of the token endpoint's answers. The path and the success shape are
 * those of an AWS Cognito domain (PROVIDERS.md §5.1), so its answers are too:
 * JSON with a charset, and caching forbidden (RFC 6749 §5.1 asks for
 * `no-store` and `Pragma: no-cache`; Cognito's longer value includes them) [inf].
 */
export const TOKEN_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  // Lower-cased as a Reply keeps them (and as they go out): a signed token's Reply keeps this very object (frozen, as every answer shares it).
  'content-type': 'application/json;charset=UTF-8',
  'cache-control': 'no-cache, no-store, max-age=0, must-revalidate',
  pragma: 'no-cache',
  expires: '0',
})

/**
 * Cognito's token errors: a bare `{"error":"<code>"}`, HTTP 400, no
 * `error_description` and no `WWW-Authenticate` challenge, even for
 * invalid_client (PROVIDERS.md §5.3), where RFC 6749 §5.2 would allow 401.
 * Statuses that are not OAuth refusals (405, 413, 429, 5xx) keep their own.
 */
export function renderCognitoError(error: OAuthError): Reply {
  const status = error.status === 401 || error.status === 403 ? 400 : error.status
  const headers: Record<string, string> = { ...TOKEN_HEADERS }
  if (error.headers['Retry-After']) headers['Retry-After'] = error.headers['Retry-After']
  return new Reply(status, headers, JSON.stringify({ error: error.error }))
}

/**
 * `POST /oauth2/token`: "The client must pass their client_id and client_secret
 * in the Authorization header using Basic HTTP authorization", "The
 * content-type header must be application/x-www-form-urlencoded", "Only a
 * single parameter is required, grant_type=client_credentials". Other
 * parameters (`scope`, `audience`) are ignored (RFC 6749 §3.2; PROVIDERS.md §7 #24).
 *
 * The hot path: one indexed client lookup, one constant-time secret compare,
 * one asynchronous RS256 signature with a key imported at startup (or the
 * token already signed this second). Tokens are self-contained JWTs and are not stored.
 */
export const tokenEndpoint = defineRoute<CogoRuntime>({
  id: 'cogo.token',
  method: 'POST',
  path: COGO_TOKEN_PATH,
  origin: 'auth',
  renderError: renderCognitoError,
  resolve(ctx) {
    refusePlainHttp(ctx)
    if (mediaType(ctx.request) === 'application/json' && ctx.provider.strictness === 'strict') {
      ctx.hint(
        '"The content-type header must be application/x-www-form-urlencoded" (the document): send grant_type=client_credentials form-encoded, not as JSON.',
      )
    }
    const params = ctx.body({ accept: ['form'] })
    const grantType = params.value('grant_type')
    ctx.notes.grantType = grantType
    if (grantType === undefined) throw new InvalidRequest('The "grant_type" parameter is missing.', 'missing grant_type')
    if (grantType !== 'client_credentials') throw new UnsupportedGrantType(undefined, `grant_type ${grantType}`)
    // Basic only: body credentials are refused as invalid_client, and with a Basic header as two methods at once (RFC 6749 §2.3).
    let authenticated: AuthenticatedClient
    try {
      authenticated = authenticateTokenClient(ctx, params, { methods: ['client_secret_basic'] })
    } catch (error) {
      const basic = /^basic /i.test(ctx.request.headers.get('authorization') ?? '')
      if (params.has('client_secret')) {
        ctx.hint(
          basic
            ? 'The client authenticated twice: HTTP Basic and "client_secret" in the body; Cogo takes Basic only, so leave client_id and client_secret out of the body.'
            : '"The client must pass their client_id and client_secret in the Authorization header using Basic HTTP authorization" (the document): send Authorization: Basic base64(client_id:client_secret) instead of body parameters.',
        )
      }
      throw error
    }
    const { client } = authenticated
    if (client.grantTypes.length && !client.grantTypes.includes('client_credentials')) {
      throw new UnauthorizedClient(undefined, 'client not allowed client_credentials')
    }
    const { config, clock, store } = ctx.provider
    const key = store.keys.signing
    const broken = ctx.fault?.type === 'broken-token' ? ctx.fault.kind : undefined
    // @note an injected `broken-token` fault: the answer looks genuine (same members, expires_in 3600), only the API will refuse the token.
    const accessToken = broken
      ? mintBrokenCogoToken(ctx.provider, broken, { clientId: client.clientId, claims: broken === 'wrong-issuer' ? {} : { iss: issuerFor(ctx) } })
      : issueAccessToken(ctx.provider, key, client.clientId, issuerFor(ctx), clock.nowSeconds())
    const respond = (token: string): Reply => {
      ctx.notes.kid = key.kid
      // The document's example response, member for member.
      if (broken) {
        ctx.notes.brokenToken = broken
        return new Reply(200, TOKEN_HEADERS, JSON.stringify({ access_token: token, expires_in: config.accessTokenTtlSeconds, token_type: 'Bearer' }))
      }
      // JSON.stringify's bytes: a signed token is base64url and dots, which JSON leaves as they are, and all ASCII
      // (latin1 is its UTF-8). As bytes, the body the journal keeps is one object outside V8's heap rather than
      // the strings the token and body are concatenated from, which every scavenge would copy and promote.
      const body = '{"access_token":"' + token + '","expires_in":' + config.accessTokenTtlSeconds + ',"token_type":"Bearer"}'
      return Reply.normalized(200, TOKEN_HEADERS, Buffer.from(body, 'latin1'))
    }
    // A token already signed this second is answered at once; a new signature is awaited.
    return typeof accessToken === 'string' ? respond(accessToken) : accessToken.then(respond)
  },
})

/**
 * `GET /.well-known/jwks.json` on the auth origin, where Auth0 publishes its
 * keys (PROVIDERS.md §5.2), so a client can verify what it is given. A short
 * max-age [invented] lets clients that honour it see a rotation quickly.
 */
export const jwksEndpoint = defineRoute<CogoRuntime>({
  id: 'cogo.jwks',
  method: 'GET',
  path: COGO_JWKS_PATH,
  origin: 'auth',
  renderError: renderCognitoError,
  resolve(ctx) {
    refusePlainHttp(ctx)
    return new Reply(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'public, max-age=60' }, ctx.provider.store.keys.jwks)
  },
})
