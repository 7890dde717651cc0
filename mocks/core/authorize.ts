import { createHash } from 'node:crypto'
import { html, renderPage, type SafeHtml } from './html.js'
import type { Params } from './params.js'
import type { ProviderRuntime } from './provider.js'
import type { RouteContext, RouteDefinition } from './routes.js'
import { randomHex } from './secrets.js'
import { csrfField, currentUser, ensureSession, redirect, redirectToLogin, requireCsrf, type WebConfig } from './session.js'
import { OAuthError } from './errors.js'
import type { AuthorizationCode, Client, Grant, Store, User } from '../store/index.js'
import type { RouteAnswer } from './reply.js'

/** RFC 8252 §7.1's predecessor: the out-of-band "redirect" that shows the code to the user. */
export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob'

export interface AuthorizeConfig {
  /** Route id prefix (`carina` gives `carina.authorize`, `carina.consent`, `carina.oob`). */
  routePrefix: string
  path: string
  /** Page that shows an out-of-band code, with `:code` in it (Doorkeeper: `/oauth/authorize/:code`). Absent: OOB unsupported. */
  oobPath?: string
  /** Every scope the provider knows, with the words the consent page uses for it. */
  scopes: Record<string, string>
  /** Scopes granted when the request names none. */
  defaultScopes: string[]
  /** How `scope` is split (RFC 6749 §3.3: space-delimited). */
  scopeSeparator: RegExp
  /** Whether `redirect_uri` must be sent even when one is registered (Doorkeeper), or may be omitted (RFC 6749 §3.1.2.3). */
  requireRedirectUri: boolean
  /**
   * The redirect URI to use for this request, or undefined when `given` is not
   * allowed for the client. Default: simple string comparison with a registered
   * URI (RFC 6749 §3.1.2.3); absent `given` falls back to a sole registered URI.
   */
  matchRedirectUri?(given: string | undefined, client: Client): string | undefined
  codeTtlSeconds: number
  /** PKCE (RFC 7636): not supported (Doorkeeper 3), or required (OAuth 2.1). */
  pkce: 'unsupported' | 'required'
  /** Skip the consent page when the user already granted these scopes to this client (Doorkeeper's behaviour). */
  skipConsentWhenGranted: boolean
  /** The `response_type` values accepted (RFC 6749 §4.1.1: `code`). */
  responseTypes: string[]
  /**
   * The real server's fixed `error_description` for an error code (Doorkeeper's
   * `en.yml`), sent instead of the mock's specific one; the specific text stays
   * in the journal (`error.detail`). Default: the specific text.
   */
  errorDescriptionOf?(error: string): string | undefined
  /**
   * A hint for a refused authorization request that is one step from a valid
   * one (`ctx.hint`): e.g. Carina's `http://` redirect URI. The request's
   * parameters are `params` (query for GET, form for POST).
   */
  hintFor?(error: OAuthError, params: Params, ctx: AuthorizeContext): string | undefined
  /** How parameters are added to a redirect URI (default {@link appendQuery}; Doorkeeper's URI builder: {@link doorkeeperUriWithQuery}). */
  appendQuery?(uri: string, params: Record<string, string | undefined>): string
}

type AuthorizeRuntime = ProviderRuntime<Store, { web: WebConfig; authorize: AuthorizeConfig }>
export type AuthorizeContext = RouteContext<AuthorizeRuntime>

export interface ValidAuthorizationRequest {
  client: Client
  redirectUri: string
  redirectUriGiven: boolean
  responseType: string
  scopes: string[]
  state: string | undefined
  codeChallenge: string | undefined
  codeChallengeMethod: string | undefined
}

/**
 * An authorization request error. With `redirectUri`, it is sent back to the
 * client in the redirect (RFC 6749 §4.1.2.1); without, the client or its
 * redirect URI could not be trusted and the user sees an error page instead.
 */
export class AuthorizationError extends OAuthError {
  constructor(
    error: string,
    description: string,
    public redirectUri?: string,
    public state?: string,
  ) {
    super(400, error, description)
  }
}

