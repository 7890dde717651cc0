import { formUrlDecode, readBasicCredentials, withBasicChallenge } from '../../core/client-auth.js'
import { InvalidClient, InvalidRequest } from '../../core/errors.js'
import type { Params } from '../../core/params.js'
import { secretsEqual } from '../../core/secrets.js'
import type { Client } from '../../store/index.js'
import { clientMeta, endpointUrl, type StandardContext, type StandardClientMeta } from './config.js'
import { findStandardClient } from './client-id-document.js'
import type { StandardAuthMethod } from './supported.js'
import { lazy } from '../../core/lazy-dependency.js'

/** The jose functions a client assertion's check needs, loaded with the first assertion rather than at start. */
const jose = lazy(async () => {
  const [{ decodeProtectedHeader }, joseErrors, { createLocalJWKSet }, { jwtVerify }] = await Promise.all([
    import('jose/decode/protected_header'),
    import('jose/errors'),
    import('jose/jwks/local'),
    import('jose/jwt/verify'),
  ])
  return { decodeProtectedHeader, joseErrors, createLocalJWKSet, jwtVerify }
})

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
export const CLIENT_ASSERTION_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA']

const REALM = 'standard'
/** Largest lifetime a client assertion may claim (RFC 7523 §3 lets the server bound `exp`); also how long its `jti` is remembered. */
const MAX_ASSERTION_LIFETIME_SECONDS = 600

interface Authenticated {
  client: Client
  method: StandardAuthMethod
}

/** Secret-based clients may use either secret method; the others only the one they registered. */
function methodFits(meta: StandardClientMeta, used: StandardAuthMethod): boolean {
  const registered = meta.token_endpoint_auth_method
  if (registered === 'client_secret_basic' || registered === 'client_secret_post') return used === 'client_secret_basic' || used === 'client_secret_post'
  return registered === used
}

/**
 * Authenticates the client of a token, revocation, introspection or device
 * authorization request: exactly one method (RFC 6749 §2.3), Basic decoded as
 * RFC 6749 §2.3.1 says (no raw fallback), `private_key_jwt` as RFC 7523 §3
 * with each `jti` accepted once, `none` only for public clients.
 */
export function authenticateStandardClient(
  ctx: StandardContext,
  params: Params,
  options: { allowNone?: boolean } = {},
): Authenticated | Promise<Authenticated> {
  const basic = readBasicCredentials(ctx.request)
  const assertionType = params.value('client_assertion_type')
  const assertion = params.value('client_assertion')
  const bodySecret = params.value('client_secret')
  const bodyId = params.value('client_id')
  const used = [
    basic && 'HTTP Basic',
    bodySecret !== undefined && '"client_secret"',
    (assertion !== undefined || assertionType !== undefined) && '"client_assertion"',
  ].filter(Boolean)
  if (used.length > 1)
    throw new InvalidRequest(
      `The client used more than one authentication method (${used.join(', ')}); RFC 6749 §2.3 allows one.`,
      'several client auth methods',
    )

  let client: Client | undefined
  let method: StandardAuthMethod
  if (basic) {
    // RFC 6749 §2.3.1: the Basic user and password are form-urlencoded before base64.
    const id = formUrlDecode(basic.rawId)
    const secret = formUrlDecode(basic.rawSecret)
    if (id === undefined || secret === undefined)
      throw withBasicChallenge(
        new InvalidClient(
          'Client authentication failed: the Basic credentials are not form-urlencoded (RFC 6749 §2.3.1).',
          'malformed percent-encoding in Basic',
        ),
        REALM,
      )
    if (bodyId !== undefined && bodyId !== id)
      throw new InvalidRequest('The "client_id" parameter does not match the authenticated client.', 'client_id differs from Basic')
    client = findStandardClient(ctx.provider, id)
    if (!client || !client.clientSecret || !secretsEqual(secret, client.clientSecret))
      throw withBasicChallenge(new InvalidClient(undefined, `Basic credentials for "${id}" rejected`), REALM)
    method = 'client_secret_basic'
  } else if (bodySecret !== undefined) {
    if (bodyId === undefined) throw new InvalidRequest('The "client_id" parameter is missing.', 'client_secret without client_id')
    client = findStandardClient(ctx.provider, bodyId)
    if (!client || !client.clientSecret || !secretsEqual(bodySecret, client.clientSecret))
      throw new InvalidClient(undefined, `body credentials for "${bodyId}" rejected`)
    method = 'client_secret_post'
  } else if (assertion !== undefined || assertionType !== undefined) {
    if (assertionType !== JWT_BEARER_ASSERTION_TYPE)
      throw new InvalidClient(`Client authentication failed: "client_assertion_type" must be ${JWT_BEARER_ASSERTION_TYPE}.`, `assertion type ${assertionType}`)
    if (assertion === undefined) throw new InvalidRequest('The "client_assertion" parameter is missing.', 'missing client_assertion')
    // Only an assertion's check is asynchronous: the secret methods answer without a promise.
    return verifyClientAssertion(ctx, assertion, bodyId).then((asserted) => accepted(ctx, asserted, 'private_key_jwt'))
  } else {
    if (bodyId === undefined) throw new InvalidClient('Client authentication failed: no client authentication included.', 'no client credentials')
    client = findStandardClient(ctx.provider, bodyId)
    if (!client) throw new InvalidClient(undefined, `unknown client "${bodyId}"`)
    method = 'none'
    if (!options.allowNone && clientMeta(client).token_endpoint_auth_method === 'none') {
      throw new InvalidClient('Client authentication failed: public clients cannot use this endpoint.', 'public client refused')
    }
  }
  return accepted(ctx, client, method)
}

