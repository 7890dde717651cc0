import { OAuthError } from '../../core/errors.js'
import { mediaType } from '../../core/params.js'
import { Reply } from '../../core/reply.js'
import { defineRoute } from '../../core/routes.js'
import { randomBase64Url } from '../../core/secrets.js'
import { STANDARD_PATHS, STANDARD_SCOPES, STANDARD_SIGNING_ALGS, type StandardClientMeta, type StandardRuntime } from './config.js'
import type { SigningAlg } from './keys.js'
import { STANDARD_AUTH_METHODS, STANDARD_GRANT_TYPES, type StandardAuthMethod } from './supported.js'

/** RFC 7591 §3.2.2 errors. */
const metadataError = (description: string) => new OAuthError(400, 'invalid_client_metadata', description)
const redirectError = (description: string) => new OAuthError(400, 'invalid_redirect_uri', description)

/**
 * A redirect URI a client may register: https; http only on a loopback IP
 * (RFC 8252 §7.3, `localhost` NOT RECOMMENDED by §8.3 but accepted); or a
 * private-use scheme in reverse-domain form (§7.1). No fragment (RFC 6749 §3.1.2).
 */
function checkRedirectUri(value: unknown): string {
  if (typeof value !== 'string') throw redirectError('Every "redirect_uris" entry must be a string.')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw redirectError(`The redirect URI ${value} is not an absolute URI.`)
  }
  if (value.includes('#')) throw redirectError(`The redirect URI ${value} has a fragment (RFC 6749 §3.1.2).`)
  const scheme = url.protocol.slice(0, -1)
  if (scheme === 'https') return value
  if (scheme === 'http') {
    if (['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) return value
    throw redirectError(`The redirect URI ${value} uses http on a host that is not loopback; use https (RFC 9700 §2.6).`)
  }
  if (scheme.includes('.') && !['javascript', 'data', 'file', 'vbscript'].includes(scheme)) return value
  throw redirectError(
    `The redirect URI ${value} must be https, http on a loopback IP, or a private-use scheme such as com.example.app:/callback (RFC 8252 §7).`,
  )
}

function stringArray(body: Record<string, unknown>, name: string): string[] | undefined {
  const value = body[name]
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw metadataError(`"${name}" must be an array of strings.`)
  return value as string[]
}

function oneOf<T extends string>(body: Record<string, unknown>, name: string, allowed: readonly T[]): T | undefined {
  const value = body[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw metadataError(`"${name}" must be one of ${allowed.join(', ')}.`)
  return value as T
}

/** Client metadata as RFC 7591 §2 defines it, checked; also a client ID metadata document's (client-id-document.ts). */
export function checkClientMetadata(metadata: Record<string, unknown>, defaultAuthMethod: StandardAuthMethod = 'client_secret_basic') {
  const authMethod: StandardAuthMethod = oneOf(metadata, 'token_endpoint_auth_method', STANDARD_AUTH_METHODS) ?? defaultAuthMethod
  const grantTypes = stringArray(metadata, 'grant_types') ?? ['authorization_code']
  const unknownGrant = grantTypes.find((g) => !STANDARD_GRANT_TYPES.includes(g))
  if (unknownGrant) throw metadataError(`The grant type "${unknownGrant}" is not supported (${STANDARD_GRANT_TYPES.join(', ')}).`)
  const responseTypes = stringArray(metadata, 'response_types') ?? (grantTypes.includes('authorization_code') ? ['code'] : [])
  if (responseTypes.some((r) => r !== 'code')) throw metadataError('Only the "code" response type is supported.')
  // @see RFC 7591 §2.1: grant_types and response_types must agree.
  if (grantTypes.includes('authorization_code') !== responseTypes.includes('code'))
    throw metadataError('"grant_types" includes authorization_code exactly when "response_types" includes code (RFC 7591 §2.1).')
  if (authMethod === 'none' && grantTypes.includes('client_credentials'))
    throw metadataError('A public client ("token_endpoint_auth_method": "none") cannot use client_credentials.')

  const redirectUris = (stringArray(metadata, 'redirect_uris') ?? []).map(checkRedirectUri)
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0)
    throw redirectError('"redirect_uris" is required for the authorization_code grant.')

  const scopeValue = metadata.scope
  if (scopeValue !== undefined && typeof scopeValue !== 'string') throw metadataError('"scope" must be a space-separated string.')
  const scopes = scopeValue ? [...new Set(scopeValue.split(' ').filter(Boolean))] : []
  const unknownScope = scopes.find((s) => !(s in STANDARD_SCOPES))
  if (unknownScope) throw metadataError(`The scope "${unknownScope}" is not known (${Object.keys(STANDARD_SCOPES).join(' ')}).`)

  if (metadata.jwks_uri !== undefined) throw metadataError('"jwks_uri" cannot be fetched by this offline server; register the keys by value in "jwks".')
  let jwks: StandardClientMeta['jwks']
  if (metadata.jwks !== undefined) {
    const keys = (metadata.jwks as { keys?: unknown })?.keys
    if (
      !Array.isArray(keys) ||
      keys.length === 0 ||
      keys.length > 10 ||
      keys.some((k) => k === null || typeof k !== 'object' || typeof (k as { kty?: unknown }).kty !== 'string' || 'd' in (k as object))
    ) {
      throw metadataError('"jwks" must be {"keys": [...]} with 1 to 10 public JWKs (no private members).')
    }
    jwks = { keys: keys as Array<Record<string, unknown>> }
  }
  if (authMethod === 'private_key_jwt' && !jwks) throw metadataError('"private_key_jwt" needs the client\'s public keys in "jwks".')
  const idTokenAlg = oneOf<SigningAlg>(metadata, 'id_token_signed_response_alg', STANDARD_SIGNING_ALGS)
  const userinfoAlg = oneOf<SigningAlg>(metadata, 'userinfo_signed_response_alg', STANDARD_SIGNING_ALGS)
  const flags: Partial<StandardClientMeta> = {}
  for (const flag of ['require_pushed_authorization_requests', 'dpop_bound_access_tokens'] as const) {
    const value = metadata[flag]
    if (value !== undefined && typeof value !== 'boolean') throw metadataError(`"${flag}" must be true or false.`)
    if (value === true) flags[flag] = true
  }
  const name = metadata.client_name
  if (name !== undefined && (typeof name !== 'string' || name.length > 200)) throw metadataError('"client_name" must be a string of at most 200 characters.')
  return { authMethod, grantTypes, responseTypes, redirectUris, scopes, jwks, idTokenAlg, userinfoAlg, flags, name: name as string | undefined }
}

/** Dynamic Client Registration (RFC 7591 §3): open registration, metadata checked, unknown members ignored (§2). */
export const registerRoute = defineRoute<StandardRuntime>({
  id: 'standard.register',
  method: 'POST',
  path: STANDARD_PATHS.register,
  async resolve(ctx) {
    if (mediaType(ctx.request) !== 'application/json')
      throw new OAuthError(400, 'invalid_request', 'The registration request must be application/json (RFC 7591 §3.1).')
    let body: unknown
    try {
      body = JSON.parse(ctx.bodyText)
    } catch {
      throw new OAuthError(400, 'invalid_request', 'The registration request is not valid JSON.')
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw metadataError('The registration request must be a JSON object of client metadata.')
    const metadata = body as Record<string, unknown>
    const { store, clock, config } = ctx.provider

    const { authMethod, grantTypes, responseTypes, redirectUris, scopes, jwks, idTokenAlg, userinfoAlg, flags, name } = checkClientMetadata(metadata)

    const registered = store.clients.collection.findMany((q) => q.where((c) => (c.meta as StandardClientMeta).registered === true)).length
    if (registered >= config.maxRegisteredClients) {
      throw new OAuthError(
        400,
        'invalid_request',
        `This server holds at most ${config.maxRegisteredClients} registered clients; reset it (POST /__oauth-dance/reset) to register more.`,
      )
    }

    const secretMethod = authMethod === 'client_secret_basic' || authMethod === 'client_secret_post'
    const clientId = `dyn-${randomBase64Url(16)}`
    const clientSecret = secretMethod ? randomBase64Url(32) : ''
    const now = clock.nowMs()
    const meta: StandardClientMeta = { token_endpoint_auth_method: authMethod, registered: true, ...flags }
    if (jwks) meta.jwks = jwks
    if (idTokenAlg) meta.id_token_signed_response_alg = idTokenAlg
    if (userinfoAlg) meta.userinfo_signed_response_alg = userinfoAlg
    await store.clients.collection.create({
      clientId,
      clientSecret,
      name: name ?? clientId,
      redirectUris,
      scopes,
      grantTypes,
      createdAtMs: now,
      meta,
    })
    ctx.notes.registeredClient = clientId
    const response: Record<string, unknown> = {
      client_id: clientId,
      ...(secretMethod ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
      client_id_issued_at: Math.floor(now / 1000),
      client_name: name ?? clientId,
      redirect_uris: redirectUris,
      grant_types: grantTypes,
      response_types: responseTypes,
      token_endpoint_auth_method: authMethod,
    }
    if (scopes.length) response.scope = scopes.join(' ')
    if (jwks) response.jwks = jwks
    if (idTokenAlg) response.id_token_signed_response_alg = idTokenAlg
    if (userinfoAlg) response.userinfo_signed_response_alg = userinfoAlg
    Object.assign(response, flags)
    return Reply.json(201, response, { 'Cache-Control': 'no-store', Pragma: 'no-cache' })
  },
})
