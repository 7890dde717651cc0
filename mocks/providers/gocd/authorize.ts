import { OAuthError } from '../../core/errors.js'
import { html } from '../../core/html.js'
import type { Params } from '../../core/params.js'
import type { RouteDefinition } from '../../core/routes.js'
import { randomHex } from '../../core/secrets.js'
import { csrfField, currentUser, ensureSession, redirect, redirectToLogin, requireCsrf } from '../../core/session.js'
import type { Client, User } from '../../store/index.js'
import type { GocdContext, GocdRuntime } from './config.js'
import { appendGocdQuery, gocdPage, gocdRoute, requireHttps } from './responses.js'
import { ownerKey } from './store.js'
import { isRouteAnswer, type RouteAnswer } from '../../core/reply.js'
import { runAuthorizeShortcut } from '../../control/authorize-shortcut.js'
import type { AuthorizeShortcutInput, AuthorizeShortcutResult } from '../../control/control-api.js'

/**
 * GoCD's authorization endpoint (gocd-oauth.txt "Request for authorization
 * code"; the oauth2_provider's authorize_controller, PROVIDERS §2.3), at both
 * spellings of the document: `/oauth/authorize` (its text) and
 * `/go/oauth/authorize` (the real mount). `notes.pathForm` records which one a
 * client used.
 */

export const AUTHORIZE_PATHS = ['/go/oauth/authorize', '/oauth/authorize'] as const

/** Words for GoCD's error codes on the mock's error page (GoCD itself only redirected). */
const ERROR_PAGE_DESCRIPTIONS: Record<string, string> = {
  'invalid-request': 'The "client_id" and "response_type" parameters are required.',
  'unsupported-response-type': 'The "response_type" must be "code".',
  'invalid-client-id': 'No OAuth client is registered with this client_id.',
  'redirect-uri-mismatch': 'The "redirect_uri" is not the redirect URL registered for this OAuth client.',
}

interface ValidRequest {
  client: Client
  redirectUri: string
  state: string | undefined
}

/** Rails' `blank?`: absent, empty or only whitespace. */
function blank(value: string | undefined): value is undefined {
  return value === undefined || value.trim() === ''
}

/** Rails' `redirect_to` with a string: kept when it has a scheme (or is `//host`), else made absolute on this host. */
function railsLocation(ctx: GocdContext, target: string): string {
  return /^([a-z][a-z\d\-+.]*:|\/\/)/i.test(target) ? target : ctx.baseUrl + target
}

function errorPage(ctx: GocdContext, error: string, status = 400, description?: string): RouteAnswer {
  return gocdPage(
    ctx,
    'Authorization error',
    html`<h1>The authorization request was refused</h1>
<div class="error" role="alert" data-testid="authorize-error"><p><code data-testid="authorize-error-code">${error}</code></p><p data-testid="authorize-error-description">${description ?? ERROR_PAGE_DESCRIPTIONS[error] ?? error}</p></div>
<p class="hint">The application that sent you here is misconfigured; you were not sent back to it.</p>`,
    { status },
  )
}

/**
 * GoCD's `<redirect_uri>?error=<code>` for a failed validation. GoCD sent it
 * to whatever `redirect_uri` said, before knowing the client (an open
 * redirect). By default the mock only redirects when the URI is the client's
 * registered one, and shows an error page otherwise; `faithfulOpenRedirect`
 * restores GoCD's behaviour.
 */
function redirectWithError(ctx: GocdContext, params: Params, error: string): RouteAnswer {
  ctx.notes.authorizeError = error
  const redirectUri = params.get('redirect_uri') ?? ''
  if (ctx.provider.config.faithfulOpenRedirect) {
    ctx.notes.openRedirect = true
    return redirect(railsLocation(ctx, appendGocdQuery(redirectUri, { error })))
  }
  const clientId = params.get('client_id')
  const client = clientId ? ctx.provider.store.clients.by('clientId', clientId) : undefined
  if (client && client.redirectUris.includes(redirectUri)) return redirect(appendGocdQuery(redirectUri, { error }))
  ctx.notes.redirectRefused = true
  return errorPage(ctx, error)
}

/**
 * `validate_params` of GoCD's authorize controller, in its order:
 * client_id/response_type present, response_type `code`, redirect_uri present,
 * client known, redirect_uri equal to the registered one (exact string).
 */
function validate(ctx: GocdContext, params: Params): ValidRequest | RouteAnswer {
  // A repeated parameter: Rails took the last value, and so does the provider (recorded in notes.violations).
  const clientId = params.get('client_id')
  const responseType = params.get('response_type')
  const redirectUri = params.get('redirect_uri')
  if (blank(clientId) || blank(responseType)) return redirectWithError(ctx, params, 'invalid-request')
  if (responseType !== 'code') return redirectWithError(ctx, params, 'unsupported-response-type')
  if (blank(redirectUri)) {
    ctx.notes.authorizeError = 'missing-redirect-uri'
    return new Response("You did not specify the 'redirect_uri' parameter!", {
      status: 400,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    })
  }
  const client = ctx.provider.store.clients.by('clientId', clientId)
  if (!client) return redirectWithError(ctx, params, 'invalid-client-id')
  if (!client.redirectUris.includes(redirectUri)) return redirectWithError(ctx, params, 'redirect-uri-mismatch')
  ctx.notes.clientId = client.clientId
  return { client, redirectUri, state: params.get('state') }
}

