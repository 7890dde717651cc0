import { X509Certificate } from 'node:crypto'
import { readClientCert } from '../../core/client-cert.js'
import { formUrlDecode } from '../../core/client-auth.js'
import { InvalidClient, InvalidRequest, OAuthError, UnsupportedGrantType } from '../../core/errors.js'
import { mediaType } from '../../core/params.js'
import { defineRoute } from '../../core/routes.js'
import { secretsEqual } from '../../core/secrets.js'
import type { KeystoneContext, KeystoneRuntime } from './config.js'
import { certificateMatchesUser, certificateThumbprint, issuedByTrustedCa, trustedCas } from './mtls.js'
import { AUTHENTICATION_REQUIRED, keystoneAsciiJson, keystoneJson, renderOAuth2Error } from './responses.js'
import { issueKeystoneToken } from './fernet-tokens.js'
import type { Reply, RouteAnswer } from '../../core/reply.js'

/** Keystone's OS-OAUTH2 texts (keystone/api/os_oauth2.py). */
export const OAUTH2_TEXT = {
  methodNotAllowed: 'The method is not allowed for the requested URL.',
  grantTypeRequired: 'The parameter grant_type is required.',
  grantTypeUnsupported: (value: string) => `The parameter grant_type ${value} is not supported.`,
  clientAuthFailed: 'Client authentication failed.',
  unknownError: 'An unknown error occurred and failed to get an OAuth2.0 access token.',
} as const

/**
 * Form fields as `flask.request.form` has them: urlencoded or multipart bodies
 * only. Synchronous but for multipart (undici's parser), so the usual token
 * request costs no promise.
 */
function readForm(ctx: KeystoneContext): Form | Promise<Form> {
  const type = requestMediaType(ctx)
  if (type === 'application/x-www-form-urlencoded') {
    const text = ctx.bodyText
    // A client sends the same body with every token request: its fields, read once, are shared.
    if (text === lastFormText) return lastForm
    const form: Array<[string, string]> = []
    if (PLAIN_FORM.test(text)) {
      // Nothing to decode (no '%' or '+', no leading '?'): the pairs URLSearchParams would give, split directly.
      for (const pair of text.split('&')) {
        if (!pair) continue
        const equals = pair.indexOf('=')
        form.push(equals === -1 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)])
      }
    } else for (const entry of new URLSearchParams(text)) form.push(entry)
    lastFormText = text
    // Read-only by type, not frozen: iterating a frozen array leaves V8's fast path and allocates.
    return (lastForm = form)
  }
  if (type === 'multipart/form-data') return readMultipartForm(ctx)
  // JSON and anything else: Keystone skips its JSON-body hook under /v3/OS-OAUTH2/, so there are no form fields.
  return []
}

/** {@link mediaType}, for the same Content-Type as last time without lower-casing it again. */
function requestMediaType(ctx: KeystoneContext): string {
  const contentType = ctx.request.headers.get('content-type')
  if (contentType !== lastContentType) {
    lastContentType = contentType
    lastMediaType = mediaType(ctx.request)
  }
  return lastMediaType
}
let lastContentType: string | null | undefined
let lastMediaType = ''

/** Form fields in order, as `MultiDict` keeps them. */
type Form = ReadonlyArray<readonly [string, string]>

let lastFormText: string | undefined
let lastForm: Form = []

/** A urlencoded body URLSearchParams would read as written: printable ASCII but '%', '+' and '?'. */
const PLAIN_FORM = /^[\x21-\x24\x26-\x2a\x2c-\x3e\x40-\x7e]*$/

async function readMultipartForm(ctx: KeystoneContext): Promise<Array<[string, string]>> {
  try {
    const form = await new Response(ctx.bodyText, { headers: { 'content-type': ctx.request.headers.get('content-type')! } }).formData()
    return [...form].filter((entry): entry is [string, string] => typeof entry[1] === 'string')
  } catch {
    return [] // an unparsable multipart body yields no fields, as werkzeug's lenient parser does
  }
}

/** `MultiDict.get`: the first value; or invalid_request on a repeat when the provider is strict (RFC 6749 §3.2). */
function formValue(ctx: KeystoneContext, form: Form, name: string): string | undefined {
  let first: string | undefined
  let count = 0
  for (const [key, value] of form) {
    if (key !== name) continue
    if (count++ === 0) first = value
  }
  if (count > 1 && ctx.provider.config.repeatedParameters === 'reject') {
    throw new InvalidRequest(`The parameter ${name} was included more than once.`, `repeated ${name}`)
  }
  return first
}

