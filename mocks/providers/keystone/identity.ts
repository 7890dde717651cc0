import { readClientCert } from '../../core/client-cert.js'
import { mediaType } from '../../core/params.js'
import { defineRoute } from '../../core/routes.js'
import { randomBase64Url, randomHex, secretsEqual } from '../../core/secrets.js'
import type { Token, User } from '../../store/index.js'
import type { KeystoneContext, KeystoneRuntime } from './config.js'
import { certificateThumbprint } from './mtls.js'
import type { ApplicationCredential } from './store.js'
import { AUTHENTICATION_REQUIRED, expectingToFind, identityError, keystoneJson } from './responses.js'
import { findLiveToken, issueKeystoneToken, tokenHints, keystoneTime, renderTokenBody, roleRef, tokenMeta } from './fernet-tokens.js'
import { parseJsonBounded } from '../../core/json.js'

/**
 * Keystone's own API (classic error envelope `{"error":{"code","title","message"}}`):
 * `/v3/auth/tokens` to get and validate tokens, and the application
 * credentials a user creates to become an OAuth 2.0 client (PROVIDERS.md §1.8).
 */

const forbidden = (ctx: KeystoneContext, action: string) =>
  identityError(ctx, 403, `You are not authorized to perform the requested action: identity:${action}.`)
/** jsonschema's wording, as Keystone's SchemaValidationError passes it on. [inf: message layout] */
const invalidInput = (ctx: KeystoneContext, field: string, message: string) => identityError(ctx, 400, `Invalid input for field '${field}': ${message}`)

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** keystone/server/flask/request_processing/json_body.py: a body must be JSON (or untyped), and valid. */
function readJsonBody(ctx: KeystoneContext): Json {
  if (!ctx.bodyText) return {}
  const type = mediaType(ctx.request)
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json'))
    throw identityError(ctx, 400, expectingToFind('application/json', 'Content-Type header'))
  let parsed: unknown
  try {
    parsed = parseJsonBounded(ctx.bodyText)
  } catch {
    throw identityError(ctx, 400, expectingToFind('valid JSON', 'request body'))
  }
  if (!isObject(parsed)) throw invalidInput(ctx, '', `${JSON.stringify(parsed)} is not of type 'object'`)
  return parsed
}

/**
 * The token in `X-Auth-Token`, live, and presented with the certificate it is
 * bound to (if any): keystonemiddleware's `oauth2_mtls_token` and Keystone's
 * own validation refuse a bound token from another TLS client.
 */
export function requireAuthToken(ctx: KeystoneContext): Token {
  const value = ctx.request.headers.get('x-auth-token')
  const token = findLiveToken(ctx.provider, value)
  if (!token) {
    tokenHints(ctx, value ?? undefined, '"X-Auth-Token: <token>" (Keystone\'s own API reads no Authorization header)')
    throw identityError(ctx, 401, AUTHENTICATION_REQUIRED)
  }
  if (!certificateBindingHolds(ctx, token)) throw identityError(ctx, 401, AUTHENTICATION_REQUIRED)
  return token
}

/** RFC 8705 §3: a bound token needs a client certificate with the same `x5t#S256`. */
export function certificateBindingHolds(ctx: KeystoneContext, token: Token): boolean {
  const bound = tokenMeta(token).thumbprint
  if (!bound) return true
  const cert = readClientCert(ctx.request)
  ctx.notes.certificateBound = true
  return !!cert && certificateThumbprint(cert) === bound
}

function userByRef(ctx: KeystoneContext, ref: unknown): User | undefined {
  if (!isObject(ref)) throw identityError(ctx, 400, expectingToFind('user', 'password'))
  const { users } = ctx.provider.store
  if (typeof ref.id === 'string') return users.by('id', ref.id)
  if (typeof ref.name !== 'string') throw identityError(ctx, 400, expectingToFind('id or name', 'user'))
  const domain = ref.domain
  if (!isObject(domain) || (typeof domain.id !== 'string' && typeof domain.name !== 'string')) throw identityError(ctx, 400, expectingToFind('domain', 'user'))
  const user = users.by('username', ref.name)
  const { domain: known } = ctx.provider.config
  const domainId = typeof domain.id === 'string' ? domain.id : domain.name === known.name ? known.id : undefined
  return user && user.profile.domainId === domainId ? user : undefined
}

