import { expiredTokenHint, foreignTokenHint, misplacedTokenHint, tokenSightings } from '../../core/hints.js'
import { createCipheriv, type Cipher } from 'node:crypto'
import { drawRandom, RANDOM_POOL, sha256Binary } from '../../core/secrets.js'
import { TokenRecord } from '../../core/token.js'
import type { Token, User } from '../../store/index.js'
import type { KeystoneContext, KeystoneRuntime } from './config.js'
import type { KeystoneTokenMeta } from './store.js'

type FernetKey = { signing: Buffer; encryption: Buffer }

/**
 * Per key, made once: an AES-128-ECB cipher kept open to encrypt single
 * blocks, and the HMAC-SHA256 key pads (RFC 2104), so the MAC is two one-shot
 * hashes.
 */
interface FernetKeyState {
  block: Cipher
  innerPad: Buffer
  /** The outer pad, then room for the inner digest: the outer hash's whole input (minting is synchronous, so one per key serves). */
  outer: Buffer
}
const fernetStates = new WeakMap<FernetKey, FernetKeyState>()
function fernetState(key: FernetKey): FernetKeyState {
  let state = fernetStates.get(key)
  if (!state) {
    const innerPad = Buffer.alloc(64, 0x36)
    const outer = Buffer.alloc(96, 0x5c)
    for (let i = 0; i < key.signing.length; i++) {
      innerPad[i] ^= key.signing[i]
      outer[i] ^= key.signing[i]
    }
    state = { block: createCipheriv('aes-128-ecb', key.encryption, null).setAutoPadding(false), innerPad, outer }
    fernetStates.set(key, state)
  }
  return state
}

/** The last plaintext block, CBC-chained, before it is encrypted (minting is synchronous, so one serves). */
const lastPlain = Buffer.alloc(16)

/**
 * A token shaped like Keystone's default `fernet` provider: a real Fernet
 * token (version 0x80, timestamp, IV, AES-128-CBC ciphertext, HMAC-SHA256),
 * URL-safe base64 with the padding stripped as Keystone strips it, so it starts
 * `gAAAAAB` and an application-credential token is 183 characters like the
 * api-ref sample. The payload is random: the token is opaque and looked up in
 * the store, never decrypted.
 *
 * Any Fernet implementation given the key accepts it (MAC, CBC, PKCS7
 * padding). As the plaintext is random, the ciphertext blocks before the last
 * are drawn at random instead of encrypted: with CBC, a uniformly random
 * plaintext block gives a uniformly random ciphertext block, and a random
 * ciphertext block decrypts to a uniformly random plaintext block, so the
 * tokens are distributed as if every block were encrypted. Only the last
 * block, which holds the padding, is encrypted: C_n = AES(P_n xor C_n-1).
 */
export function mintFernetToken(key: FernetKey, issuedAtMs: number, payloadBytes: number): string {
  const { block, innerPad, outer } = fernetState(key)
  const cipherLength = (Math.floor(payloadBytes / 16) + 1) * 16 // PKCS7 always pads
  const padding = cipherLength - payloadBytes
  // One buffer: [HMAC inner pad | version, timestamp, IV, ciphertext | HMAC], so the inner hash reads one span.
  const at = innerPad.length
  const signedEnd = at + 25 + cipherLength
  const out = Buffer.allocUnsafe(signedEnd + 32)
  // `set` and index loops where Node 20's `copy` would make a Uint8Array view per call.
  out.set(innerPad, 0)
  out[at] = 0x80
  const seconds = Math.max(0, Math.floor(issuedAtMs / 1000))
  out.writeUInt32BE(Math.floor(seconds / 2 ** 32), at + 1)
  out.writeUInt32BE(seconds >>> 0, at + 5)
  // IV and every ciphertext block but the last, from the pooled CSPRNG.
  const lastBlock = signedEnd - 16
  const drawn = drawRandom(lastBlock - (at + 9)) - (at + 9)
  for (let i = at + 9; i < lastBlock; i++) out[i] = RANDOM_POOL[drawn + i]
  // The last plaintext block: the payload's random tail, then the padding bytes; CBC-chained to the block before.
  const tail = drawRandom(16 - padding)
  for (let i = 0; i < 16; i++) lastPlain[i] = (i < 16 - padding ? RANDOM_POOL[tail + i] : padding) ^ out[lastBlock - 16 + i]
  out.set(block.update(lastPlain), lastBlock)
  // HMAC (RFC 2104): H(outer pad | H(inner pad | message)); the inner digest goes after the outer pad in the key's scratch.
  outer.write(sha256Binary(out.subarray(0, signedEnd)), 64, 'binary')
  out.write(sha256Binary(outer), signedEnd, 'binary')
  return out.toString('base64url', at)
}