/**
 * werkzeug's `Authorization.from_header` for Basic: the scheme compared
 * case-insensitively, lenient base64 (`base64.b64decode`: stray characters
 * dropped, wrong padding refused), UTF-8, split at the first colon. Undefined
 * for another scheme or undecodable credentials, which Keystone then ignores.
 */
export function readWerkzeugBasic(header: string | null): Readonly<{ username: string; password: string }> | undefined {
  if (!header) return undefined
  // The same header as last time: compared as text, where the map would first hash Node's fresh copy of it.
  if (header === lastBasicHeader) return lastBasicRead ?? undefined
  const cached = basicHeaders.get(header)
  if (cached !== undefined) {
    lastBasicHeader = header
    lastBasicRead = cached
    return cached === null ? undefined : cached
  }
  const read = decodeWerkzeugBasic(header)
  if (basicHeaders.size >= 256) basicHeaders.clear()
  basicHeaders.set(header, read === undefined ? null : Object.freeze(read))
  return read
}

let lastBasicHeader: string | undefined
let lastBasicRead: Readonly<{ username: string; password: string }> | null = null

/** {@link readWerkzeugBasic}'s answers by header (null: none): a client sends the same header with every request. Bounded; a full cache starts over. */
const basicHeaders = new Map<string, Readonly<{ username: string; password: string }> | null>()