/** The project a password token is scoped to: the one asked for (which must be the user's), else the default project. */
function scopeProject(ctx: KeystoneContext, scope: unknown, user: User): string {
  const defaultProjectId = String(user.profile.defaultProjectId ?? '')
  if (scope === undefined) return defaultProjectId
  const project = isObject(scope) && isObject(scope.project) ? scope.project : undefined
  if (!project) throw identityError(ctx, 400, expectingToFind('project', 'scope'))
  const found =
    typeof project.id === 'string'
      ? ctx.provider.store.projects.by('id', project.id)
      : typeof project.name === 'string'
        ? ctx.provider.store.projects.by('id', defaultProjectId)
        : undefined
  if (!found || found.id !== defaultProjectId || (typeof project.name === 'string' && project.name !== found.name)) {
    // Only the default-project role assignment is modelled; any other project has none.
    throw identityError(ctx, 401, AUTHENTICATION_REQUIRED)
  }
  return found.id
}

async function authenticatePassword(ctx: KeystoneContext, identity: Json, scope: unknown): Promise<Token> {
  const password = identity.password
  if (!isObject(password)) throw identityError(ctx, 400, expectingToFind('password', 'identity'))
  const user = userByRef(ctx, password.user)
  const given = isObject(password.user) ? password.user.password : undefined
  if (typeof given !== 'string') throw identityError(ctx, 400, expectingToFind('password', 'user'))
  if (!user || !secretsEqual(given, user.password)) throw identityError(ctx, 401, AUTHENTICATION_REQUIRED)
  const projectId = scopeProject(ctx, scope, user)
  return issueKeystoneToken(ctx.provider, {
    clientId: 'keystone',
    userId: user.id,
    projectId,
    roles: (user.profile.roles as string[]) ?? [],
    methods: ['password'],
  })
}

async function authenticateApplicationCredential(ctx: KeystoneContext, identity: Json): Promise<Token> {
  const given = identity.application_credential
  if (!isObject(given)) throw identityError(ctx, 400, expectingToFind('application_credential', 'identity'))
  if (typeof given.secret !== 'string') throw identityError(ctx, 400, expectingToFind('secret', 'application_credential'))
  const { store } = ctx.provider
  let credential: ApplicationCredential | undefined
  if (typeof given.id === 'string') {
    credential = store.applicationCredentials.by('id', given.id)
    if (!credential) throw identityError(ctx, 404, `Could not find Application Credential: ${given.id}.`)
  } else if (typeof given.name === 'string' && isObject(given.user)) {
    const user = userByRef(ctx, given.user)
    credential = user ? store.applicationCredentials.by('userName', `${user.id}/${given.name}`) : undefined
    if (!credential) throw identityError(ctx, 401, AUTHENTICATION_REQUIRED)
  } else throw identityError(ctx, 400, expectingToFind('id or name and user', 'application_credential'))
  const now = ctx.provider.clock.nowMs()
  if (!secretsEqual(given.secret, credential.secret) || (credential.expiresAtMs !== null && now >= credential.expiresAtMs)) {
    throw identityError(ctx, 401, AUTHENTICATION_REQUIRED)
  }
  if (!store.projects.by('id', credential.projectId)) throw identityError(ctx, 401, AUTHENTICATION_REQUIRED)
  return issueKeystoneToken(ctx.provider, {
    clientId: credential.id,
    userId: credential.userId,
    projectId: credential.projectId,
    roles: credential.roles,
    methods: ['application_credential'],
    applicationCredentialId: credential.id,
    notAfterMs: credential.expiresAtMs,
  })
}

/** `POST /v3/auth/tokens`: 201, the token id in `X-Subject-Token`, the token in the body. */
const issueTokenRoute = defineRoute<KeystoneRuntime>({
  id: 'keystone.auth-tokens-issue',
  method: 'POST',
  path: '/v3/auth/tokens',
  async resolve(ctx) {
    const body = readJsonBody(ctx)
    if (!isObject(body.auth)) throw invalidInput(ctx, 'auth', "'auth' is a required property")
    const identity = body.auth.identity
    if (!isObject(identity)) throw invalidInput(ctx, 'auth', "'identity' is a required property")
    const methods = identity.methods
    if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
      throw invalidInput(ctx, 'auth/identity/methods', "'methods' must be a non-empty array of strings")
    }
    ctx.notes.authMethods = methods
    let token: Token
    if (methods.includes('password')) token = await authenticatePassword(ctx, identity, body.auth.scope)
    else if (methods.includes('application_credential')) token = await authenticateApplicationCredential(ctx, identity)
    else throw identityError(ctx, 401, 'Attempted to authenticate with an unsupported method.')
    return keystoneJson(201, renderTokenBody(ctx, token, { catalog: !ctx.url.searchParams.has('nocatalog') }), { 'X-Subject-Token': token.token })
  },
})

function subjectToken(ctx: KeystoneContext, auth: Token): Token {
  const value = ctx.request.headers.get('x-subject-token')
  if (!value) throw identityError(ctx, 400, expectingToFind('X-Subject-Token', 'header'))
  const subject = findLiveToken(ctx.provider, value)
  if (!subject) throw identityError(ctx, 404, `Could not find token: ${value}.`)
  // Default policy `identity:validate_token`: admin, or the subject is the caller's own token.
  if (subject.userId !== auth.userId && !tokenMeta(auth).roles.includes('admin'))
    throw forbidden(ctx, ctx.request.method === 'DELETE' ? 'revoke_token' : 'validate_token')
  return subject
}

