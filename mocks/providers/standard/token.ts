import { createHash } from 'node:crypto'
import type { JWTPayload } from 'jose'
import { splitScopes, verifyCodeVerifier } from '../../core/authorize.js'
import { InvalidGrant, InvalidRequest, InvalidScope, OAuthError, UnauthorizedClient, UnsupportedGrantType } from '../../core/errors.js'
import type { Params } from '../../core/params.js'
import { Reply, type ReplyHeaders } from '../../core/reply.js'
import { defineRoute } from '../../core/routes.js'
import { randomBase64Url, randomHex } from '../../core/secrets.js'
import type { AuthorizationCode, Client } from '../../store/index.js'
import { checkResources } from './authorize.js'
import { authenticateStandardClient } from './client-auth.js'
import { resolveClientIdDocument } from './client-id-document.js'
import { clientMeta, STANDARD_PATHS, STANDARD_SCOPES, type StandardContext, type StandardRuntime, type StandardToken } from './config.js'
import { brokenIdToken, type BrokenIdTokenKind } from './broken-id-tokens.js'
import { applyDeviceUserScript } from './device-user.js'
import { dpopHeader, invalidDpopProof, verifyDpopProof } from './dpop.js'
import { signWith, type SigningAlg } from './keys.js'
import { DEVICE_CODE_GRANT, STANDARD_GRANT_TYPES } from './supported.js'

/** Scopes about a user: never granted to a client acting for itself. */
const USER_SCOPES = ['openid', 'profile', 'email', 'offline_access']

