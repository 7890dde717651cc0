import {
  activeGrant,
  appendQuery,
  AuthorizationError,
  renderAuthorizationError,
  validateAuthorizationRequest,
  type ValidAuthorizationRequest,
} from '../../core/authorize.js'
import type { OAuthError } from '../../core/errors.js'
import { html, renderPage, type SafeHtml } from '../../core/html.js'
import { Params } from '../../core/params.js'
import type { RouteAnswer } from '../../core/reply.js'
import { defineRoute, type RouteDefinition } from '../../core/routes.js'
import { randomBase64Url, randomHex } from '../../core/secrets.js'
import { csrfField, readSession, redirect, requireCsrf } from '../../core/session.js'
import type { Client, Session, User } from '../../store/index.js'
import { isDisabledDocumentClient, resolveClientIdDocument } from './client-id-document.js'
import { consumePushedRequest, pushedRequestFor, REQUEST_URI_PREFIX } from './pushed-requests.js'
import { clientMeta, resourceUrlOf, STANDARD_PATHS, STANDARD_SCOPES, type StandardContext, type StandardRuntime } from './config.js'

/** An authorization request that passed every check, with what OpenID Connect and RFC 8707 add to the core's. */
export interface StandardAuthorizationRequest extends ValidAuthorizationRequest {
  codeChallenge: string
  nonce: string | undefined
  prompt: Set<string>
  maxAgeSeconds: number | undefined
  resources: string[]
  dpopJkt: string | undefined
}

/**
 * Exact string matching of redirect URIs (OAuth 2.1 §2.3.1, RFC 9700 §4.1.3),
 * except that a loopback IP redirect URI matches on any port (RFC 8252 §7.3):
 * native apps open an ephemeral port per request.
 */