export interface IssueKeystoneToken {
  clientId: string
  userId: string
  projectId: string
  roles: string[]
  methods: string[]
  applicationCredentialId?: string
  /** Tokens issued for an application credential end no later than it does. */
  notAfterMs?: number | null
  thumbprint?: string
}

/** Stores a new token of `[token] expiration` seconds and returns it. */
export function issueKeystoneToken(provider: KeystoneRuntime, fields: IssueKeystoneToken): Token {
  const issuedAtMs = provider.clock.nowMs()
  let expiresAtMs = issuedAtMs + provider.config.tokenExpirationSeconds * 1000
  if (fields.notAfterMs != null) expiresAtMs = Math.min(expiresAtMs, fields.notAfterMs)
  // Bound tokens carry the thumbprint in their payload, so they are longer (Keystone's are too).
  const token = mintFernetToken(provider.config.fernetKey, issuedAtMs, fields.thumbprint ? 96 : 64)
  const meta = sharedMeta(fields.methods, fields.projectId, fields.roles, fields.applicationCredentialId, fields.thumbprint)
  // Built here, so stored as built (`insert`): every field of tokenSchema's output, in its order (TokenRecord's arguments).
  return provider.store.tokens.insert(
    new TokenRecord(
      token,
      null,
      fields.clientId,
      fields.userId,
      meta.roles,
      issuedAtMs,
      expiresAtMs,
      null,
      null,
      null,
      meta as unknown as Record<string, unknown>,
    ),
  )
}

/**
 * One frozen meta per distinct (methods, project, roles, credential,
 * certificate), its arrays frozen copies: every token of a credential shares
 * it (and its roles as `scopes`), and keeps what it was issued with even if
 * the source arrays change later. Bounded, as projects and credentials come
 * from requests.
 */
const metas = new Map<string, KeystoneTokenMeta>()
function sharedMeta(
  givenMethods: readonly string[],
  projectId: string,
  givenRoles: readonly string[],
  applicationCredentialId?: string,
  thumbprint?: string,
): KeystoneTokenMeta {
  // The usual case, without building the key: the same credential's roles array as the last token's, the same values.
  const last = lastMetas.get(givenRoles)
  if (
    last !== undefined &&
    last.projectId === projectId &&
    last.applicationCredentialId === applicationCredentialId &&
    last.thumbprint === thumbprint &&
    sameStrings(last.methods, givenMethods) &&
    sameStrings(last.roles, givenRoles)
  )
    return last
  const key = `${projectId}\n${applicationCredentialId ?? ''}\n${thumbprint ?? ''}\n${givenMethods.join(' ')}\n${givenRoles.join('\n')}`
  let meta = metas.get(key)
  if (!meta) {
    const methods = Object.freeze([...givenMethods]) as string[]
    const roles = Object.freeze([...givenRoles]) as string[]
    // One object literal per case, so each case's metas share one shape with every field in the object itself.
    if (applicationCredentialId && thumbprint) meta = { methods, projectId, roles, applicationCredentialId, thumbprint }
    else if (applicationCredentialId) meta = { methods, projectId, roles, applicationCredentialId }
    else if (thumbprint) meta = { methods, projectId, roles, thumbprint }
    else meta = { methods, projectId, roles }
    if (metas.size >= 4096) metas.clear()
    metas.set(key, Object.freeze(meta))
  }
  lastMetas.set(givenRoles, meta)
  return meta
}

/** The meta last given for a roles array (compared by value before use: the array may have changed since). */
const lastMetas = new WeakMap<readonly string[], KeystoneTokenMeta>()

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function tokenMeta(token: Token): KeystoneTokenMeta {
  return token.meta as unknown as KeystoneTokenMeta
}

/**
 * The token's audit id: 16 bytes as Keystone draws them, urlsafe base64
 * without padding (22 characters), taken here from a SHA-256 of the token,
 * which is itself random: unpredictable as a drawn one, stable for the token,
 * and so not stored.
 */
export function auditIdOf(token: Token): string {
  return Buffer.from(sha256Binary(token.token), 'binary').subarray(0, 16).toString('base64url')
}