function decodeWerkzeugBasic(header: string): { username: string; password: string } | undefined {
  const space = header.indexOf(' ')
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase()
  if (scheme !== 'basic') return undefined
  const given = space === -1 ? '' : header.slice(space + 1).trim()
  // Most headers are clean base64; only others go through the stripping.
  const cleaned = CLEAN_BASE64.test(given) ? given : given.replace(/[^A-Za-z0-9+/=]/g, '')
  const data = cleaned.replace(/=.*$/, '')
  const remainder = data.length % 4
  if (remainder === 1) return undefined
  if (remainder > 1 && cleaned.length - data.length < 4 - remainder) return undefined
  let decoded: string
  try {
    decoded = strictUtf8.decode(Buffer.from(data, 'base64'))
  } catch {
    return undefined
  }
  const colon = decoded.indexOf(':')
  return colon === -1 ? { username: decoded, password: '' } : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

const CLEAN_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
/** `fatal`: malformed UTF-8 throws, as Python's decode does. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** The Basic credentials as sent, or percent-decoded when only that reading names a credential with that secret (then `basic` itself is not returned). */
function leniently(ctx: KeystoneContext, basic: { username: string; password: string }): { username: string; password: string } {
  const raw = ctx.provider.store.applicationCredentials.by('id', basic.username)
  if (raw && secretsEqual(basic.password, raw.secret, raw)) return basic
  const username = formUrlDecode(basic.username)
  const password = formUrlDecode(basic.password)
  if (username === undefined || password === undefined) return basic
  const decoded = ctx.provider.store.applicationCredentials.by('id', username)
  if (decoded && secretsEqual(password, decoded.secret, decoded)) {
    ctx.notes.basicCredentialsPercentEncoded = true
    return { username, password }
  }
  return basic
}

/** The answer for a token {@link issueKeystoneToken} made: URL-safe base64 by construction, nothing JSON.stringify would escape. */
function tokenResponse(ctx: KeystoneContext, accessToken: string): Reply {
  // `expires_in` is `[token] expiration`, even when the token ends sooner (an application credential expiring first).
  const expiresIn = ctx.provider.config.tokenExpirationSeconds
  // What JSON.stringify writes for a URL-safe base64 token and a finite number, concatenated: the body
  // shares the token's characters (which the store keeps anyway) instead of copying them.
  if (Number.isFinite(expiresIn)) return keystoneAsciiJson(200, TOKEN_BODY_HEAD + accessToken + tokenBodyTail(expiresIn))
  return keystoneJson(200, { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn })
}

const TOKEN_BODY_HEAD = '{"access_token":"'
/** The body after the token, made once per `expires_in`: the body is then two concatenations, which the journal keeps. */
let tailExpiresIn = NaN
let tail = ''
function tokenBodyTail(expiresIn: number): string {
  if (expiresIn !== tailExpiresIn) {
    tail = `","token_type":"Bearer","expires_in":${expiresIn}}\n`
    tailExpiresIn = expiresIn
  }
  return tail
}

/**
 * `client_secret_basic`: authenticate with the application credential
 * (`authenticate_for_token` with method `application_credential`), then wrap
 * Keystone's error as `_client_secret_basic` does: 401 → invalid_client with
 * Keystone's message, 400 → invalid_request, another Keystone error →
 * other_error keeping its status, anything unexpected → 500 other_error with
 * the exception text.
 */
function clientSecretBasic(ctx: KeystoneContext, clientId: string, clientSecret: string): RouteAnswer {
  const { provider } = ctx
  const { store } = provider
  const credential = store.applicationCredentials.by('id', clientId)
  if (!credential) throw new OAuthError(404, 'other_error', OAUTH2_TEXT.unknownError, `Could not find Application Credential: ${clientId}.`)
  if (!secretsEqual(clientSecret, credential.secret, credential))
    throw new InvalidClient(AUTHENTICATION_REQUIRED, 'Invalid application credential ID or secret')
  const now = provider.clock.nowMs()
  if (credential.expiresAtMs !== null && now >= credential.expiresAtMs) throw new InvalidClient(AUTHENTICATION_REQUIRED, 'Application credential has expired')
  const user = store.users.by('id', credential.userId)
  if (!user) throw new InvalidClient(AUTHENTICATION_REQUIRED, `user ${credential.userId} of the application credential is gone`)
  const project = store.projects.by('id', credential.projectId)
  if (!project) {
    // A dangling project reference is not a Keystone error but a Python one: the documented 500 (fixture `brokenApplicationCredential`).
    const message = "'NoneType' object is not subscriptable"
    throw new OAuthError(500, 'other_error', message, `TypeError: project ${credential.projectId} of application credential ${credential.id} is missing`)
  }
  if (!project.enabled) throw new InvalidClient(AUTHENTICATION_REQUIRED, `project ${project.id} is disabled`)
  const token = issueKeystoneToken(provider, {
    clientId: credential.id,
    userId: user.id,
    projectId: project.id,
    roles: credential.roles,
    methods: APPLICATION_CREDENTIAL_METHODS,
    applicationCredentialId: credential.id,
    notAfterMs: credential.expiresAtMs,
  })
  return tokenResponse(ctx, token.token)
}

/** Shared by every application-credential token (sharedMeta compares it by value and keeps its own copy). */
const APPLICATION_CREDENTIAL_METHODS = Object.freeze(['application_credential']) as string[]

/** `tls_client_auth` (RFC 8705 §2.1.1): `client_id` is a user id; the certificate must map to that user. */
function tlsClientAuth(ctx: KeystoneContext, clientId: string, cert: X509Certificate | null): RouteAnswer {
  const { provider } = ctx
  if (!cert) throw new InvalidClient(OAUTH2_TEXT.clientAuthFailed, 'the client certificate could not be parsed')
  if (!issuedByTrustedCa(cert, trustedCas(provider.config.clientCas)))
    throw new InvalidClient(OAUTH2_TEXT.clientAuthFailed, 'the client certificate was not issued by a trusted CA')
  const user = provider.store.users.by('id', clientId)
  if (!user) throw new InvalidClient(OAUTH2_TEXT.clientAuthFailed, `the user does not exist. user id: ${clientId}`)
  const projectId = user.profile.defaultProjectId as string | undefined
  if (!projectId) throw new InvalidClient(OAUTH2_TEXT.clientAuthFailed, `the user does not have default project. user id: ${clientId}`)
  if (!certificateMatchesUser(provider, cert, user))
    throw new InvalidClient(OAUTH2_TEXT.clientAuthFailed, `certificate subject ${cert.subject.replace(/\n/g, ', ')} does not map to user ${clientId}`)
  const thumbprint = certificateThumbprint(cert)
  ctx.notes.thumbprint = thumbprint
  const token = issueKeystoneToken(provider, {
    clientId: user.id,
    userId: user.id,
    projectId,
    roles: (user.profile.roles as string[] | undefined) ?? [],
    methods: ['oauth2_credential'],
    thumbprint,
  })
  return tokenResponse(ctx, token.token)
}

/**
 * `POST /v3/OS-OAUTH2/token`, in `AccessTokenResource.post`'s order: grant
 * type first (so a bad grant with bad credentials is still 400), then the
 * client: Basic overrides the form's `client_id`/`client_secret` unless a
 * client certificate is present; a certificate selects `tls_client_auth`,
 * otherwise a secret selects `client_secret_basic`.
 */
export const tokenRoute = defineRoute<KeystoneRuntime>({
  id: 'keystone.token',
  method: 'POST',
  path: '/v3/OS-OAUTH2/token',
  renderError: renderOAuth2Error,
  resolve(ctx) {
    // Synchronous for a urlencoded body (the usual case): no promise, no microtask turn.
    const read = readForm(ctx)
    return read instanceof Promise ? read.then((form) => exchangeClientCredentials(ctx, form)) : exchangeClientCredentials(ctx, read)
  },
})

/** The client-credentials exchange once the form is read: grant type first, then the client (see {@link tokenRoute}). */
function exchangeClientCredentials(ctx: KeystoneContext, form: Form): RouteAnswer {
  const grantType = formValue(ctx, form, 'grant_type')
  ctx.notes.grantType = grantType
  if (grantType === undefined) throw new InvalidRequest(OAUTH2_TEXT.grantTypeRequired, 'missing grant_type')
  if (grantType !== 'client_credentials') throw new UnsupportedGrantType(OAUTH2_TEXT.grantTypeUnsupported(grantType), `grant_type ${grantType}`)

  let clientId = formValue(ctx, form, 'client_id')
  let clientSecret = formValue(ctx, form, 'client_secret')
  const cert = readClientCert(ctx.request)
  const basic = readWerkzeugBasic(ctx.request.headers.get('authorization'))
  let source = 'form'
  if (cert === undefined && basic) {
    ;({ username: clientId, password: clientSecret } = ctx.provider.config.basicCredentials === 'lenient' ? leniently(ctx, basic) : basic)
    source = 'basic'
  }
  if (!clientId) throw new InvalidClient(OAUTH2_TEXT.clientAuthFailed, 'failed to get a client_id from the request')
  ctx.notes.clientId = clientId
  const method = cert !== undefined ? 'tls_client_auth' : clientSecret ? 'client_secret_basic' : undefined
  // Keystone calls both Basic and form secrets client_secret_basic; the journal says which it really was.
  ctx.notes.clientAuthMethod = method === 'client_secret_basic' && source === 'form' ? 'client_secret_post' : method
  if (!method || !ctx.provider.config.authnMethods.includes(method)) {
    throw new InvalidClient(
      OAUTH2_TEXT.clientAuthFailed,
      method ? `${method} is not in [oauth2] oauth2_authn_methods` : 'failed to get client credentials from the request',
    )
  }
  try {
    return method === 'tls_client_auth' ? tlsClientAuth(ctx, clientId, cert ?? null) : clientSecretBasic(ctx, clientId, clientSecret!)
  } catch (error) {
    if (error instanceof OAuthError) {
      if (source === 'basic' && basic && ctx.provider.config.basicCredentials === 'raw' && leniently(ctx, basic) !== basic) {
        ctx.hint(
          "The HTTP Basic credentials name an application credential only once percent-decoded: Keystone does not decode them (werkzeug only base64-decodes), while clients that follow RFC 6749 §2.3.1, such as oauth4webapi and openid-client, encode the '-' and '_' of Keystone's ids and secrets. Send them unencoded, or create the provider with basicCredentials: 'lenient'.",
        )
      }
      throw error
    }
    // `except Exception as error`: 500 other_error carrying str(error).
    throw new OAuthError(500, 'other_error', String((error as Error)?.message ?? error), String((error as Error)?.stack ?? error))
  }
}

/** `AccessTokenResource.get/head/put/patch/delete`: 405 other_error. */
export const tokenMethodNotAllowedRoute = defineRoute<KeystoneRuntime>({
  id: 'keystone.token-method-not-allowed',
  method: ['GET', 'PUT', 'PATCH', 'DELETE'],
  path: '/v3/OS-OAUTH2/token',
  renderError: renderOAuth2Error,
  resolve() {
    throw new OAuthError(405, 'other_error', OAUTH2_TEXT.methodNotAllowed, 'method not allowed')
  },
})
