import { createHash, randomBytes } from 'node:crypto'
import type { JWK, ProtectedHeaderParameters } from 'jose'
import { OAuthError } from '../../core/errors.js'
import { lazy } from '../../core/lazy-dependency.js'
import type { StandardContext, StandardToken } from './config.js'

/** The jose functions a DPoP proof's check needs, loaded with the first proof rather than at start. */
const jose = lazy(async () => {
  const [{ decodeProtectedHeader }, { calculateJwkThumbprint }, { EmbeddedJWK }, { jwtVerify }] = await Promise.all([
    import('jose/decode/protected_header'),
    import('jose/jwk/thumbprint'),
    import('jose/jwk/embedded'),
    import('jose/jwt/verify'),
  ])
  return { decodeProtectedHeader, calculateJwkThumbprint, EmbeddedJWK, jwtVerify }
})

/** Algorithms accepted for DPoP proofs (RFC 9449 §5.1 `dpop_signing_alg_values_supported`): asymmetric only (§4.2). */
export const DPOP_SIGNING_ALGS = ['ES256', 'RS256', 'PS256', 'EdDSA']

/** How far a proof's `iat` may be from the server's (mock) clock, either way (RFC 9449 §11.1: "a reasonable window"). */
export const DPOP_IAT_WINDOW_SECONDS = 60

/** RFC 9449 §7.1: the error of a bad or missing proof, at the token endpoint a 400 and at a resource a 401. */
export function invalidDpopProof(description: string, status = 400): OAuthError {
  return new OAuthError(status, 'invalid_dpop_proof', description)
}

/** The single `DPoP` header, or undefined; more than one is an error (RFC 9449 §4.3 check 1). */
export function dpopHeader(ctx: StandardContext, status = 400): string | undefined {
  const value = ctx.request.headers.get('dpop')
  if (value === null) return undefined
  if (value.includes(',')) throw invalidDpopProof('More than one DPoP header was sent (RFC 9449 §4.3).', status)
  return value.trim()
}

/** The access token hash of a proof presented with it (RFC 9449 §4.2 `ath`). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url')
}

/**
 * Checks a DPoP proof as RFC 9449 §4.3 lists: a JWT typed `dpop+jwt`, an
 * asymmetric `alg`, a public `jwk` in its header that verifies it, `htm` and
 * `htu` of this request, `iat` within the window of the server's clock, a
 * `jti` not seen before, and `ath` when presented with an access token.
 * Returns the key's SHA-256 thumbprint (RFC 7638), the token's `cnf.jkt`.
 */
export async function verifyDpopProof(ctx: StandardContext, proof: string, options: { accessToken?: string; status?: number } = {}): Promise<string> {
  const status = options.status ?? 400
  const fail = (description: string) => invalidDpopProof(description, status)
  const { decodeProtectedHeader, calculateJwkThumbprint, EmbeddedJWK, jwtVerify } = await jose()
  let header: ProtectedHeaderParameters
  try {
    header = decodeProtectedHeader(proof)
  } catch {
    throw fail('The DPoP proof is not a JWT.')
  }
  if (header.typ !== 'dpop+jwt') throw fail('The DPoP proof\'s "typ" must be dpop+jwt.')
  if (typeof header.alg !== 'string' || !DPOP_SIGNING_ALGS.includes(header.alg))
    throw fail(`The DPoP proof's "alg" must be one of ${DPOP_SIGNING_ALGS.join(', ')}.`)
  const jwk = header.jwk as JWK | undefined
  if (!jwk || typeof jwk !== 'object') throw fail('The DPoP proof has no "jwk" header.')
  if ('d' in jwk || 'k' in jwk) throw fail('The DPoP proof\'s "jwk" must be a public key.')
  let payload: Record<string, unknown>
  try {
    ;({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_SIGNING_ALGS, currentDate: new Date(ctx.provider.clock.nowMs()) }))
  } catch {
    throw fail('The DPoP proof\'s signature does not verify with its "jwk".')
  }
  const method = ctx.request.method.toUpperCase()
  if (payload.htm !== method) throw fail(`The DPoP proof's "htm" must be ${method}.`)
  const target = ctx.url.origin + ctx.url.pathname
  let htu: URL | undefined
  try {
    htu = typeof payload.htu === 'string' ? new URL(payload.htu) : undefined
  } catch {
    htu = undefined
  }
  // §4.3 check 9: compared without query and fragment.
  if (!htu || htu.origin + htu.pathname !== target) throw fail(`The DPoP proof's "htu" must be ${target}.`)
  const now = ctx.provider.clock.nowSeconds()
  if (typeof payload.iat !== 'number' || Math.abs(payload.iat - now) > DPOP_IAT_WINDOW_SECONDS)
    throw fail(`The DPoP proof's "iat" must be within ${DPOP_IAT_WINDOW_SECONDS} seconds of the server's time.`)
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) throw fail('The DPoP proof has no "jti".')
  if (options.accessToken !== undefined && payload.ath !== accessTokenHash(options.accessToken))
    throw fail('The DPoP proof\'s "ath" is not the hash of the access token presented.')
  // RFC 9449 §8 (token endpoint) and §9 (resource): with nonces required, a proof must carry the current one; the answer says which.
  if (ctx.provider.config.dpopNonce && !acceptsDpopNonce(ctx, payload.nonce))
    throw useDpopNonce(
      ctx,
      payload.nonce === undefined
        ? 'The DPoP proof has no "nonce"; this server requires the one in the DPoP-Nonce header (RFC 9449 §8).'
        : 'The DPoP proof\'s "nonce" is not current; use the one in the DPoP-Nonce header (RFC 9449 §8).',
      status,
    )
  const jkt = await calculateJwkThumbprint(jwk, 'sha256')
  const { dpopProofIds } = ctx.provider.store
  const key = `${jkt}:${payload.jti}`
  if (dpopProofIds.by('key', key)) throw fail('The DPoP proof was already used ("jti" replay, RFC 9449 §11.1).')
  dpopProofIds.insert({ key, expiresAtMs: (payload.iat + DPOP_IAT_WINDOW_SECONDS) * 1000 + 1000 })
  return jkt
}