/** A token that is known, unrevoked, unexpired, and whose application credential (if any) still exists. */
export function findLiveToken(provider: KeystoneRuntime, value: string | null | undefined): Token | undefined {
  if (!value) return undefined
  const token = provider.store.tokens.by('token', value)
  if (!token || token.revokedAtMs !== null) return undefined
  if (token.expiresAtMs !== null && provider.clock.nowMs() >= token.expiresAtMs) return undefined
  const credentialId = tokenMeta(token).applicationCredentialId
  // Deleting an application credential revokes its tokens (Keystone emits a revocation event).
  if (credentialId && !provider.store.applicationCredentials.by('id', credentialId)) return undefined
  return token
}

/**
 * Hints for a token Keystone refused: sent elsewhere than `expected` says,
 * issued by another provider, or expired on the mock clock.
 */
export function tokenHints(ctx: KeystoneContext, value: string | undefined, expected: string): void {
  if (!value) {
    const hint = misplacedTokenHint(tokenSightings(ctx.request, ctx.url, ''), expected)
    if (hint) ctx.hint(hint)
    return
  }
  const known = ctx.provider.store.tokens.by('token', value)
  if (known?.expiresAtMs != null && known.revokedAtMs === null && ctx.provider.clock.nowMs() >= known.expiresAtMs)
    ctx.hint(expiredTokenHint(ctx.provider.clock.nowMs(), known.expiresAtMs))
  else if (!known) {
    const hint = foreignTokenHint(ctx.provider, value)
    if (hint) ctx.hint(hint)
  }
}

/** Keystone's timestamps: ISO 8601 with microseconds and `Z`. */
export function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z')
}

export function userRef(provider: KeystoneRuntime, user: User) {
  const domain = domainRef(provider, String(user.profile.domainId))
  return { domain, id: user.id, name: String(user.profile.name), password_expires_at: null }
}

export function domainRef(provider: KeystoneRuntime, domainId: string) {
  const { domain } = provider.config
  return domain.id === domainId ? { id: domain.id, name: domain.name } : { id: domainId, name: domainId }
}

/** The service catalog: Keystone itself and the compute-like API served under the same mount. */
export function catalog(ctx: KeystoneContext) {
  const endpoint = (id: string, url: string) => ({ id, interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url })
  return [
    { id: '9e2a1e6a0c4d4f8c8b5b2a7e3f1d0c91', type: 'identity', name: 'keystone', endpoints: [endpoint('4f3a7d2b1c0e4a9f8e7d6c5b4a3f2e1d', ctx.baseUrl)] },
    { id: '2b7c9d1e3f4a4b5c8d6e7f8091a2b3c4', type: 'compute', name: 'nova', endpoints: [endpoint('7d8e9f0a1b2c4d3e9f8a7b6c5d4e3f21', `${ctx.baseUrl}/v2.1`)] },
  ]
}

/** The `token` object of `POST`/`GET /v3/auth/tokens` (api-ref "Validate and show information for token"). */
export function renderTokenBody(ctx: KeystoneContext, token: Token, options: { catalog: boolean }) {
  const { provider } = ctx
  const meta = tokenMeta(token)
  const user = provider.store.users.by('id', token.userId)
  const project = provider.store.projects.by('id', meta.projectId)
  const body: Record<string, unknown> = {
    methods: meta.methods,
    user: user ? userRef(provider, user) : { id: token.userId },
    audit_ids: [auditIdOf(token)],
    expires_at: keystoneTime(token.expiresAtMs ?? token.issuedAtMs),
    issued_at: keystoneTime(token.issuedAtMs),
    project: project ? { domain: domainRef(provider, project.domainId), id: project.id, name: project.name } : { id: meta.projectId },
    is_domain: false,
    roles: meta.roles.map((name) => roleRef(provider, name)),
  }
  if (options.catalog) body.catalog = catalog(ctx)
  if (meta.applicationCredentialId) {
    const credential = provider.store.applicationCredentials.by('id', meta.applicationCredentialId)
    body.application_credential = { id: meta.applicationCredentialId, name: credential?.name, restricted: !credential?.unrestricted }
  }
  // keystone/common/render_token.py: certificate-bound tokens show their binding.
  if (meta.thumbprint) body.oauth2_credential = { 'x5t#S256': meta.thumbprint }
  return { token: body }
}

export function roleRef(provider: KeystoneRuntime, name: string) {
  return { id: provider.config.roles.find((r) => r.name === name)?.id ?? name, name }
}
