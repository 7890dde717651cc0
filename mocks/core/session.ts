import { parse as parseCookies, serialize as serializeCookie } from 'cookie'
import { HttpError } from './errors.js'
import { html, renderPage, type PageOptions } from './html.js'
import type { Params } from './params.js'
import type { ProviderRuntime } from './provider.js'
import type { RouteContext, RouteDefinition } from './routes.js'
import { randomBase64Url, randomHex, secretsEqual } from './secrets.js'
import { MAX_ANONYMOUS_SESSIONS, sessionDroppableAt, type Client, type Session, type Store, type User } from '../store/index.js'
import { Reply, type RouteAnswer } from './reply.js'

/** What the web pages of a provider need from it. */
export interface WebConfig {
  /** Session cookie name; distinct per provider, because cookies ignore ports and `serve` puts every provider on 127.0.0.1. */
  cookieName: string
  brand: PageOptions['brand']
  loginPath: string
}

type WebRuntime = ProviderRuntime<Pick<Store, 'sessions' | 'users' | 'clients'>, { web: WebConfig }>
type WebContext = RouteContext<WebRuntime>

function cookieOf(ctx: WebContext): string | undefined {
  const header = ctx.request.headers.get('cookie')
  if (!header) return undefined
  try {
    return parseCookies(header)[ctx.provider.config.web.cookieName]
  } catch {
    return undefined
  }
}

/** `Set-Cookie` for a session: HttpOnly, SameSite=Lax (the authorize redirect is a top-level cross-site GET), Secure on https. */
export function sessionCookie(ctx: WebContext, id: string, maxAge?: number): string {
  return serializeCookie(ctx.provider.config.web.cookieName, id, {
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.url.protocol === 'https:',
    path: '/',
    ...(maxAge !== undefined ? { maxAge } : {}),
  })
}

/**
 * The visitor's session, if its cookie names one that has not been idle past
 * {@link SESSION_IDLE_MS} on the mock clock (one that has is released at
 * once); using it counts as activity.
 */
export function readSession(ctx: WebContext): Session | undefined {
  const id = cookieOf(ctx)
  if (!id) return undefined
  const sessions = ctx.provider.store.sessions
  const session = sessions.by('id', id)
  if (!session) return undefined
  const now = ctx.provider.clock.nowMs()
  if (now >= sessionDroppableAt(session)) {
    forgetSession(ctx, session)
    return undefined
  }
  session.lastSeenAtMs = now
  return session
}

/**
 * Anonymous sessions of each store, oldest first (a Map keeps insertion
 * order): a visitor without a cookie makes one on every login page, so past
 * {@link MAX_ANONYMOUS_SESSIONS} the oldest is dropped, whatever the clock.
 */
const anonymousSessions = new WeakMap<object, Map<string, Session>>()

function anonymousOf(ctx: WebContext): Map<string, Session> {
  const key = ctx.provider.store.sessions
  let map = anonymousSessions.get(key)
  if (!map) anonymousSessions.set(key, (map = new Map()))
  return map
}

function forgetSession(ctx: WebContext, session: Session): void {
  anonymousOf(ctx).delete(session.id)
  ctx.provider.store.sessions.remove(session)
}

export function currentUser(ctx: WebContext): User | undefined {
  const session = readSession(ctx)
  return session?.userId ? ctx.provider.store.users.by('id', session.userId) : undefined
}

/** The visitor's session, created (anonymous) when there is none, with the cookie to set. */
export async function ensureSession(ctx: WebContext): Promise<{ session: Session; setCookie?: string }> {
  const existing = readSession(ctx)
  if (existing) return { session: existing }
  const anonymous = anonymousOf(ctx)
  while (anonymous.size >= MAX_ANONYMOUS_SESSIONS) forgetSession(ctx, anonymous.values().next().value!)
  const session = await ctx.provider.store.sessions.collection.create({
    id: randomBase64Url(24),
    userId: null,
    csrfToken: randomBase64Url(24),
    createdAtMs: ctx.provider.clock.nowMs(),
  })
  anonymous.set(session.id, session)
  return { session, setCookie: sessionCookie(ctx, session.id) }
}

