import { authenticateBearer, bearerChallenge } from '../../core/bearer.js'
import { InsufficientScope, OAuthError, quoteAuthParam, renderTokenError } from '../../core/errors.js'
import { Reply } from '../../core/reply.js'
import { defineRoute, type RouteDefinition } from '../../core/routes.js'
import { CLIENT_ASSERTION_ALGS, authenticateStandardClient } from './client-auth.js'
import { STANDARD_AUTH_METHODS, STANDARD_GRANT_TYPES } from './supported.js'
import {
  clientMeta,
  endpointUrl,
  resourceUrlOf,
  STANDARD_PATHS,
  STANDARD_RESOURCE_PATH,
  STANDARD_SCOPES,
  STANDARD_SIGNING_ALGS,
  type StandardContext,
  type StandardRuntime,
  type StandardToken,
} from './config.js'
import { authorizationScheme, checkDpopBinding, dpopChallenge, DPOP_SIGNING_ALGS } from './dpop.js'
import { signWith } from './keys.js'
import { registerRoute } from './registration.js'
import { TOKEN_HEADERS, revokeFamily } from './token.js'

const JSON_HEADERS = { 'Cache-Control': 'no-store' }
/** Metadata may be cached briefly; it changes only with the configuration. */
const METADATA_HEADERS = { 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' }

export const PROTECTED_RESOURCE_METADATA_PATH = `/.well-known/oauth-protected-resource${STANDARD_RESOURCE_PATH}`

/** RFC 8414 §2 and OIDC Discovery §3: everything here is what the server does, and nothing it does not. */
export function serverMetadata(provider: StandardRuntime): Record<string, unknown> {
  const issuer = provider.baseUrl
  const authMethods = [...STANDARD_AUTH_METHODS]
  // @see draft-ietf-oauth-client-id-metadata-document §5: said only when enabled.
  const clientIdDocuments = provider.config.clientIdMetadataDocuments ? { client_id_metadata_document_supported: true } : {}
  return {
    ...clientIdDocuments,
    issuer,
    authorization_endpoint: issuer + STANDARD_PATHS.authorize,
    token_endpoint: endpointUrl(provider, 'token'),
    jwks_uri: issuer + STANDARD_PATHS.jwks,
    userinfo_endpoint: endpointUrl(provider, 'userinfo'),
    registration_endpoint: endpointUrl(provider, 'register'),
    revocation_endpoint: endpointUrl(provider, 'revoke'),
    introspection_endpoint: endpointUrl(provider, 'introspect'),
    device_authorization_endpoint: issuer + STANDARD_PATHS.deviceAuthorization,
    pushed_authorization_request_endpoint: issuer + STANDARD_PATHS.pushedAuthorizationRequest,
    // RFC 9126 §5: required per client (its `require_pushed_authorization_requests`), not server-wide.
    require_pushed_authorization_requests: false,
    dpop_signing_alg_values_supported: DPOP_SIGNING_ALGS,
    scopes_supported: Object.keys(STANDARD_SCOPES),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: STANDARD_GRANT_TYPES,
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    introspection_endpoint_auth_methods_supported: authMethods.filter((m) => m !== 'none'),
    introspection_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...STANDARD_SIGNING_ALGS],
    userinfo_signing_alg_values_supported: [...STANDARD_SIGNING_ALGS],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'at_hash',
      'name',
      'given_name',
      'family_name',
      'preferred_username',
      'email',
      'email_verified',
    ],
    prompt_values_supported: ['none', 'login', 'consent'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    // OIDC Discovery §3 defaults this one to true: said explicitly.
    request_uri_parameter_supported: false,
    authorization_response_iss_parameter_supported: true,
  }
}

function json(body: unknown, status = 200, headers: Record<string, string> = JSON_HEADERS): Reply {
  return Reply.json(status, body, headers)
}

const discoveryRoutes: RouteDefinition<StandardRuntime>[] = [
  defineRoute<StandardRuntime>({
    id: 'standard.openid-configuration',
    method: 'GET',
    path: '/.well-known/openid-configuration',
    resolve: (ctx) => json(serverMetadata(ctx.provider), 200, METADATA_HEADERS),
  }),
  defineRoute<StandardRuntime>({
    id: 'standard.oauth-authorization-server',
    method: 'GET',
    path: '/.well-known/oauth-authorization-server',
    resolve: (ctx) => json(serverMetadata(ctx.provider), 200, METADATA_HEADERS),
  }),
  defineRoute<StandardRuntime>({
    id: 'standard.jwks',
    method: 'GET',
    path: STANDARD_PATHS.jwks,
    resolve: (ctx) =>
      new Reply(
        200,
        { 'Content-Type': 'application/jwk-set+json', 'Cache-Control': 'no-cache', 'Access-Control-Allow-Origin': '*' },
        ctx.provider.store.keys.jwks,
      ),
  }),
  defineRoute<StandardRuntime>({
    id: 'standard.protected-resource-metadata',
    method: 'GET',
    path: PROTECTED_RESOURCE_METADATA_PATH,
    // RFC 9728 §2-§3.
    resolve: (ctx) =>
      json(
        {
          resource: resourceUrlOf(ctx.provider),
          authorization_servers: [ctx.provider.baseUrl],
          scopes_supported: ['api:read', 'api:write'],
          bearer_methods_supported: ['header'],
          dpop_signing_alg_values_supported: DPOP_SIGNING_ALGS,
          resource_name: 'oauth-dance standard API',
        },
        200,
        METADATA_HEADERS,
      ),
  }),
]