/** A new code for the user, deleting the user's previous code for this client (GoCD's Client#create_authorization_for_user). */
async function issueCode(ctx: GocdContext, request: ValidRequest, user: User): Promise<RouteAnswer> {
  const { store, clock, config } = ctx.provider
  const owner = ownerKey(user.id, request.client.clientId)
  const previous = store.codes.by('owner', owner)
  if (previous) store.codes.collection.delete(previous)
  const now = clock.nowMs()
  const code = await store.codes.collection.create({
    code: randomHex(32),
    clientId: request.client.clientId,
    userId: user.id,
    owner,
    issuedAtMs: now,
    expiresAtMs: now + config.codeTtlSeconds * 1000,
  })
  ctx.notes.codeIssued = true
  const expiresIn = String(Math.max(0, Math.round((code.expiresAtMs - now) / 1000)))
  return redirect(appendGocdQuery(request.redirectUri, { code: code.code, expires_in: expiresIn, state: request.state || undefined }))
}

function consentPage(ctx: GocdContext, path: string, request: ValidRequest, csrf: ReturnType<typeof csrfField>, setCookie?: string): RouteAnswer {
  const { client } = request
  const hidden = { client_id: client.clientId, redirect_uri: request.redirectUri, response_type: 'code', state: request.state }
  return gocdPage(
    ctx,
    'Authorize',
    html`<h1>Authorize access</h1>
<p data-testid="consent-prompt">The service named '<strong data-testid="consent-client-name">${client.name}</strong>' wants to access Go on your behalf.</p>
<form method="post" action="${path}" id="oauth_authorize_form" data-testid="consent-form">
${csrf}
${Object.entries(hidden)
  .filter(([, v]) => v !== undefined)
  .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`)}
<p><input type="checkbox" id="authorize" name="authorize" value="Yes" data-testid="consent-checkbox">
<label for="authorize" class="inline">I authorize '${client.name}' to access Go on my behalf</label></p>
<div class="actions"><button type="submit" class="primary" data-testid="consent-submit">Submit</button></div>
</form>`,
    { setCookie },
  )
}

/** An unexpected error of these routes (a body that is not a form, an oversized one) is shown on a page, never redirected. */
function renderError(error: OAuthError, ctx: GocdContext): RouteAnswer {
  return errorPage(ctx, error.error.replace(/_/g, '-'), error.status >= 400 && error.status < 500 ? error.status : 500, error.description)
}

function authorizeRoutes(path: (typeof AUTHORIZE_PATHS)[number]): RouteDefinition<GocdRuntime>[] {
  return [
    gocdRoute({
      id: 'gocd.authorize',
      method: 'GET',
      path,
      renderError,
      async resolve(ctx) {
        ctx.notes.pathForm = path
        // Spring Security ran before the Rails filters: anonymous users go to the login page first.
        const user = currentUser(ctx)
        if (!user) return redirectToLogin(ctx)
        const insecure = requireHttps(ctx)
        if (insecure) return insecure
        const request = validate(ctx, ctx.query)
        if (isRouteAnswer(request)) return request
        const { session, setCookie } = await ensureSession(ctx)
        return consentPage(ctx, path, request, csrfField(session), setCookie)
      },
    }),
    gocdRoute({
      id: 'gocd.consent',
      method: 'POST',
      path,
      renderError,
      async resolve(ctx) {
        ctx.notes.pathForm = path
        const form = ctx.body()
        requireCsrf(ctx, form)
        const user = currentUser(ctx)
        if (!user) return redirectToLogin(ctx)
        const insecure = requireHttps(ctx)
        if (insecure) return insecure
        // The hidden fields came back from the browser: validate them all again.
        const request = validate(ctx, form)
        if (isRouteAnswer(request)) return request
        // The document's ticked checkbox and GoCD's "Yes" link both send authorize=Yes; anything else is a refusal.
        const decision = form.get('authorize')
        ctx.notes.decision = decision ?? null
        if (decision !== 'Yes') return redirect(appendGocdQuery(request.redirectUri, { error: 'access-denied' }))
        return issueCode(ctx, request, user)
      },
    }),
  ]
}

export const authorizationRoutes: RouteDefinition<GocdRuntime>[] = AUTHORIZE_PATHS.flatMap(authorizeRoutes)

/**
 * The authorize shortcut (`gocd.authorize({...})`, `POST /__oauth-dance/authorize`):
 * GoCD's validation in its order, then the ticked checkbox (`approve`) or not (`deny`).
 */
export function gocdAuthorizeShortcut(provider: GocdRuntime, input: AuthorizeShortcutInput): Promise<AuthorizeShortcutResult> {
  return runAuthorizeShortcut(provider, input, { id: 'gocd.authorize', path: AUTHORIZE_PATHS[0] }, (ctx, user) => {
    const request = validate(ctx, ctx.query)
    if (isRouteAnswer(request)) return request
    if (input.decision === 'deny') return redirect(appendGocdQuery(request.redirectUri, { error: 'access-denied' }))
    return issueCode(ctx, request, user)
  })
}