/** Logs a user in with a fresh session id (no fixation of the anonymous one). */
export async function startUserSession(ctx: WebContext, user: User): Promise<string> {
  const old = readSession(ctx)
  if (old) forgetSession(ctx, old)
  const session = await ctx.provider.store.sessions.collection.create({
    id: randomBase64Url(24),
    userId: user.id,
    csrfToken: randomBase64Url(24),
    createdAtMs: ctx.provider.clock.nowMs(),
  })
  return sessionCookie(ctx, session.id)
}

export function endSession(ctx: WebContext): string {
  const old = readSession(ctx)
  if (old) forgetSession(ctx, old)
  return sessionCookie(ctx, '', 0)
}

/**
 * Refuses a form POST whose anti-CSRF token does not match the session's, so
 * another site cannot submit login, consent or admin forms in the user's name.
 */
export function requireCsrf(ctx: WebContext, form: Params): Session {
  const session = readSession(ctx)
  const given = form.get('authenticity_token')
  if (!session || !secretsEqual(given, session.csrfToken)) {
    throw new HttpError(
      renderPage({
        title: 'Request refused',
        brand: ctx.provider.config.web.brand,
        status: 403,
        body: html`<h1>Request refused</h1><p class="error" data-testid="csrf-error">This form has expired or was not sent from this site. Go back, reload the page and try again.</p>`,
      }),
    )
  }
  return session
}

/** Hidden anti-CSRF input for a form. */
export function csrfField(session: Session) {
  return html`<input type="hidden" name="authenticity_token" value="${session.csrfToken}">`
}

/**
 * Only same-origin relative paths: never an open redirect through `return_to`.
 * Characters a URL cannot hold as they are (`é`, controls, spaces) are
 * percent-encoded (UTF-8) here, before anything happens, so the redirect
 * after a successful login can always be sent.
 */
export function safeReturnTo(value: string | undefined, fallback = '/'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\r\n]/.test(value)) return fallback
  return percentEncodeUnsafe(value)
}