function findToken(ctx: StandardContext, value: string): StandardToken | undefined {
  return ctx.provider.store.tokens.by('token', value)
}

/** UserInfo (OIDC Core §5.3): a Bearer token with `openid`; claims by scope; a signed JWT when the client registered an alg. */
async function userinfo(ctx: StandardContext): Promise<Reply> {
  const realm = ctx.provider.baseUrl
  const scheme = authorizationScheme(ctx)
  const { token } = authenticateBearer(ctx as never, {
    realm,
    scheme,
    placements: scheme === 'DPoP' ? ['header'] : ['header', 'body'],
    scopes: ['openid'],
    findToken: (v) => findToken(ctx, v) as never,
  })
  const stored = token as unknown as StandardToken
  try {
    await checkDpopBinding(ctx, stored, scheme)
  } catch (error) {
    if (error instanceof OAuthError)
      error.headers['WWW-Authenticate'] =
        error.error === 'invalid_dpop_proof' || error.error === 'use_dpop_nonce' ? dpopChallenge(error) : bearerChallenge(realm, error)
    throw error
  }
  const user = stored.userId ? ctx.provider.store.users.by('id', stored.userId) : undefined
  if (!user) {
    const error = new InsufficientScope('This token was issued to a client acting for itself; it has no user.', 'client credentials token at userinfo')
    error.headers['WWW-Authenticate'] = bearerChallenge(realm, error)
    throw error
  }
  const profile = user.profile as Record<string, unknown>
  const claims: Record<string, unknown> = { sub: user.id }
  if (ctx.provider.store.pendingUserinfoWrongSub) {
    ctx.provider.store.pendingUserinfoWrongSub = undefined
    claims.sub = 'someone-else'
    ctx.notes.brokenUserinfo = 'wrong-sub'
  }
  if (stored.scopes.includes('profile'))
    for (const k of ['name', 'given_name', 'family_name', 'preferred_username']) if (profile[k] !== undefined) claims[k] = profile[k]
  if (stored.scopes.includes('email')) for (const k of ['email', 'email_verified']) if (profile[k] !== undefined) claims[k] = profile[k]
  const client = ctx.provider.store.clients.by('clientId', stored.clientId)
  const alg = client ? clientMeta(client).userinfo_signed_response_alg : undefined
  if (client && alg) {
    const signed = await signWith(ctx.provider.store.keys.signing(alg), { ...claims, iss: ctx.provider.baseUrl, aud: client.clientId })
    return new Reply(200, { 'Content-Type': 'application/jwt', 'Cache-Control': 'no-store' }, signed)
  }
  return json(claims)
}

function renderBearerJsonError(error: OAuthError): Reply {
  return renderTokenError(error)
}

const userinfoRoute = defineRoute<StandardRuntime>({
  id: 'standard.userinfo',
  method: ['GET', 'POST'],
  path: STANDARD_PATHS.userinfo,
  renderError: renderBearerJsonError,
  resolve: userinfo,
})

/** RFC 7009: revoking a refresh token revokes its whole grant (§2.1: SHOULD); unknown or foreign tokens get 200 all the same (§2.2). */
const revokeRoute = defineRoute<StandardRuntime>({
  id: 'standard.revoke',
  method: 'POST',
  path: STANDARD_PATHS.revoke,
  async resolve(ctx) {
    const params = ctx.body()
    const { client } = await authenticateStandardClient(ctx, params, { allowNone: true })
    const value = params.require('token')
    const hint = params.value('token_type_hint')
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      throw new OAuthError(400, 'unsupported_token_type', `The token_type_hint "${hint}" is not supported (access_token, refresh_token).`)
    }
    const { tokens } = ctx.provider.store
    const byRefresh = tokens.by('refreshToken', value)
    const token = byRefresh ?? tokens.by('token', value)
    if (token && token.clientId === client.clientId) {
      if (byRefresh) ctx.notes.revokedTokens = revokeFamily(ctx, token.familyId)
      else if (token.revokedAtMs === null) tokens.patch(token, { revokedAtMs: ctx.provider.clock.nowMs() })
      ctx.notes.revoked = true
    }
    return new Reply(200, TOKEN_HEADERS, null)
  },
})

