import type { JWTHeaderParameters, JWTPayload } from 'jose'
import { cogoKeys } from '../../../fixtures/cogo-keys.js'
import { cogoFixtures } from '../../../fixtures/cogo.js'
import { BROKEN_TOKEN_KINDS, type BrokenTokenKind } from '../../core/faults.js'
import type { CogoRuntime } from './config.js'
import { defaultIssuer } from './hosts.js'
import { generateSigningKey, importSigningKey, signAccessToken, signJwt, type SigningKey } from './keys.js'

/**
 * The access tokens Cogo signs: those its token endpoint issues, and, for
 * fault scenarios, tokens and key changes a client must cope with (the Carbon
 * Engine API refusing a token it holds, the keys rotating). Public as the
 * provider's mint/rotate helpers.
 */

/** The claims of the document's sample token, in its order; `exp = iat + 3600` per the text, not the sample's 24 h. */
export function accessTokenClaims(clientId: string, issuer: string, audience: string, iat: number, ttlSeconds: number) {
  return { iss: issuer, sub: `${clientId}@clients`, aud: audience, iat, exp: iat + ttlSeconds, azp: clientId, gty: 'client-credentials' }
}

/**
 * A client-credentials token signed by `key` at second `iat`. The key ring
 * hands out the token already signed for the same key, claims and second
 * (the same bytes signing again would give), so a burst of requests pays for
 * one signature per second.
 */
export function issueAccessToken(provider: CogoRuntime, key: SigningKey, clientId: string, issuer: string, iat: number): string | Promise<string> {
  const { audience, accessTokenTtlSeconds: ttl } = provider.config
  // Every input of the claims and header but iat: issuers vary by tenant, audience and lifetime by option.
  return provider.store.keys.issued(key.kid, clientId, issuer, audience, ttl, iat, () =>
    signAccessToken(key, accessTokenClaims(clientId, issuer, audience, iat, ttl)),
  )
}

export interface MintOptions {
  /** Client the token is for (default the seeded client). */
  clientId?: string
  /** Claims set over the default ones; `undefined` removes a claim. */
  claims?: Record<string, unknown>
  /** Header members set over `{alg: RS256, typ: JWT, kid}`; `kid: undefined` removes it. */
  header?: Partial<JWTHeaderParameters>
  /** `current` (default): the provider's signing key; `foreign`: a key never published; or any signing key. */
  key?: 'current' | 'foreign' | SigningKey
}

/**
 * A token as the token endpoint would issue it now (same claims, key and
 * lifetime, issuer of the configured auth origin), with the overrides applied.
 *
 * @example
 * const token = await mintCogoToken(cogo, { claims: { aud: 'https://elsewhere' } })
 */
export async function mintCogoToken(provider: CogoRuntime, options: MintOptions = {}): Promise<string> {
  await provider.ready
  const key =
    options.key === 'foreign'
      ? await importSigningKey(cogoKeys.foreign)
      : options.key === undefined || options.key === 'current'
        ? provider.store.keys.signing
        : options.key
  const { audience, accessTokenTtlSeconds } = provider.config
  const claims: Record<string, unknown> = {
    ...accessTokenClaims(
      options.clientId ?? cogoFixtures.client.clientId,
      defaultIssuer(provider),
      audience,
      provider.clock.nowSeconds(),
      accessTokenTtlSeconds,
    ),
    ...options.claims,
  }
  for (const name of Object.keys(claims)) if (claims[name] === undefined) delete claims[name]
  const header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: key.kid, ...options.header }
  for (const name of Object.keys(header)) if (header[name] === undefined) delete header[name]
  // SignJWT would add a kid only when given one; build the header ourselves so `kid: undefined` really drops it.
  return signJwt({ kid: header.kid as string, privateKey: key.privateKey }, claims as JWTPayload, header as Partial<JWTHeaderParameters>)
}