export function matchRedirectUri(given: string | undefined, client: Client): string | undefined {
  if (given === undefined) return undefined
  if (client.redirectUris.includes(given)) return given
  let url: URL
  try {
    url = new URL(given)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' || (url.hostname !== '127.0.0.1' && url.hostname !== '[::1]')) return undefined
  // Compare as written, minus the port: `http://127.0.0.1:51234/callback` against `http://127.0.0.1/callback`.
  const withoutPort = given.replace(`${url.hostname}:${url.port}`, url.hostname)
  return client.redirectUris.some((registered) => registered === withoutPort && new URL(registered).port === '') ? given : undefined
}

/** Every value of a parameter that may repeat (RFC 8707 §2: `resource` may be given several times). */
function allValues(ctx: StandardContext, name: string, source?: URLSearchParams): string[] {
  source ??= ctx.request.method.toUpperCase() === 'POST' ? new URLSearchParams(ctx.bodyText) : ctx.url.searchParams
  return source.getAll(name).filter((v) => v !== '')
}

/** RFC 8707 §2: absolute URIs without a fragment, and here only the resources this server protects. */
export function checkResources(ctx: StandardContext, resources: string[], fail: (error: string, description: string) => Error): string[] {
  const known = [resourceUrlOf(ctx.provider)]
  for (const resource of resources) {
    let url: URL | undefined
    try {
      url = new URL(resource)
    } catch {
      url = undefined
    }
    if (!url || url.hash || resource.includes('#'))
      throw fail('invalid_target', `The "resource" ${resource} is not an absolute URI without a fragment (RFC 8707 §2).`)
    if (!known.includes(resource))
      throw fail('invalid_target', `The "resource" ${resource} is not a resource this server issues tokens for (known: ${known.join(', ')}).`)
  }
  return [...new Set(resources)]
}

/**
 * The core's checks (client, redirect URI, response type, scopes, PKCE shape),
 * then OAuth 2.1's and OpenID Connect's: S256 only, `nonce`, `prompt`,
 * `max_age`, `resource`, and no request objects.
 */
export function validateStandardRequest(ctx: StandardContext, params: Params, source?: URLSearchParams): StandardAuthorizationRequest {
  // Refused first: the core's checks would find the kept record and redirect their errors to its redirect URI.
  const clientId = params.value('client_id')
  const kept = clientId === undefined ? undefined : ctx.provider.store.clients.by('clientId', clientId)
  if (kept && isDisabledDocumentClient(ctx.provider, kept))
    throw new AuthorizationError('invalid_client', `No application is registered with the client_id "${clientId}".`)
  const request = validateAuthorizationRequest(ctx as never, params)
  const fail = (error: string, description: string) => new AuthorizationError(error, description, request.redirectUri, request.state)
  const read = (name: string) => {
    try {
      return params.value(name)
    } catch (e) {
      throw fail('invalid_request', (e as OAuthError).description)
    }
  }
  // @see OAuth 2.1 §4.1.1 and RFC 9700 §2.1.1: S256; `plain` (also the default when the method is absent) is refused.
  if (request.codeChallengeMethod !== 'S256') {
    throw fail(
      'invalid_request',
      request.codeChallengeMethod === 'plain' && read('code_challenge_method') === undefined
        ? 'The "code_challenge_method" parameter is missing; this server requires S256 (RFC 9700 §2.1.1).'
        : 'The "code_challenge_method" must be S256; plain is not accepted (RFC 9700 §2.1.1).',
    )
  }
  // @see OIDC Core §6.1, §6.2: request objects are not supported, and said so.
  if (read('request') !== undefined) throw fail('request_not_supported', 'Request objects ("request") are not supported.')
  if (read('request_uri') !== undefined) throw fail('request_uri_not_supported', 'The "request_uri" parameter is not supported.')
  const responseMode = read('response_mode')
  if (responseMode !== undefined && responseMode !== 'query') throw fail('invalid_request', `The response_mode "${responseMode}" is not supported; use query.`)
  const prompt = new Set((read('prompt') ?? '').split(' ').filter(Boolean))
  for (const value of prompt)
    if (!['none', 'login', 'consent'].includes(value)) throw fail('invalid_request', `The prompt value "${value}" is not supported (none, login, consent).`)
  // @see OIDC Core §3.1.2.1: "If this parameter contains none with any other value, an error is returned."
  if (prompt.has('none') && prompt.size > 1) throw fail('invalid_request', 'The prompt value "none" cannot be combined with other values.')
  const maxAge = read('max_age')
  if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) throw fail('invalid_request', 'The "max_age" parameter must be a number of seconds.')
  const resources = checkResources(ctx, allValues(ctx, 'resource', source), fail)
  // @see RFC 9449 §10: a JWK SHA-256 thumbprint, base64url (43 characters).
  const dpopJkt = read('dpop_jkt')
  if (dpopJkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(dpopJkt))
    throw fail('invalid_request', 'The "dpop_jkt" parameter must be a base64url SHA-256 JWK thumbprint (RFC 9449 §10).')
  return {
    ...request,
    codeChallenge: request.codeChallenge!,
    nonce: read('nonce'),
    prompt,
    maxAgeSeconds: maxAge === undefined ? undefined : Number(maxAge),
    resources,
    dpopJkt,
  }
}

/** RFC 9207 §2: every authorization response, success or error, carries `iss`. */
function redirectToClient(ctx: StandardContext, redirectUri: string, params: Record<string, string | undefined>): RouteAnswer {
  return redirect(appendQuery(redirectUri, { ...params, iss: ctx.provider.baseUrl }))
}

/** Errors with a trusted redirect URI go back to the client with `state` and `iss`; the others are shown on a page. */
export function renderStandardAuthorizationError(error: OAuthError, ctx: StandardContext): RouteAnswer {
  if (error instanceof AuthorizationError && error.redirectUri) {
    return redirectToClient(ctx, error.redirectUri, { error: error.error, error_description: error.description, state: error.state })
  }
  return renderAuthorizationError(error, ctx as never)
}