/** `GET`/`HEAD /v3/auth/tokens`: validation, as keystoneauth's mTLS plugin calls it with both headers the same token. */
const validateTokenRoute = defineRoute<KeystoneRuntime>({
  id: 'keystone.auth-tokens-validate',
  method: 'GET',
  path: '/v3/auth/tokens',
  resolve(ctx) {
    const subject = subjectToken(ctx, requireAuthToken(ctx))
    return keystoneJson(200, renderTokenBody(ctx, subject, { catalog: !ctx.url.searchParams.has('nocatalog') }), { 'X-Subject-Token': subject.token })
  },
})

/** `DELETE /v3/auth/tokens`: revokes the subject token. */
const revokeTokenRoute = defineRoute<KeystoneRuntime>({
  id: 'keystone.auth-tokens-revoke',
  method: 'DELETE',
  path: '/v3/auth/tokens',
  resolve(ctx) {
    const subject = subjectToken(ctx, requireAuthToken(ctx))
    ctx.provider.store.tokens.patch(subject, { revokedAtMs: ctx.provider.clock.nowMs() })
    return keystoneJson(204, undefined)
  },
})

/** The token of the user named in the path, allowed to manage application credentials. */
function requireOwner(ctx: KeystoneContext, action: string): Token {
  const token = requireAuthToken(ctx)
  if (token.userId !== ctx.params.user_id) throw forbidden(ctx, action)
  const credentialId = tokenMeta(token).applicationCredentialId
  if (credentialId && !ctx.provider.store.applicationCredentials.by('id', credentialId)?.unrestricted) {
    throw identityError(ctx, 403, "Using method 'application_credential' is not allowed for managing additional application credentials.")
  }
  return token
}

function renderCredential(ctx: KeystoneContext, credential: ApplicationCredential, withSecret: boolean) {
  return {
    id: credential.id,
    name: credential.name,
    description: credential.description,
    ...(withSecret ? { secret: credential.secret } : {}),
    user_id: credential.userId,
    project_id: credential.projectId,
    roles: credential.roles.map((name) => ({ ...roleRef(ctx.provider, name), domain_id: null })),
    expires_at: credential.expiresAtMs === null ? null : keystoneTime(credential.expiresAtMs),
    unrestricted: credential.unrestricted,
    access_rules: credential.accessRules,
    system: null,
    links: { self: ctx.link(`/v3/users/${credential.userId}/application_credentials/${credential.id}`) },
  }
}

const CREATE_FIELDS = new Set(['name', 'secret', 'description', 'expires_at', 'roles', 'unrestricted', 'access_rules'])

