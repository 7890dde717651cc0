import { createHmac } from 'node:crypto'
import { BROKEN_TOKEN_KINDS } from '../../core/faults.js'
import { joseSign } from '../../core/jwk.js'
import { foreignRsaKey, generateStandardKey, signWith, type SigningAlg, type StandardSigningKey } from './keys.js'

/**
 * The ways an ID token can be wrong that a relying party must refuse (OIDC
 * Core §3.1.3.7): the core's broken JWT kinds, and the ones only an ID token
 * has (nonce, azp, iat, at_hash).
 */
export const BROKEN_ID_TOKEN_KINDS = [...BROKEN_TOKEN_KINDS, 'wrong-nonce', 'missing-nonce', 'future-iat', 'unexpected-azp', 'wrong-at-hash'] as const
export type BrokenIdTokenKind = (typeof BROKEN_ID_TOKEN_KINDS)[number]

export function isBrokenIdTokenKind(value: unknown): value is BrokenIdTokenKind {
  return typeof value === 'string' && (BROKEN_ID_TOKEN_KINDS as readonly string[]).includes(value)
}

/** A key nobody published, per algorithm, for `bad-signature` (signed with it, under the real kid); the RS256 one committed. */
const impostors = new Map<SigningAlg, Promise<StandardSigningKey>>()
function impostorKey(alg: SigningAlg): Promise<StandardSigningKey> {
  let key = impostors.get(alg)
  if (!key) {
    key = alg === 'RS256' ? foreignRsaKey() : generateStandardKey(alg)
    impostors.set(alg, key)
    key.catch(() => impostors.delete(alg))
  }
  return key
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/**
 * `claims` signed by `key` (as the ID token would have been), broken in the
 * given way. Each kind changes one thing, so a client that refuses it shows
 * it checks exactly that.
 */
export async function brokenIdToken(kind: BrokenIdTokenKind, key: StandardSigningKey, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const iat = typeof claims.iat === 'number' ? claims.iat : now
  const changed = { ...claims }
  switch (kind) {
    case 'expired':
      changed.iat = iat - 7200
      changed.exp = iat - 3600
      break
    case 'wrong-issuer':
      changed.iss = 'https://wrong-issuer.oauth-dance.example'
      break
    case 'wrong-audience':
      changed.aud = 'another-client'
      break
    case 'missing-exp':
      delete changed.exp
      break
    case 'wrong-nonce':
      changed.nonce = 'not-the-nonce-the-client-sent'
      break
    case 'missing-nonce':
      delete changed.nonce
      break
    case 'future-iat':
      // OIDC Core §3.1.3.7 step 10: an `iat` far from now may be refused; an hour ahead is far.
      changed.iat = iat + 3600
      changed.exp = iat + 7200
      break
    case 'unexpected-azp':
      changed.azp = 'another-client'
      break
    case 'wrong-at-hash':
      changed.at_hash = 'AAAAAAAAAAAAAAAAAAAAAA'
      break
    case 'bad-signature':
      return signWith({ ...(await impostorKey(key.alg)), kid: key.kid }, changed)
    case 'tampered-payload': {
      const [header, , signature] = (await signWith(key, changed)).split('.')
      return `${header}.${b64({ ...changed, sub: 'someone-else' })}.${signature}`
    }
    case 'unknown-kid':
      return signWith({ ...key, kid: 'kid-not-in-the-jwks' }, changed)
    case 'missing-kid':
      // Not refused by every client, nor required to be: with one key of the algorithm published, the key is unambiguous (RFC 7517 §4.5).
      return new (await joseSign()).SignJWT(changed).setProtectedHeader({ alg: key.alg, typ: 'JWT' }).sign(key.privateKey)
    case 'alg-none':
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(changed)}.`
    case 'alg-hs256': {
      // The algorithm-confusion attack: HS256 keyed with public material the client has.
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${b64(changed)}`
      return `${input}.${createHmac('sha256', JSON.stringify(key.publicJwk)).update(input).digest('base64url')}`
    }
    case 'not-a-jwt':
      return 'not-a-jwt'
  }
  return signWith(key, changed)
}