/** Every character outside visible ASCII percent-encoded as UTF-8 (lone surrogates as U+FFFD): what may go in a `Location` header. */
export function percentEncodeUnsafe(url: string): string {
  if (!/[^\x21-\x7e]/.test(url)) return url
  return url.replace(/[^\x21-\x7e]+/g, (run) => {
    let out = ''
    for (const byte of Buffer.from(run, 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0')
    return out
  })
}

/**
 * A 302 to `location`. A header value cannot hold characters past Latin-1 or
 * controls (Node refuses to send them, after the route's side effects: a code
 * issued, a user logged in), and a raw Latin-1 one would not be UTF-8; any
 * such character is percent-encoded, as a browser does when it follows a URL.
 */
export function redirect(location: string, headers: Record<string, string | string[]> = {}): Reply {
  return new Reply(302, { Location: percentEncodeUnsafe(location), 'Cache-Control': 'no-store', ...headers }, null)
}

/**
 * The signed-in user of a page and their session (created if needed, with the
 * cookie to set), or the redirect to the login page for an anonymous visitor.
 */
export async function requireSignedIn(ctx: WebContext): Promise<{ user: User; session: Session; setCookie?: string } | RouteAnswer> {
  const user = currentUser(ctx)
  if (!user) return redirectToLogin(ctx)
  const { session, setCookie } = await ensureSession(ctx)
  return { user, session, setCookie }
}

/** The client named by the `:id` path parameter, if `user` registered it (developer-application pages). */
export function ownedClient(ctx: WebContext, user: User): Client | undefined {
  const client = ctx.provider.store.clients.by('clientId', ctx.params.id)
  return client && client.ownerId === user.id ? client : undefined
}

/**
 * Registers an application owned by `user` with a new id and secret (32 hex
 * digits each, as Doorkeeper generates), then shows it (`?created=1`).
 */
export async function createOwnedApplication(ctx: WebContext, user: User, fields: Pick<Client, 'name' | 'redirectUris'>): Promise<RouteAnswer> {
  const client = await ctx.provider.store.clients.collection.create({
    clientId: randomHex(32),
    clientSecret: randomHex(32),
    name: fields.name,
    redirectUris: fields.redirectUris,
    ownerId: user.id,
    createdAtMs: ctx.provider.clock.nowMs(),
  })
  return redirect(ctx.link(`/oauth/applications/${client.clientId}?created=1`))
}

/** Sends an anonymous visitor to the login page, coming back here afterwards. */
export function redirectToLogin(ctx: WebContext): RouteAnswer {
  const back = ctx.url.pathname + ctx.url.search
  return redirect(ctx.link(`${ctx.provider.config.web.loginPath}?return_to=${encodeURIComponent(back)}`))
}

export interface LoginPageOptions {
  /** Prompt above the form; may name the application the user is authorizing. */
  prompt(ctx: WebContext, returnTo: string): string
  /** Label of the user name field. */
  usernameLabel?: string
  /** Route id prefix: `carina` gives `carina.login-page`, `carina.login`, `carina.logout`. */
  routePrefix: string
  /** Must equal the provider's `web.loginPath`. */
  loginPath: string
  logoutPath?: string
}

function loginForm(ctx: WebContext, session: Session, returnTo: string, options: LoginPageOptions, error?: string) {
  const { web } = ctx.provider.config
  return html`<h1>Log in</h1>
<p data-testid="login-prompt">${options.prompt(ctx, returnTo)}</p>
${error ? html`<p class="error" role="alert" data-testid="login-error">${error}</p>` : ''}
<form method="post" action="${web.loginPath}" data-testid="login-form">
${csrfField(session)}
<input type="hidden" name="return_to" value="${returnTo}">
<label for="username">${options.usernameLabel ?? 'Username'}</label>
<input type="text" id="username" name="username" autocomplete="username" required data-testid="login-username">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required data-testid="login-password">
<div class="actions"><button type="submit" class="primary" data-testid="login-submit">Log in</button></div>
</form>`
}

/** GET/POST of the login page and POST of logout, shared by every provider with a browser flow. */
export function loginRoutes<const Prefix extends string>(
  options: LoginPageOptions & { routePrefix: Prefix },
): RouteDefinition<ProviderRuntime, `${Prefix}.${'login-page' | 'login' | 'logout'}`>[] {
  const page = (ctx: WebContext, body: ReturnType<typeof html>, status = 200, setCookie?: string) =>
    renderPage({ title: 'Log in', brand: ctx.provider.config.web.brand, body, status, headers: setCookie ? { 'Set-Cookie': setCookie } : {} })

  const routes: RouteDefinition<WebRuntime, `${Prefix}.${'login-page' | 'login' | 'logout'}`>[] = [
    {
      id: `${options.routePrefix}.login-page`,
      method: 'GET',
      path: options.loginPath,
      resolve: async (ctx) => {
        const returnTo = safeReturnTo(ctx.query.get('return_to'))
        const { session, setCookie } = await ensureSession(ctx)
        return page(ctx, loginForm(ctx, session, returnTo, options), 200, setCookie)
      },
    },
    {
      id: `${options.routePrefix}.login`,
      method: 'POST',
      path: options.loginPath,
      resolve: async (ctx) => {
        const form = ctx.body()
        const session = requireCsrf(ctx, form)
        const returnTo = safeReturnTo(form.get('return_to'))
        const username = form.get('username') ?? ''
        const user = ctx.provider.store.users.by('username', username)
        if (!user || !secretsEqual(form.get('password') ?? '', user.password)) {
          return page(ctx, loginForm(ctx, session, returnTo, options, 'Invalid username or password.'), 401)
        }
        return redirect(ctx.link(returnTo), { 'Set-Cookie': await startUserSession(ctx, user) })
      },
    },
    {
      id: `${options.routePrefix}.logout`,
      method: 'POST',
      path: options.logoutPath ?? '/logout',
      resolve: async (ctx) => {
        requireCsrf(ctx, ctx.body())
        return redirect(ctx.link(ctx.provider.config.web.loginPath), { 'Set-Cookie': endSession(ctx) })
      },
    },
  ]
  return routes
}