/** A nonce lives this long on the mock clock before the server issues a new one; the one it replaced is still accepted. */
export const DPOP_NONCE_LIFETIME_SECONDS = 300

/** The current DPoP nonce, a new one once the current is older than its lifetime (RFC 9449 §8.2: the server decides when). */
export function currentDpopNonce(ctx: StandardContext): string {
  const { store, clock } = ctx.provider
  const now = clock.nowMs()
  const nonces = store.dpopNonces
  if (nonces && now - nonces.issuedAtMs < DPOP_NONCE_LIFETIME_SECONDS * 1000) return nonces.current
  store.dpopNonces = { current: randomBytes(24).toString('base64url'), previous: nonces?.current ?? null, issuedAtMs: now }
  return store.dpopNonces.current
}

function acceptsDpopNonce(ctx: StandardContext, nonce: unknown): boolean {
  const current = currentDpopNonce(ctx)
  return typeof nonce === 'string' && (nonce === current || nonce === ctx.provider.store.dpopNonces?.previous)
}

/** RFC 9449 §8 and §9: `use_dpop_nonce`, a 400 at the token endpoint and a 401 at a resource, with the nonce to use in `DPoP-Nonce`. */
function useDpopNonce(ctx: StandardContext, description: string, status: number): OAuthError {
  const error = new OAuthError(status, 'use_dpop_nonce', description)
  error.headers['DPoP-Nonce'] = currentDpopNonce(ctx)
  return error
}

/** The scheme of the request's Authorization header: DPoP (RFC 9449 §7.1) or else Bearer. */
export function authorizationScheme(ctx: StandardContext): 'DPoP' | 'Bearer' {
  return /^dpop /i.test(ctx.request.headers.get('authorization') ?? '') ? 'DPoP' : 'Bearer'
}

/**
 * RFC 9449 §7: a DPoP-bound token is presented with `Authorization: DPoP` and
 * a proof of its key carrying `ath`; it is refused as a Bearer token (§7.2),
 * and a Bearer token is refused under the DPoP scheme. Errors are 401s.
 */
export async function checkDpopBinding(ctx: StandardContext, token: StandardToken, scheme: 'DPoP' | 'Bearer'): Promise<void> {
  if (scheme === 'Bearer') {
    if (token.jkt !== null)
      throw new OAuthError(401, 'invalid_token', 'This access token is DPoP-bound: present it with "Authorization: DPoP" and a DPoP proof (RFC 9449 §7.1).')
    return
  }
  if (token.jkt === null) throw new OAuthError(401, 'invalid_token', 'This access token is not DPoP-bound: present it with "Authorization: Bearer".')
  const proof = dpopHeader(ctx, 401)
  if (proof === undefined) throw invalidDpopProof('The DPoP proof is missing: a DPoP-bound token needs a "DPoP" header (RFC 9449 §7.1).', 401)
  const jkt = await verifyDpopProof(ctx, proof, { accessToken: token.token, status: 401 })
  if (jkt !== token.jkt) throw invalidDpopProof('The DPoP proof was made with another key than the one the access token is bound to (RFC 9449 §7.1).', 401)
}

/** The WWW-Authenticate challenge of a DPoP error (RFC 9449 §7.1): the DPoP scheme with the accepted `algs`. */
export function dpopChallenge(error: OAuthError): string {
  // RFC 6750 §3: error_description is printable ASCII without a double quote or backslash.
  const description = error.description.replace(/§/g, 'section ').replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "'")
  return `DPoP error="${error.error}", error_description="${description}", algs="${DPOP_SIGNING_ALGS.join(' ')}"`
}