/** A client authenticated with `method`, if it is one its registration allows. */
function accepted(ctx: StandardContext, client: Client, method: StandardAuthMethod): Authenticated {
  if (!methodFits(clientMeta(client), method)) {
    const registered = clientMeta(client).token_endpoint_auth_method
    const error = new InvalidClient(
      `Client authentication failed: this client is registered for ${registered}, not ${method}.`,
      `registered ${registered}, used ${method}`,
    )
    throw method === 'client_secret_basic' ? withBasicChallenge(error, REALM) : error
  }
  ctx.notes.clientAuthMethod = method
  ctx.notes.clientId = client.clientId
  return { client, method }
}

/**
 * RFC 7523 §3: `iss` and `sub` are the client id, `aud` names this server (its
 * issuer or its token endpoint), `exp` is in the future (and not too far),
 * `jti` is new; signed by a key of the client's registered JWKS.
 */
async function verifyClientAssertion(ctx: StandardContext, assertion: string, bodyId: string | undefined): Promise<Client> {
  const { store, clock } = ctx.provider
  const fail = (description: string, detail: string) => new InvalidClient(`Client authentication failed: ${description}`, detail)
  const { decodeProtectedHeader, joseErrors, createLocalJWKSet, jwtVerify } = await jose()
  let claimed: unknown
  try {
    const [, payload] = assertion.split('.')
    claimed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    decodeProtectedHeader(assertion)
  } catch {
    throw fail('the client assertion is not a JWT.', 'undecodable assertion')
  }
  const sub = (claimed as { sub?: unknown })?.sub
  if (typeof sub !== 'string') throw fail('the client assertion has no "sub".', 'assertion without sub')
  if (bodyId !== undefined && bodyId !== sub)
    throw new InvalidRequest('The "client_id" parameter does not match the client assertion\'s "sub".', 'client_id differs from assertion sub')
  const client = findStandardClient(ctx.provider, sub)
  const jwks = client && clientMeta(client).jwks
  if (!client || !jwks) throw fail('the client is unknown or has no registered keys.', `no jwks for "${sub}"`)
  const issuer = ctx.provider.baseUrl
  let payload
  try {
    ;({ payload } = await jwtVerify(assertion, createLocalJWKSet(jwks as never), {
      issuer: client.clientId,
      subject: client.clientId,
      audience: [issuer, endpointUrl(ctx.provider, 'token')],
      algorithms: CLIENT_ASSERTION_ALGS,
      requiredClaims: ['exp', 'jti'],
      currentDate: clock.now(),
    }))
  } catch (error) {
    const reason =
      error instanceof joseErrors.JWTClaimValidationFailed
        ? `its "${error.claim}" claim is invalid (${error.reason})`
        : error instanceof joseErrors.JWTExpired
          ? 'it expired'
          : "its signature does not verify with the client's registered keys"
    throw fail(`the client assertion was refused: ${reason}.`, String((error as Error).message))
  }
  const now = clock.nowSeconds()
  if (typeof payload.exp === 'number' && payload.exp - now > MAX_ASSERTION_LIFETIME_SECONDS)
    throw fail(`the client assertion expires more than ${MAX_ASSERTION_LIFETIME_SECONDS} seconds from now.`, 'assertion exp too far')
  const key = `${client.clientId} ${payload.jti}`
  if (store.assertionIds.by('key', key)) throw fail('the client assertion was already used ("jti" replay, RFC 7523 §3).', 'jti replay')
  store.assertionIds.insert({ key, expiresAtMs: (payload.exp as number) * 1000 })
  return client
}