/** The ways a token can be wrong that the API must refuse with 403: the fault catalogue's `broken-token` kinds. */
export const BROKEN_COGO_TOKEN_KINDS = BROKEN_TOKEN_KINDS
export type BrokenCogoTokenKind = BrokenTokenKind

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * A token the API must refuse, of the given kind:
 * - `expired`: issued 1 h + 1 s ago (on the provider's clock);
 * - `wrong-issuer` / `wrong-audience`: `iss` / `aud` of another service;
 * - `bad-signature`: the current kid, signed by a key never published;
 * - `tampered-payload`: a genuine token whose payload was swapped after signing;
 * - `unknown-kid` / `missing-kid`: no published key can be chosen;
 * - `missing-exp`: a genuine signature over claims without `exp`;
 * - `alg-none`, `alg-hs256`: unsigned, and HMAC-signed with the public modulus as the secret (algorithm confusion);
 * - `not-a-jwt`: an opaque string.
 */
export async function mintBrokenCogoToken(provider: CogoRuntime, kind: BrokenCogoTokenKind, options: Omit<MintOptions, 'key'> = {}): Promise<string> {
  await provider.ready
  const ttl = provider.config.accessTokenTtlSeconds
  switch (kind) {
    case 'expired': {
      const iat = provider.clock.nowSeconds() - ttl - 1
      return mintCogoToken(provider, { ...options, claims: { iat, exp: iat + ttl, ...options.claims } })
    }
    case 'wrong-issuer':
      return mintCogoToken(provider, { ...options, claims: { ...options.claims, iss: 'https://cogo.eu.auth0.com/' } })
    case 'wrong-audience':
      return mintCogoToken(provider, { ...options, claims: { ...options.claims, aud: 'https://api.example.com' } })
    case 'bad-signature':
      return mintCogoToken(provider, { ...options, key: 'foreign', header: { ...options.header, kid: provider.store.keys.signing.kid } })
    case 'tampered-payload': {
      const [header, , signature] = (await mintCogoToken(provider, options)).split('.')
      const forged = await mintCogoToken(provider, { ...options, claims: { ...options.claims, sub: 'someone-else@clients', azp: 'someone-else' } })
      return [header, forged.split('.')[1], signature].join('.')
    }
    case 'unknown-kid':
      return mintCogoToken(provider, { ...options, header: { ...options.header, kid: 'unknown-kid-0000000000' } })
    case 'missing-kid':
      return mintCogoToken(provider, { ...options, header: { ...options.header, kid: undefined } })
    case 'missing-exp':
      return mintCogoToken(provider, { ...options, claims: { ...options.claims, exp: undefined } })
    case 'alg-none': {
      const genuine = await mintCogoToken(provider, options)
      const payload = genuine.split('.')[1]
      return `${b64({ alg: 'none', typ: 'JWT', kid: provider.store.keys.signing.kid })}.${payload}.`
    }
    case 'alg-hs256': {
      const { createHmac } = await import('node:crypto')
      const genuine = await mintCogoToken(provider, options)
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: provider.store.keys.signing.kid })}.${genuine.split('.')[1]}`
      const secret = provider.store.keys.signing.publicJwk.n
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
    }
    case 'not-a-jwt':
      return 'a1b2c3d4e5f6'
  }
}

/**
 * Rotates the signing key: new tokens carry the new `kid`, and the JWKS lists
 * it first. The previous key stays published (tokens already issued keep
 * working) unless `retirePrevious`. Without `key`, the shipped `next` fixture
 * key is used the first time, then fresh keys are generated.
 *
 * @returns the new kid and the kids now published.
 */
export async function rotateCogoSigningKey(
  provider: CogoRuntime,
  options: { key?: SigningKey; retirePrevious?: boolean } = {},
): Promise<{ kid: string; published: string[] }> {
  await provider.ready
  const ring = provider.store.keys
  let key = options.key
  if (!key) {
    const next = await importSigningKey(cogoKeys.next)
    key = ring.find(next.kid) || ring.signing.kid === next.kid ? await generateSigningKey() : next
  }
  ring.install(key, { retirePrevious: options.retirePrevious })
  return { kid: key.kid, published: ring.kids }
}

/** Unpublishes a key (the signing key cannot be): tokens it signed are refused from then on. */
export async function retireCogoKey(provider: CogoRuntime, kid: string): Promise<boolean> {
  await provider.ready
  return provider.store.keys.retire(kid)
}