/** `POST /v3/users/{user_id}/application_credentials` → 201; the only time the secret is shown. */
const createCredentialRoute = defineRoute<KeystoneRuntime>({
  id: 'keystone.application-credentials-create',
  method: 'POST',
  path: '/v3/users/:user_id/application_credentials',
  async resolve(ctx) {
    const token = requireOwner(ctx, 'create_application_credential')
    const body = readJsonBody(ctx)
    const given = body.application_credential
    if (!isObject(given)) throw invalidInput(ctx, 'application_credential', "'application_credential' is a required property")
    const extra = Object.keys(given).filter((key) => !CREATE_FIELDS.has(key))
    if (extra.length)
      throw invalidInput(
        ctx,
        'application_credential',
        `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`,
      )
    const { name, secret, description, expires_at: expiresAt, roles, unrestricted, access_rules: accessRules } = given
    if (typeof name !== 'string' || name.length < 1 || name.length > 255)
      throw invalidInput(ctx, 'application_credential/name', "'name' must be a string of 1 to 255 characters")
    if (secret !== undefined && secret !== null && (typeof secret !== 'string' || secret === ''))
      throw invalidInput(ctx, 'application_credential/secret', "'secret' must be a non-empty string")
    if (description !== undefined && description !== null && typeof description !== 'string')
      throw invalidInput(ctx, 'application_credential/description', `${JSON.stringify(description)} is not of type 'string', 'null'`)
    if (unrestricted !== undefined && typeof unrestricted !== 'boolean')
      throw invalidInput(ctx, 'application_credential/unrestricted', `${JSON.stringify(unrestricted)} is not of type 'boolean'`)
    if (accessRules !== undefined && !(Array.isArray(accessRules) && accessRules.every(isObject)))
      throw invalidInput(ctx, 'application_credential/access_rules', "'access_rules' must be an array of objects")
    let expiresAtMs: number | null = null
    if (expiresAt !== undefined && expiresAt !== null) {
      expiresAtMs = typeof expiresAt === 'string' ? Date.parse(expiresAt) : NaN
      if (Number.isNaN(expiresAtMs)) throw invalidInput(ctx, 'application_credential/expires_at', `${JSON.stringify(expiresAt)} is not a 'date-time'`)
      if (expiresAtMs <= ctx.provider.clock.nowMs()) throw identityError(ctx, 400, 'Invalid application credential: The expiration time is in the past.')
    }
    const held = tokenMeta(token).roles
    let delegated = held
    if (roles !== undefined) {
      if (!Array.isArray(roles) || !roles.every((r) => isObject(r) && (typeof r.id === 'string' || typeof r.name === 'string'))) {
        throw invalidInput(ctx, 'application_credential/roles', "each role must be an object with an 'id' or a 'name'")
      }
      delegated = roles.map((r) => (typeof r.name === 'string' ? r.name : (ctx.provider.config.roles.find((known) => known.id === r.id)?.name ?? String(r.id))))
      const missing = delegated.filter((role) => !held.includes(role))
      // Keystone: a role the creating token lacks cannot be delegated.
      if (missing.length)
        throw identityError(ctx, 403, `You are not authorized to perform the requested action: roles ${missing.join(', ')} are not held by the token.`)
      delegated = [...new Set(delegated)]
    }
    const userId = token.userId!
    if (ctx.provider.store.applicationCredentials.by('userName', `${userId}/${name}`)) {
      throw identityError(ctx, 409, `Conflict occurred attempting to store application_credential - Duplicate name, ${name}.`)
    }
    const credential = await ctx.provider.store.applicationCredentials.collection.create({
      id: randomHex(16),
      name,
      userName: `${userId}/${name}`,
      userId,
      projectId: tokenMeta(token).projectId,
      // keystone/api/users.py _generate_secret: 64 random bytes, URL-safe base64 without padding.
      secret: typeof secret === 'string' ? secret : randomBase64Url(64),
      description: (description as string | null | undefined) ?? null,
      expiresAtMs,
      roles: delegated,
      unrestricted: unrestricted ?? false,
      accessRules: (accessRules as Json[] | undefined) ?? [],
      createdAtMs: ctx.provider.clock.nowMs(),
    })
    return keystoneJson(201, { application_credential: renderCredential(ctx, credential, true) })
  },
})

const listCredentialsRoute = defineRoute<KeystoneRuntime>({
  id: 'keystone.application-credentials-list',
  method: 'GET',
  path: '/v3/users/:user_id/application_credentials',
  resolve(ctx) {
    const token = requireOwner(ctx, 'list_application_credentials')
    const name = ctx.query.get('name')
    const credentials = ctx.provider.store.applicationCredentials.collection
      .findMany((q) => q.where({ userId: token.userId! }))
      .filter((c) => name === undefined || c.name === name)
    return keystoneJson(200, {
      application_credentials: credentials.map((c) => renderCredential(ctx, c, false)),
      links: { self: ctx.link(`/v3/users/${token.userId}/application_credentials`), previous: null, next: null },
    })
  },
})

function ownedCredential(ctx: KeystoneContext, token: Token): ApplicationCredential {
  const credential = ctx.provider.store.applicationCredentials.by('id', ctx.params.credential_id)
  if (!credential || credential.userId !== token.userId) throw identityError(ctx, 404, `Could not find Application Credential: ${ctx.params.credential_id}.`)
  return credential
}

const showCredentialRoute = defineRoute<KeystoneRuntime>({
  id: 'keystone.application-credentials-show',
  method: 'GET',
  path: '/v3/users/:user_id/application_credentials/:credential_id',
  resolve(ctx) {
    const credential = ownedCredential(ctx, requireOwner(ctx, 'get_application_credential'))
    return keystoneJson(200, { application_credential: renderCredential(ctx, credential, false) })
  },
})

/** `DELETE …/application_credentials/{id}` → 204; its tokens stop working at once. */
const deleteCredentialRoute = defineRoute<KeystoneRuntime>({
  id: 'keystone.application-credentials-delete',
  method: 'DELETE',
  path: '/v3/users/:user_id/application_credentials/:credential_id',
  async resolve(ctx) {
    const credential = ownedCredential(ctx, requireOwner(ctx, 'delete_application_credential'))
    await ctx.provider.store.applicationCredentials.collection.delete(credential)
    return keystoneJson(204, undefined)
  },
})

export const identityRoutes = [
  issueTokenRoute,
  validateTokenRoute,
  revokeTokenRoute,
  createCredentialRoute,
  listCredentialsRoute,
  showCredentialRoute,
  deleteCredentialRoute,
]