function signedInSession(ctx: StandardContext): { session: Session; user: User } | undefined {
  const session = readSession(ctx)
  const user = session?.userId ? ctx.provider.store.users.by('id', session.userId) : undefined
  return session && user ? { session, user } : undefined
}

/** The login page, coming back to `returnTo` (a path on this origin). */
function toLogin(ctx: StandardContext, returnTo: string): RouteAnswer {
  return redirect(ctx.link(`${STANDARD_PATHS.login}?return_to=${encodeURIComponent(returnTo)}`))
}

async function approve(ctx: StandardContext, request: StandardAuthorizationRequest, user: User, session: Session): Promise<RouteAnswer> {
  const { store, clock, config } = ctx.provider
  const now = clock.nowMs()
  const code = store.codes.insert({
    code: randomBase64Url(32),
    clientId: request.client.clientId,
    userId: user.id,
    redirectUri: request.redirectUri,
    scopes: request.scopes,
    nonce: request.nonce ?? null,
    authTimeMs: session.createdAtMs,
    codeChallenge: request.codeChallenge,
    dpopJkt: request.dpopJkt ?? null,
    resources: request.resources,
    issuedAtMs: now,
    expiresAtMs: now + config.codeTtlSeconds * 1000,
    redeemedAtMs: null,
    familyId: null,
  })
  const grant = activeGrant(store as never, user.id, request.client.clientId)
  if (grant) store.grants.patch(grant, { scopes: [...new Set([...grant.scopes, ...request.scopes])] })
  else await store.grants.collection.create({ id: randomHex(16), userId: user.id, clientId: request.client.clientId, scopes: request.scopes, createdAtMs: now })
  ctx.notes.codeIssued = true
  return redirectToClient(ctx, request.redirectUri, { code: code.code, state: request.state })
}

function hiddenFields(request: StandardAuthorizationRequest): SafeHtml {
  const fields: Array<[string, string | undefined]> = [
    ['client_id', request.client.clientId],
    ['redirect_uri', request.redirectUri],
    ['response_type', request.responseType],
    ['scope', request.scopes.join(' ')],
    ['state', request.state],
    ['code_challenge', request.codeChallenge],
    ['code_challenge_method', 'S256'],
    ['nonce', request.nonce],
    ['dpop_jkt', request.dpopJkt],
    ...request.resources.map((r): [string, string] => ['resource', r]),
  ]
  return html`${fields.filter(([, v]) => v !== undefined).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`)}`
}

function scopeList(scopes: string[]): SafeHtml {
  return html`<ul class="scopes" data-testid="consent-scopes">${scopes.map((scope) => html`<li data-scope="${scope}">${STANDARD_SCOPES[scope] ?? scope}</li>`)}</ul>`
}

function consentPage(ctx: StandardContext, request: StandardAuthorizationRequest, session: Session, setCookie?: string): RouteAnswer {
  return renderPage({
    title: 'Authorization required',
    brand: ctx.provider.config.web.brand,
    headers: setCookie ? { 'Set-Cookie': setCookie } : {},
    body: html`<h1>Authorization required</h1>