/** RFC 7662: for authenticated confidential clients (resource servers); `active: false` says nothing more (§2.2). */
const introspectRoute = defineRoute<StandardRuntime>({
  id: 'standard.introspect',
  method: 'POST',
  path: STANDARD_PATHS.introspect,
  async resolve(ctx) {
    const params = ctx.body()
    await authenticateStandardClient(ctx, params)
    const value = params.require('token')
    const { tokens } = ctx.provider.store
    const byRefresh = tokens.by('refreshToken', value)
    const token = byRefresh ?? tokens.by('token', value)
    const now = ctx.provider.clock.nowMs()
    const expiresAtMs = byRefresh ? byRefresh.refreshExpiresAtMs : token?.expiresAtMs
    const active = token && token.revokedAtMs === null && (expiresAtMs == null || now < expiresAtMs) && !(byRefresh && byRefresh.refreshRotatedAtMs !== null)
    if (!token || !active) return json({ active: false })
    const body: Record<string, unknown> = {
      active: true,
      scope: token.scopes.join(' '),
      client_id: token.clientId,
      token_type: byRefresh ? 'refresh_token' : token.jkt ? 'DPoP' : 'Bearer',
      exp: expiresAtMs == null ? undefined : Math.floor(expiresAtMs / 1000),
      iat: Math.floor(token.issuedAtMs / 1000),
      iss: ctx.provider.baseUrl,
    }
    if (token.userId) {
      body.sub = token.userId
      const user = ctx.provider.store.users.by('id', token.userId)
      if (user) body.username = user.username
    }
    // @see RFC 9449 §6.2: the key a DPoP-bound token is bound to.
    if (token.jkt) body.cnf = { jkt: token.jkt }
    if (token.audience.length) body.aud = token.audience.length === 1 ? token.audience[0] : token.audience
    return json(body)
  },
})

/**
 * The protected resource: 401 with `resource_metadata` (RFC 9728 §5.1) until
 * given a live token whose audience is this resource (RFC 8707); `api:write`
 * for anything but reads.
 */
async function protectedResource(ctx: StandardContext): Promise<Reply> {
  const resource = resourceUrlOf(ctx.provider)
  const metadataUrl = ctx.provider.baseUrl + PROTECTED_RESOURCE_METADATA_PATH
  const challenge = (error?: OAuthError) => {
    let value = `Bearer resource_metadata=${quoteAuthParam(metadataUrl)}`
    if (error) value += `, error=${quoteAuthParam(error.error)}, error_description=${quoteAuthParam(error.description)}`
    if (error?.error === 'insufficient_scope') value += `, scope="api:write"`
    return value
  }
  const write = !['GET', 'HEAD'].includes(ctx.request.method.toUpperCase())
  let stored: StandardToken
  const scheme = authorizationScheme(ctx)
  try {
    const { token } = authenticateBearer(ctx as never, { realm: resource, scheme, placements: ['header'], findToken: (v) => findToken(ctx, v) as never })
    stored = token as unknown as StandardToken
    await checkDpopBinding(ctx, stored, scheme)
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error
    if (error.error === 'invalid_dpop_proof' || error.error === 'use_dpop_nonce')
      return new Reply(
        401,
        { ...error.headers, 'WWW-Authenticate': dpopChallenge(error), 'Cache-Control': 'no-store', 'Content-Type': 'application/json' },
        JSON.stringify({ error: error.error, error_description: error.description }),
      )
    // @see RFC 6750 §3.1: a request without a token gets the challenge alone, no error code.
    if (error.description === 'The access token is missing.') return new Reply(401, { 'WWW-Authenticate': challenge(), 'Cache-Control': 'no-store' }, null)
    return new Reply(
      error.status,
      { 'WWW-Authenticate': challenge(error), 'Cache-Control': 'no-store', 'Content-Type': 'application/json' },
      JSON.stringify({ error: error.error, error_description: error.description }),
    )
  }
  const refuse = (error: OAuthError) =>
    new Reply(
      error.status,
      { 'WWW-Authenticate': challenge(error), 'Cache-Control': 'no-store', 'Content-Type': 'application/json' },
      JSON.stringify({ error: error.error, error_description: error.description }),
    )
  if (!stored.audience.includes(resource)) {
    ctx.notes.wrongAudience = stored.audience
    return refuse(
      new OAuthError(
        401,
        'invalid_token',
        `The access token was not issued for this resource (its audience: ${stored.audience.join(', ') || 'none'}; RFC 8707).`,
      ),
    )
  }
  const needed = write ? 'api:write' : 'api:read'
  if (!stored.scopes.includes(needed)) return refuse(new InsufficientScope(`The access token lacks the "${needed}" scope.`))
  return json({
    resource,
    path: ctx.url.pathname,
    method: ctx.request.method.toUpperCase(),
    sub: stored.userId,
    client_id: stored.clientId,
    scope: stored.scopes.join(' '),
  })
}

const resourceRoutes: RouteDefinition<StandardRuntime>[] = [
  defineRoute<StandardRuntime>({
    id: 'standard.resource',
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    path: STANDARD_RESOURCE_PATH,
    resolve: protectedResource,
  }),
  defineRoute<StandardRuntime>({
    id: 'standard.resource-path',
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    path: `${STANDARD_RESOURCE_PATH}/*`,
    resolve: protectedResource,
  }),
]

export const endpointRoutes: RouteDefinition<StandardRuntime>[] = [
  ...discoveryRoutes,
  userinfoRoute,
  revokeRoute,
  introspectRoute,
  registerRoute,
  ...resourceRoutes,
]