/**
 * Adds the provider's parameters to a redirect URI, keeping the rest of its
 * own query (RFC 6749 §3.1.2). A parameter of the same name already in the URI
 * is replaced, never repeated (RFC 6749 §3.1: "parameters MUST NOT be included
 * more than once"; Doorkeeper merged them: `original_query.merge(parameters)`),
 * so `redirect_uri=...?code=ATTACKER` cannot put a code of the attacker's
 * before the real one.
 */
export function appendQuery(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri)
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue
    url.searchParams.delete(key)
    url.searchParams.append(key, value)
  }
  return url.toString()
}

/**
 * Doorkeeper's `URIBuilder.uri_with_query`: the URI as registered (Ruby's
 * `URI#to_s` adds no `/` to a host-only URI, where WHATWG `URL` does), its own
 * query parsed and merged with the parameters (Rack's `parse_query`, repeated
 * keys kept), blank values dropped, encoded as `build_query` does (space as
 * `+`; the characters it leaves alone are those `URLSearchParams` leaves).
 * Host case and path stay as given; a default port is dropped.
 *
 * @see https://github.com/doorkeeper-gem/doorkeeper/blob/v3.0.0/lib/doorkeeper/oauth/authorization/uri_builder.rb
 */
export function doorkeeperUriWithQuery(uri: string, params: Record<string, string | undefined>): string {
  const hashAt = uri.indexOf('#')
  const fragment = hashAt === -1 ? '' : uri.slice(hashAt)
  const beforeFragment = hashAt === -1 ? uri : uri.slice(0, hashAt)
  const queryAt = beforeFragment.indexOf('?')
  // Ruby's `URI#to_s` leaves out the scheme's default port.
  const base = (queryAt === -1 ? beforeFragment : beforeFragment.slice(0, queryAt)).replace(
    /^(http:\/\/[^/?#]*):80(?=\/|$)|^(https:\/\/[^/?#]*):443(?=\/|$)/i,
    '$1$2',
  )
  const merged = new Map<string, string[]>()
  if (queryAt !== -1) {
    for (const [key, value] of new URLSearchParams(beforeFragment.slice(queryAt + 1))) merged.set(key, [...(merged.get(key) ?? []), value])
  }
  for (const [key, value] of Object.entries(params)) if (value !== undefined) merged.set(key, [value])
  const query = new URLSearchParams()
  // Rails' `blank?`: empty or whitespace-only values are left out.
  for (const [key, values] of merged) for (const value of values) if (value.trim() !== '') query.append(key, value)
  return `${base}?${query.toString()}${fragment}`
}

export function splitScopes(value: string | undefined, separator: RegExp): string[] {
  if (!value) return []
  return [...new Set(value.split(separator).filter(Boolean))]
}

function defaultMatchRedirectUri(given: string | undefined, client: Client): string | undefined {
  if (given === undefined) return client.redirectUris.length === 1 ? client.redirectUris[0] : undefined
  return client.redirectUris.includes(given) ? given : undefined
}

/**
 * Validates an authorization request in RFC 6749 §4.1.2.1 order: the client
 * and redirect URI first (errors shown, never redirected), then everything else
 * (errors redirected to the client with `state`).
 */
export function validateAuthorizationRequest(ctx: AuthorizeContext, params: Params): ValidAuthorizationRequest {
  const config = ctx.provider.config.authorize
  const { store } = ctx.provider
  const clientId = params.value('client_id')
  if (!clientId) throw new AuthorizationError('invalid_request', 'The "client_id" parameter is missing.')
  const client = store.clients.by('clientId', clientId)
  if (!client) throw new AuthorizationError('invalid_client', `No application is registered with the client_id "${clientId}".`)

  const givenRedirect = params.value('redirect_uri')
  if (givenRedirect === undefined && config.requireRedirectUri) {
    throw new AuthorizationError('invalid_redirect_uri', 'The "redirect_uri" parameter is missing.')
  }
  const redirectUri = (config.matchRedirectUri ?? defaultMatchRedirectUri)(givenRedirect, client)
  if (!redirectUri) {
    throw new AuthorizationError(
      'invalid_redirect_uri',
      givenRedirect === undefined
        ? 'The "redirect_uri" parameter is missing and the application has more than one registered.'
        : 'The "redirect_uri" does not match any redirect URI registered for this application.',
    )
  }
  if (redirectUri === OOB_REDIRECT_URI && !config.oobPath) {
    throw new AuthorizationError('invalid_redirect_uri', 'Out-of-band redirects are not supported by this provider.')
  }

  // From here on the redirect URI is trusted: errors go back to the client (RFC 6749 §4.1.2.1).
  let state: string | undefined
  const fail = (error: string, description: string) => new AuthorizationError(error, description, redirectUri, state)
  try {
    state = params.get('state')
  } catch {
    throw fail('invalid_request', 'The "state" parameter was included more than once.')
  }
  const read = (name: string) => {
    try {
      return params.value(name)
    } catch (e) {
      throw fail('invalid_request', (e as Error & { description?: string }).description ?? `The "${name}" parameter is invalid.`)
    }
  }
  const responseType = read('response_type')
  if (!responseType) throw fail('invalid_request', 'The "response_type" parameter is missing.')
  if (!config.responseTypes.includes(responseType)) throw fail('unsupported_response_type', `The response_type "${responseType}" is not supported.`)

  const requested = splitScopes(read('scope'), config.scopeSeparator)
  const scopes = requested.length ? requested : config.defaultScopes
  const allowed = client.scopes.length ? client.scopes : Object.keys(config.scopes)
  const unknown = scopes.filter((s) => !(s in config.scopes) || !allowed.includes(s))
  if (unknown.length) throw fail('invalid_scope', `The requested scope is invalid, unknown, or malformed: ${unknown.join(' ')}.`)

  const codeChallenge = read('code_challenge')
  const codeChallengeMethod = read('code_challenge_method')
  if (config.pkce === 'required' && !codeChallenge) throw fail('invalid_request', 'The "code_challenge" parameter is required (PKCE, RFC 7636).')
  if (codeChallenge && config.pkce !== 'unsupported') {
    if (codeChallengeMethod && codeChallengeMethod !== 'S256' && codeChallengeMethod !== 'plain') {
      throw fail('invalid_request', 'The "code_challenge_method" must be S256 or plain.')
    }
    if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(codeChallenge)) throw fail('invalid_request', 'The "code_challenge" is malformed (RFC 7636 §4.2).')
  }
  const pkce = config.pkce !== 'unsupported' && codeChallenge
  return {
    client,
    redirectUri,
    redirectUriGiven: givenRedirect !== undefined,
    responseType,
    scopes,
    state,
    codeChallenge: pkce ? codeChallenge : undefined,
    codeChallengeMethod: pkce ? (codeChallengeMethod ?? 'plain') : undefined,
  }
}

/** Verifies a PKCE `code_verifier` against the stored challenge (RFC 7636 §4.6). */
export function verifyCodeVerifier(code: AuthorizationCode, verifier: string | undefined): boolean {
  if (!code.codeChallenge) return true
  if (!verifier || !/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false
  const computed = code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier
  return computed === code.codeChallenge
}

export async function issueAuthorizationCode(ctx: AuthorizeContext, request: ValidAuthorizationRequest, user: User): Promise<AuthorizationCode> {
  const now = ctx.provider.clock.nowMs()
  return ctx.provider.store.codes.collection.create({
    code: randomHex(32),
    clientId: request.client.clientId,
    userId: user.id,
    redirectUri: request.redirectUri,
    redirectUriGiven: request.redirectUriGiven,
    scopes: request.scopes,
    state: request.state ?? null,
    codeChallenge: request.codeChallenge ?? null,
    codeChallengeMethod: request.codeChallengeMethod ?? null,
    issuedAtMs: now,
    expiresAtMs: now + ctx.provider.config.authorize.codeTtlSeconds * 1000,
  })
}

export function activeGrant(store: Store, userId: string, clientId: string): Grant | undefined {
  return store.grants.collection.findFirst((q) => q.where({ userId, clientId, revokedAtMs: null }))
}

async function recordGrant(ctx: AuthorizeContext, request: ValidAuthorizationRequest, user: User): Promise<void> {
  const { store, clock } = ctx.provider
  const existing = activeGrant(store, user.id, request.client.clientId)
  if (existing) {
    await store.grants.collection.update(existing, {
      data(grant) {
        grant.scopes = [...new Set([...grant.scopes, ...request.scopes])]
      },
    })
  } else {
    await store.grants.collection.create({
      id: randomHex(16),
      userId: user.id,
      clientId: request.client.clientId,
      scopes: request.scopes,
      createdAtMs: clock.nowMs(),
    })
  }
}

/** The redirect that completes an approved request: to the client, or to the OOB page. */
async function approve(ctx: AuthorizeContext, request: ValidAuthorizationRequest, user: User): Promise<RouteAnswer> {
  const code = await issueAuthorizationCode(ctx, request, user)
  await recordGrant(ctx, request, user)
  ctx.notes.codeIssued = true
  const config = ctx.provider.config.authorize
  if (request.redirectUri === OOB_REDIRECT_URI) return redirect(ctx.link(config.oobPath!.replace(':code', code.code)))
  return redirect((config.appendQuery ?? appendQuery)(request.redirectUri, { code: code.code, state: request.state }))
}

function deny(ctx: AuthorizeContext, request: ValidAuthorizationRequest): RouteAnswer {
  const config = ctx.provider.config.authorize
  const description = config.errorDescriptionOf?.('access_denied') ?? 'The resource owner or authorization server denied the request.'
  if (request.redirectUri === OOB_REDIRECT_URI) {
    return errorPage(ctx, new AuthorizationError('access_denied', description), 403)
  }
  return redirect(
    (config.appendQuery ?? appendQuery)(request.redirectUri, {
      error: 'access_denied',
      error_description: description,
      state: request.state,
    }),
  )
}

/** The answer to the user's decision on the consent page (also the authorize shortcut's, `mocks/control/authorize-shortcut.ts`). */
export function completeAuthorization(
  ctx: AuthorizeContext,
  request: ValidAuthorizationRequest,
  user: User,
  decision: 'authorize' | 'deny',
): Promise<RouteAnswer> | RouteAnswer {
  return decision === 'authorize' ? approve(ctx, request, user) : deny(ctx, request)
}

function errorPage(ctx: AuthorizeContext, error: OAuthError, status = 400): RouteAnswer {
  const description = ctx.provider.config.authorize.errorDescriptionOf?.(error.error) ?? error.description
  return renderPage({
    title: 'Authorization error',
    brand: ctx.provider.config.web.brand,
    status,
    body: html`<h1>An error has occurred</h1>
<div class="error" role="alert" data-testid="authorize-error"><p><code data-testid="authorize-error-code">${error.error}</code></p><p data-testid="authorize-error-description">${description}</p>${description !== error.description ? html`<p class="detail" data-testid="authorize-error-detail">${error.description}</p>` : ''}</div>`,
  })
}

/** Renders authorization errors: a redirect to a trusted redirect URI, else a page. */
export function renderAuthorizationError(error: OAuthError, ctx: AuthorizeContext): RouteAnswer {
  const config = ctx.provider.config.authorize
  if (config.hintFor) {
    try {
      const hint = config.hintFor(error, ctx.request.method.toUpperCase() === 'POST' ? ctx.body() : ctx.query, ctx)
      if (hint) ctx.hint(hint)
    } catch {
      // A body or query that cannot be read gets no hint; the error stands as it is.
    }
  }
  if (error instanceof AuthorizationError && error.redirectUri && error.redirectUri !== OOB_REDIRECT_URI) {
    return redirect(
      (config.appendQuery ?? appendQuery)(error.redirectUri, {
        error: error.error,
        error_description: config.errorDescriptionOf?.(error.error) ?? error.description,
        state: error.state,
      }),
    )
  }
  return errorPage(ctx, error, error.status >= 400 && error.status < 500 ? error.status : 400)
}

function hiddenFields(request: ValidAuthorizationRequest): SafeHtml {
  const fields: Record<string, string | undefined> = {
    client_id: request.client.clientId,
    redirect_uri: request.redirectUriGiven ? request.redirectUri : undefined,
    state: request.state,
    response_type: request.responseType,
    scope: request.scopes.join(' '),
    code_challenge: request.codeChallenge,
    code_challenge_method: request.codeChallengeMethod,
  }
  return html`${Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`)}`
}

function consentPage(ctx: AuthorizeContext, request: ValidAuthorizationRequest, csrf: SafeHtml, setCookie?: string): RouteAnswer {
  const config = ctx.provider.config.authorize
  const { client } = request
  const scopeList = html`<ul class="scopes" data-testid="consent-scopes">${request.scopes.map(
    (scope) => html`<li data-scope="${scope}">${config.scopes[scope] ?? scope}</li>`,
  )}</ul>`
  const fields = html`${csrf}${hiddenFields(request)}`
  const body = html`<h1>Authorization required</h1>
<p>Authorize <strong data-testid="consent-app-name">${client.name}</strong> to use your account?</p>
<p>This application will be able to:</p>
${scopeList}
<form method="post" action="${config.path}" data-testid="consent-form">
${fields}
<div class="actions">
<button type="submit" name="decision" value="authorize" class="primary" data-testid="consent-approve">Authorize</button>
<button type="submit" name="decision" value="deny" data-testid="consent-deny">Deny</button>
</div>
</form>`
  return renderPage({
    title: 'Authorization required',
    brand: ctx.provider.config.web.brand,
    body,
    headers: setCookie ? { 'Set-Cookie': setCookie } : {},
  })
}

function oobPage(ctx: AuthorizeContext, code: AuthorizationCode, client: Client | undefined): RouteAnswer {
  return renderPage({
    title: `Success code=${code.code}`,
    brand: ctx.provider.config.web.brand,
    body: html`<h1>Authorization code</h1>
<p>Copy this code and paste it into ${client ? html`<strong>${client.name}</strong>` : 'the application'}:</p>
<p><code data-testid="authorization-code">${code.code}</code></p>`,
  })
}

/**
 * The authorization endpoint (RFC 6749 §4.1.1-§4.1.2): GET shows login then
 * consent, POST records the user's decision, and the OOB page shows a code.
 */
export function authorizationRoutes<const Prefix extends string>(
  config: Pick<AuthorizeConfig, 'path' | 'oobPath'> & { routePrefix: Prefix },
): RouteDefinition<ProviderRuntime, `${Prefix}.${'authorize' | 'consent' | 'oob'}`>[] {
  const routes: RouteDefinition<AuthorizeRuntime, `${Prefix}.${'authorize' | 'consent' | 'oob'}`>[] = [
    {
      id: `${config.routePrefix}.authorize`,
      method: 'GET',
      path: config.path,
      renderError: renderAuthorizationError,
      resolve: async (ctx) => {
        const request = validateAuthorizationRequest(ctx, ctx.query)
        const user = currentUser(ctx)
        if (!user) return redirectToLogin(ctx)
        const granted = activeGrant(ctx.provider.store, user.id, request.client.clientId)
        if (ctx.provider.config.authorize.skipConsentWhenGranted && granted && request.scopes.every((s) => granted.scopes.includes(s))) {
          ctx.notes.consentSkipped = true
          return approve(ctx, request, user)
        }
        const { session, setCookie } = await ensureSession(ctx)
        return consentPage(ctx, request, csrfField(session), setCookie)
      },
    },
    {
      id: `${config.routePrefix}.consent`,
      method: 'POST',
      path: config.path,
      renderError: renderAuthorizationError,
      resolve: async (ctx) => {
        const form = ctx.body()
        requireCsrf(ctx, form)
        const user = currentUser(ctx)
        if (!user) return redirectToLogin(ctx)
        // The hidden fields came back from the browser: validate them all again, trust nothing.
        const request = validateAuthorizationRequest(ctx, form)
        const decision = form.get('_method')?.toLowerCase() === 'delete' ? 'deny' : form.get('decision')
        ctx.notes.decision = decision
        if (decision === 'authorize') return approve(ctx, request, user)
        return deny(ctx, request)
      },
    },
  ]
  if (config.oobPath) {
    routes.push({
      id: `${config.routePrefix}.oob`,
      method: 'GET',
      path: config.oobPath,
      renderError: renderAuthorizationError,
      resolve: (ctx) => {
        const user = currentUser(ctx)
        if (!user) return redirectToLogin(ctx)
        const code = ctx.provider.store.codes.by('code', ctx.params.code)
        if (!code || code.userId !== user.id) {
          return errorPage(ctx, new AuthorizationError('invalid_grant', 'This authorization code does not exist or belongs to someone else.'), 404)
        }
        return oobPage(ctx, code, ctx.provider.store.clients.by('clientId', code.clientId))
      },
    })
  }
  return routes
}