<p>Allow <strong data-testid="consent-app-name">${request.client.name}</strong> to:</p>
${scopeList(request.scopes)}
${request.resources.length ? html`<p>for <code data-testid="consent-resources">${request.resources.join(', ')}</code></p>` : ''}
<form method="post" action="${STANDARD_PATHS.authorize}" data-testid="consent-form">
${csrfField(session)}
${hiddenFields(request)}
<div class="actions">
<button type="submit" name="decision" value="authorize" class="primary" data-testid="consent-approve">Allow</button>
<button type="submit" name="decision" value="deny" data-testid="consent-deny">Deny</button>
</div>
</form>`,
  })
}

/** The authorize URL as it came, minus `prompt=login` (already honoured by the login it leads to). */
function returnPath(ctx: StandardContext): string {
  const url = new URL(ctx.url)
  const prompt = (url.searchParams.get('prompt') ?? '').split(' ').filter((p) => p && p !== 'login')
  if (prompt.length) url.searchParams.set('prompt', prompt.join(' '))
  else url.searchParams.delete('prompt')
  return url.pathname + url.search
}

/**
 * The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2): validation,
 * then login (`prompt=login`, `max_age`), then consent (`prompt=consent`, or
 * no earlier grant of these scopes); `prompt=none` answers login_required or
 * consent_required instead of showing a page.
 */
export const authorizeRoutes: RouteDefinition<StandardRuntime>[] = [
  defineRoute<StandardRuntime>({
    id: 'standard.authorize',
    method: 'GET',
    path: STANDARD_PATHS.authorize,
    renderError: renderStandardAuthorizationError,
    async resolve(ctx) {
      const requestUri = ctx.query.value('request_uri')
      // A pushed request's client was resolved at the push.
      await resolveClientIdDocument(ctx, ctx.query.value('client_id'), { refresh: requestUri === undefined })
      const pushed = requestUri?.startsWith(REQUEST_URI_PREFIX) ? pushedRequestFor(ctx, requestUri) : undefined
      const request = pushed ? validateStandardRequest(ctx, Params.fromSearch(pushed.source), pushed.source) : validateStandardRequest(ctx, ctx.query)
      const fail = (error: string, description: string) => new AuthorizationError(error, description, request.redirectUri, request.state)
      // @see RFC 9126 §6: a client registered so sends its requests only by reference.
      if (!pushed && clientMeta(request.client).require_pushed_authorization_requests)
        throw fail('invalid_request', 'This client must push its authorization requests to the pushed_authorization_request_endpoint (RFC 9126).')
      const signedIn = signedInSession(ctx)
      const ageSeconds = signedIn ? Math.floor((ctx.provider.clock.nowMs() - signedIn.session.createdAtMs) / 1000) : Infinity
      const loginNeeded = !signedIn || request.prompt.has('login') || (request.maxAgeSeconds !== undefined && ageSeconds > request.maxAgeSeconds)
      if (loginNeeded) {
        ctx.notes.loginRequired = true
        if (request.prompt.has('none'))
          throw fail(
            'login_required',
            signedIn
              ? 'The authentication is older than "max_age" and prompt=none forbids asking again.'
              : 'The user is not signed in and prompt=none forbids asking.',
          )
        return toLogin(ctx, returnPath(ctx))
      }
      if (pushed) consumePushedRequest(ctx, pushed.requestUri)
      const { session, user } = signedIn!
      const granted = activeGrant(ctx.provider.store as never, user.id, request.client.clientId)
      const covered = granted !== undefined && request.scopes.every((s) => granted.scopes.includes(s))
      if (covered && !request.prompt.has('consent')) {
        ctx.notes.consentSkipped = true
        return approve(ctx, request, user, session)
      }
      if (request.prompt.has('none')) throw fail('consent_required', 'The user has not granted these scopes to this client and prompt=none forbids asking.')
      return consentPage(ctx, request, session)
    },
  }),
  defineRoute<StandardRuntime>({
    id: 'standard.consent',
    method: 'POST',
    path: STANDARD_PATHS.authorize,
    renderError: renderStandardAuthorizationError,
    async resolve(ctx) {
      const form = ctx.body()
      requireCsrf(ctx, form)
      const signedIn = signedInSession(ctx)
      if (!signedIn) return toLogin(ctx, STANDARD_PATHS.authorize)
      // The hidden fields came back from the browser: every check runs again.
      const request = validateStandardRequest(ctx, form)
      const decision = form.get('decision')
      ctx.notes.decision = decision ?? null
      if (decision === 'authorize') return approve(ctx, request, signedIn.user, signedIn.session)
      return redirectToClient(ctx, request.redirectUri, { error: 'access_denied', error_description: 'The user denied the request.', state: request.state })
    },
  }),
]