export const TOKEN_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' }
/** A token response's headers as `Reply.json(200, body, TOKEN_HEADERS)` leaves them (shared: a `Reply`'s headers are read, never changed). */
const TOKEN_REPLY_HEADERS: ReplyHeaders = Object.freeze({ 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' })

/** invalid_target (RFC 8707 §2) as a token-endpoint error. */
function invalidTarget(_error: string, description: string): OAuthError {
  return new OAuthError(400, 'invalid_target', description)
}

/** The resources of a token request: each known, and within `allowed` when the grant named some (RFC 8707 §2.2). */
function tokenResources(ctx: StandardContext, params: Params, allowed: string[]): string[] {
  // The params of a form body are that body's own entries: without "resource" it names none, and need not be parsed again.
  if (params.source === 'form' && !params.has('resource')) return allowed
  const requested = checkResources(ctx, new URLSearchParams(ctx.bodyText).getAll('resource').filter(Boolean), invalidTarget)
  if (!requested.length) return allowed
  const outside = allowed.length ? requested.filter((r) => !allowed.includes(r)) : []
  if (outside.length) throw new OAuthError(400, 'invalid_target', `The "resource" ${outside.join(' ')} was not part of the authorization grant.`)
  return requested
}

/** OIDC Core §3.1.3.6: the left half of the hash of the value, with the hash of the JWS algorithm (SHA-512 for Ed25519). */
export function halfHash(value: string, alg: SigningAlg): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256')
    .update(value)
    .digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}

export function signingAlgOf(ctx: StandardContext, client: Client): SigningAlg {
  return clientMeta(client).id_token_signed_response_alg ?? ctx.provider.config.idTokenSigningAlg
}

/** An ID token (OIDC Core §2, §3.1.3.6): `auth_time` always, `nonce` when the request had one, `at_hash` of the access token. */
export async function mintIdToken(
  ctx: StandardContext,
  client: Client,
  fields: { userId: string; authTimeMs: number | null; nonce?: string | null; accessToken: string },
  broken?: BrokenIdTokenKind,
): Promise<string> {
  const { clock, config, store } = ctx.provider
  const alg = signingAlgOf(ctx, client)
  const now = clock.nowSeconds()
  const claims: Record<string, unknown> = {
    iss: ctx.provider.baseUrl,
    sub: fields.userId,
    aud: client.clientId,
    exp: now + config.idTokenTtlSeconds,
    iat: now,
    at_hash: halfHash(fields.accessToken, alg),
  }
  if (fields.authTimeMs !== null) claims.auth_time = Math.floor(fields.authTimeMs / 1000)
  if (fields.nonce) claims.nonce = fields.nonce
  if (broken) return brokenIdToken(broken, store.keys.signing(alg), claims)
  return signWith(store.keys.signing(alg), claims)
}

interface IssueFields {
  userId: string | null
  scopes: string[]
  audience: string[]
  familyId: string
  authTimeMs: number | null
  withRefreshToken: boolean
  /** The DPoP key thumbprint the tokens are bound to (RFC 9449 §5), or null for Bearer tokens. */
  jkt: string | null
}

/** The tokens' record; synchronous for opaque access tokens, a promise when the access token is a JWT to sign. */
function issueTokens(ctx: StandardContext, client: Client, fields: IssueFields): StandardToken | Promise<StandardToken> {
  const now = ctx.provider.clock.nowMs()
  if (ctx.provider.config.accessTokenFormat === 'jwt')
    return jwtAccessToken(ctx, client, fields, now).then((token) => insertTokens(ctx, client, fields, now, token))
  return insertTokens(ctx, client, fields, now, randomBase64Url(32))
}

function insertTokens(ctx: StandardContext, client: Client, fields: IssueFields, now: number, token: string): StandardToken {
  const { config, store } = ctx.provider
  return store.tokens.insert({
    token,
    refreshToken: fields.withRefreshToken ? randomBase64Url(32) : null,
    clientId: client.clientId,
    userId: fields.userId,
    scopes: fields.scopes,
    audience: fields.audience,
    familyId: fields.familyId,
    authTimeMs: fields.authTimeMs,
    issuedAtMs: now,
    expiresAtMs: now + config.accessTokenTtlSeconds * 1000,
    refreshExpiresAtMs: fields.withRefreshToken ? now + config.refreshTokenTtlSeconds * 1000 : null,
    refreshRotatedAtMs: null,
    revokedAtMs: null,
    jkt: fields.jkt,
  })
}

/**
 * An access token as a JWT (RFC 9068 §2): signed like the ID tokens, typed
 * `at+jwt`, for resource servers that validate it with the JWKS. The server
 * still keeps its record, so revocation and introspection work as for opaque
 * tokens.
 */
function jwtAccessToken(ctx: StandardContext, client: Client, fields: IssueFields, nowMs: number): Promise<string> {
  const { config, store, baseUrl } = ctx.provider
  const iat = Math.floor(nowMs / 1000)
  const claims: JWTPayload = {
    iss: baseUrl,
    // RFC 9068 §3: the resource(s) asked for (RFC 8707); with none, the authorization server itself (its UserInfo).
    aud: fields.audience.length === 1 ? fields.audience[0] : fields.audience.length ? fields.audience : baseUrl,
    // RFC 9068 §2.2: without a resource owner (client credentials), the client is the subject.
    sub: fields.userId ?? client.clientId,
    client_id: client.clientId,
    iat,
    exp: iat + config.accessTokenTtlSeconds,
    jti: randomBase64Url(16),
  }
  if (fields.scopes.length) claims.scope = fields.scopes.join(' ')
  if (fields.authTimeMs !== null) claims.auth_time = Math.floor(fields.authTimeMs / 1000)
  // RFC 9449 §6.1: a DPoP-bound token carries its key's thumbprint.
  if (fields.jkt) claims.cnf = { jkt: fields.jkt }
  return signWith(store.keys.signing(config.idTokenSigningAlg), claims, { typ: 'at+jwt' })
}

/** Revokes every token of a family: a replayed code or a reused refresh token (RFC 6749 §4.1.2, RFC 9700 §4.14.2). */
export function revokeFamily(ctx: StandardContext, familyId: string): number {
  const { store, clock } = ctx.provider
  const now = clock.nowMs()
  let revoked = 0
  for (const token of store.tokens.collection.findMany((q) => q.where({ familyId }))) {
    if (token.revokedAtMs === null) {
      store.tokens.patch(token, { revokedAtMs: now })
      revoked++
    }
  }
  return revoked
}

function wantsRefreshToken(client: Client): boolean {
  return client.grantTypes.includes('refresh_token')
}

/**
 * How the ID token of this response is to be broken, if at all: an injected
 * `broken-token` fault on `standard.token`, else the one-shot
 * `break-next-id-token` control (consumed here).
 */
function takeBrokenIdTokenKind(ctx: StandardContext): BrokenIdTokenKind | undefined {
  if (ctx.fault?.type === 'broken-token') return ctx.fault.kind
  const pending = ctx.provider.store.pendingIdTokenBreak
  if (!pending) return undefined
  ctx.provider.store.pendingIdTokenBreak = undefined
  return pending
}

interface Issued {
  token: StandardToken
  idToken?: string
}

async function withIdToken(ctx: StandardContext, client: Client, token: StandardToken, nonce?: string | null): Promise<Issued> {
  if (!token.userId || !token.scopes.includes('openid')) return { token }
  const broken = takeBrokenIdTokenKind(ctx)
  // For the ID token rules: which answer carried the broken token, and how it is broken.
  if (broken) ctx.notes.brokenIdToken = broken
  return { token, idToken: await mintIdToken(ctx, client, { userId: token.userId, authTimeMs: token.authTimeMs, nonce, accessToken: token.token }, broken) }
}

/** RFC 6749 §4.1.3 with RFC 7636 §4.6: the code once, by its client, with its redirect URI and the PKCE verifier. */
async function authorizationCodeGrant(ctx: StandardContext, client: Client, params: Params, jkt: string | null): Promise<Issued> {
  const { store, clock } = ctx.provider
  const code = store.codes.by('code', params.require('code'))
  if (!code || code.clientId !== client.clientId)
    throw new InvalidGrant('The authorization code is invalid or was issued to another client.', code ? 'code of another client' : 'unknown code')
  const now = clock.nowMs()
  if (code.redeemedAtMs !== null) {
    ctx.notes.codeReplay = true
    if (code.familyId) ctx.notes.revokedTokens = revokeFamily(ctx, code.familyId)
    throw new InvalidGrant('The authorization code was already used; the tokens issued for it are revoked.', 'code replay')
  }
  if (now >= code.expiresAtMs) throw new InvalidGrant('The authorization code expired.', 'code expired')
  const redirectUri = params.require('redirect_uri')
  if (redirectUri !== code.redirectUri) throw new InvalidGrant('The "redirect_uri" differs from the one of the authorization request.', 'redirect_uri mismatch')
  const verifier = params.value('code_verifier')
  if (verifier === undefined)
    throw new InvalidGrant('The "code_verifier" is missing; the authorization request had a code_challenge (RFC 7636 §4.5).', 'missing code_verifier')
  if (!verifyCodeVerifier({ codeChallenge: code.codeChallenge, codeChallengeMethod: 'S256' } as AuthorizationCode, verifier)) {
    throw new InvalidGrant('The "code_verifier" does not match the code_challenge (RFC 7636 §4.6).', 'PKCE mismatch')
  }
  // @see RFC 9449 §10: a code bound to a DPoP key is redeemed only with a proof of that key.
  if (code.dpopJkt !== null && jkt !== code.dpopJkt)
    throw invalidDpopProof(
      jkt === null
        ? 'The authorization code is bound to a DPoP key ("dpop_jkt"); send a DPoP proof made with it (RFC 9449 §10).'
        : 'The DPoP proof was made with another key than the one the authorization code is bound to ("dpop_jkt", RFC 9449 §10).',
    )
  const audience = tokenResources(ctx, params, code.resources)
  const familyId = randomHex(12)
  store.codes.patch(code, { redeemedAtMs: now, familyId })
  const token = await issueTokens(ctx, client, {
    userId: code.userId,
    scopes: code.scopes,
    audience,
    familyId,
    authTimeMs: code.authTimeMs,
    withRefreshToken: wantsRefreshToken(client),
    jkt,
  })
  return withIdToken(ctx, client, token, code.nonce)
}

/**
 * RFC 6749 §6 with rotation (OAuth 2.1 §4.3.1): each refresh token works once.
 * Presenting one that was already rotated is reuse: the whole family is
 * revoked, the legitimate client's newest tokens included (RFC 9700 §4.14.2).
 */
async function refreshTokenGrant(ctx: StandardContext, client: Client, params: Params, jkt: string | null): Promise<Issued> {
  const { clock } = ctx.provider
  const previous = ctx.provider.store.tokens.by('refreshToken', params.require('refresh_token'))
  if (!previous || previous.clientId !== client.clientId)
    throw new InvalidGrant(
      'The refresh token is invalid or was issued to another client.',
      previous ? 'refresh token of another client' : 'unknown refresh token',
    )
  const now = clock.nowMs()
  if (previous.revokedAtMs !== null) throw new InvalidGrant('The refresh token was revoked.', 'revoked refresh token')
  if (previous.refreshRotatedAtMs !== null) {
    ctx.notes.refreshTokenReuse = true
    ctx.notes.revokedTokens = revokeFamily(ctx, previous.familyId)
    throw new InvalidGrant('The refresh token was already used; every token of this grant is revoked (RFC 9700 §4.14.2).', 'refresh token reuse')
  }
  if (previous.refreshExpiresAtMs !== null && now >= previous.refreshExpiresAtMs) throw new InvalidGrant('The refresh token expired.', 'refresh token expired')
  const requested = splitScopes(params.value('scope'), / +/)
  const wider = requested.filter((s) => !previous.scopes.includes(s))
  if (wider.length) throw new InvalidScope(`The scope ${wider.join(' ')} was not granted; a refresh may only narrow the scope.`, 'refresh widens scope')
  // @see RFC 9449 §5.0: a public client's refresh token is bound to its DPoP key; the refresh must prove the same key.
  if (previous.jkt !== null && clientMeta(client).token_endpoint_auth_method === 'none' && jkt !== previous.jkt) {
    throw invalidDpopProof(
      jkt === null
        ? 'This refresh token is bound to a DPoP key; send a DPoP proof made with it (RFC 9449 §5.0).'
        : 'The DPoP proof was made with another key than the one this refresh token is bound to (RFC 9449 §5.0).',
    )
  }
  const audience = tokenResources(ctx, params, previous.audience)
  ctx.provider.store.tokens.patch(previous, { refreshRotatedAtMs: now })
  const token = await issueTokens(ctx, client, {
    userId: previous.userId,
    scopes: requested.length ? requested : previous.scopes,
    audience,
    familyId: previous.familyId,
    authTimeMs: previous.authTimeMs,
    withRefreshToken: true,
    jkt,
  })
  return withIdToken(ctx, client, token)
}

/** RFC 6749 §4.4: confidential clients only, no user scopes, no refresh token (§4.4.3). */
function clientCredentialsGrant(ctx: StandardContext, client: Client, params: Params, jkt: string | null): Issued | Promise<Issued> {
  if (clientMeta(client).token_endpoint_auth_method === 'none')
    throw new UnauthorizedClient('Public clients cannot use the client_credentials grant.', 'public client')
  const requested = splitScopes(params.value('scope'), / +/)
  // Refused: a user scope, or one outside the client's scopes (the server's, when it registered none).
  const refused = requested.filter((s) => USER_SCOPES.includes(s) || !(client.scopes.length ? client.scopes.includes(s) : Object.hasOwn(STANDARD_SCOPES, s)))
  if (refused.length) throw new InvalidScope(`The scope ${refused.join(' ')} is not available to the client_credentials grant.`, 'client credentials scope')
  const audience = tokenResources(ctx, params, [])
  const token = issueTokens(ctx, client, {
    userId: null,
    scopes: requested,
    audience,
    familyId: randomHex(12),
    authTimeMs: null,
    withRefreshToken: false,
    jkt,
  })
  return token instanceof Promise ? token.then((issued) => ({ token: issued })) : { token }
}

/** RFC 8628 §3.4-§3.5: pending until the user decides, `slow_down` (+5 s) when polled faster than the interval. */
async function deviceCodeGrant(ctx: StandardContext, client: Client, params: Params, jkt: string | null): Promise<Issued> {
  const { store, clock } = ctx.provider
  const found = store.deviceCodes.by('deviceCode', params.require('device_code'))
  if (!found || found.clientId !== client.clientId)
    throw new InvalidGrant('The device code is invalid or was issued to another client.', found ? 'device code of another client' : 'unknown device code')
  const { device, slowDown } = applyDeviceUserScript(ctx, found)
  const now = clock.nowMs()
  if (device.status === 'redeemed') throw new InvalidGrant('The device code was already used.', 'device code replay')
  if (now >= device.expiresAtMs) throw new OAuthError(400, 'expired_token', 'The device code expired; start a new device authorization request.')
  if (device.status === 'denied') throw new OAuthError(400, 'access_denied', 'The user denied the request.')
  const tooSoon = (device.lastPollMs !== null && now - device.lastPollMs < device.intervalSeconds * 1000) || slowDown
  const interval = tooSoon ? device.intervalSeconds + 5 : device.intervalSeconds
  store.deviceCodes.patch(device, { lastPollMs: now, intervalSeconds: interval })
  if (tooSoon) {
    ctx.notes.slowDown = true
    throw new OAuthError(400, 'slow_down', `Polling too fast: wait at least ${interval} seconds between requests.`)
  }
  if (device.status === 'pending') throw new OAuthError(400, 'authorization_pending', 'The user has not completed the authorization yet.')
  store.deviceCodes.patch(device, { status: 'redeemed' })
  const token = await issueTokens(ctx, client, {
    userId: device.userId,
    scopes: device.scopes,
    audience: device.resources,
    familyId: randomHex(12),
    authTimeMs: device.authTimeMs,
    withRefreshToken: wantsRefreshToken(client),
    jkt,
  })
  return withIdToken(ctx, client, token)
}

type Grant = (ctx: StandardContext, client: Client, params: Params, jkt: string | null) => Issued | Promise<Issued>

const GRANTS: Record<string, Grant> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
  [DEVICE_CODE_GRANT]: deviceCodeGrant,
}

export function tokenResponse(ctx: StandardContext, { token, idToken }: Issued): Reply {
  const body: Record<string, string | number> = {
    access_token: token.token,
    // RFC 9449 §5: a DPoP-bound access token is of type DPoP.
    token_type: token.jkt ? 'DPoP' : 'Bearer',
    expires_in: Math.round((token.expiresAtMs - ctx.provider.clock.nowMs()) / 1000),
  }
  // RFC 6749 §5.1: the granted scope; none granted, none said.
  if (token.scopes.length) body.scope = token.scopes.join(' ')
  if (token.refreshToken) body.refresh_token = token.refreshToken
  if (idToken) body.id_token = idToken
  return Reply.normalized(200, TOKEN_REPLY_HEADERS, JSON.stringify(body))
}

/**
 * The token endpoint (RFC 6749 §3.2): grant type, client-id document, client
 * authentication, grant registered, DPoP, then the grant. Synchronous when
 * none of these is asynchronous (a client_credentials request with a secret, no
 * DPoP proof, an opaque token): each step goes on without a promise when it has none.
 */
export const tokenRoute = defineRoute<StandardRuntime>({
  id: 'standard.token',
  method: 'POST',
  path: STANDARD_PATHS.token,
  resolve(ctx) {
    const params = ctx.body()
    const grantType = params.value('grant_type')
    ctx.notes.grantType = grantType
    if (!grantType) throw new InvalidRequest('The "grant_type" parameter is missing.', 'missing grant_type')
    const grant = Object.hasOwn(GRANTS, grantType) ? GRANTS[grantType] : undefined
    if (!grant) throw new UnsupportedGrantType(`The grant_type "${grantType}" is not supported (${STANDARD_GRANT_TYPES.join(', ')}).`)
    const document = resolveClientIdDocument(ctx, params.value('client_id'))
    return document ? document.then(() => authenticated(ctx, params, grantType, grant)) : authenticated(ctx, params, grantType, grant)
  },
})

/** {@link tokenRoute} from client authentication on. */
function authenticated(ctx: StandardContext, params: Params, grantType: string, grant: Grant): Reply | Promise<Reply> {
  const authentication = authenticateStandardClient(ctx, params, { allowNone: true })
  return authentication instanceof Promise
    ? authentication.then(({ client }) => granted(ctx, params, grantType, grant, client))
    : granted(ctx, params, grantType, grant, authentication.client)
}

/** {@link tokenRoute} once the client is known: the grant registered, the DPoP proof if any, the grant. */
function granted(ctx: StandardContext, params: Params, grantType: string, grant: Grant, client: Client): Reply | Promise<Reply> {
  if (!client.grantTypes.includes(grantType))
    throw new UnauthorizedClient(`This client is not registered for the ${grantType} grant.`, `grant ${grantType} not registered`)
  const proof = dpopHeader(ctx)
  // @see RFC 9449 §5.2: a client registered with dpop_bound_access_tokens gets no Bearer token.
  if (proof === undefined && clientMeta(client).dpop_bound_access_tokens)
    throw invalidDpopProof('This client is registered with "dpop_bound_access_tokens": its token requests need a DPoP proof (RFC 9449 §5.2).')
  if (proof === undefined) return answered(ctx, grant(ctx, client, params, null))
  return verifyDpopProof(ctx, proof).then((jkt) => {
    if (jkt) ctx.notes.dpopJkt = jkt
    return answered(ctx, grant(ctx, client, params, jkt))
  })
}

function answered(ctx: StandardContext, issued: Issued | Promise<Issued>): Reply | Promise<Reply> {
  return issued instanceof Promise ? issued.then((done) => tokenResponse(ctx, done)) : tokenResponse(ctx, issued)
}
