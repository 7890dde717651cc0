import { OAuthError } from '../../core/errors.js'
import { escapeHtml, html, renderPage, type SafeHtml } from '../../core/html.js'
import type { RouteDefinition } from '../../core/routes.js'
import { redirect } from '../../core/session.js'
import type { GocdContext, GocdRuntime } from './config.js'
import type { RouteAnswer } from '../../core/reply.js'

/**
 * Responses in GoCD's own formats, and the per-request plumbing every GoCD
 * route shares (host spellings, mandatory HTTPS).
 */

/** A token endpoint error of GoCD's oauth2_provider: 400 JSON, hyphenated code, no challenge (PROVIDERS §2.4). */
export function tokenError(error: string, description: string, detail?: string): OAuthError {
  return new OAuthError(400, error, description, detail)
}

/**
 * Renders any OAuth error as the token endpoint did: `{"error","error_description"}`.
 * Errors raised by the shared core (a repeated parameter, an oversized body)
 * use RFC 6749 names; GoCD spelled its codes with hyphens, so they are
 * respelled to match the rest of what a client sees from this provider.
 */
export function renderGocdError(error: OAuthError): RouteAnswer {
  return new Response(JSON.stringify({ error: error.error.replace(/_/g, '-'), error_description: error.description }), {
    status: error.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...error.headers },
  })
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed' }

/** The servlet container's error page GoCD answered with outside the Rails app (Jetty's format). */
export function jettyErrorPage(ctx: GocdContext, status: number, headers: Record<string, string> = {}): RouteAnswer {
  const reason = REASONS[status] ?? 'Error'
  const body = `<html>
<head>
<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>
<title>Error ${status} ${reason}</title>
</head>
<body><h2>HTTP ERROR ${status}</h2>
<p>Problem accessing ${escapeHtml(ctx.url.pathname)}. Reason:
<pre>    ${reason}</pre></p><hr /><i><small>Powered by Jetty://</small></i>
</body>
</html>
`
  return new Response(body, { status, headers: { 'Content-Type': 'text/html;charset=iso-8859-1', 'Cache-Control': 'no-store', ...headers } })
}

/** `Accept: application/vnd.go.cd.vN+json`: the API media type for which GoCD answered errors in JSON. */
export function wantsGoApiJson(ctx: GocdContext): string | undefined {
  return /application\/vnd\.go\.cd\.v\d+\+json/i.exec(ctx.request.headers.get('accept') ?? '')?.[0].toLowerCase()
}

/**
 * GoCD's refusal of a protected page: 401 with `WWW-Authenticate: Basic
 * realm="GoCD"` (the BasicProcessingFilterEntryPoint), or 403 for a principal
 * without the role. JSON `{"message"}` only for the API media type, else the
 * servlet error page (PROVIDERS §2.5).
 */
export function notAuthorized(ctx: GocdContext, status: 401 | 403): RouteAnswer {
  const headers: Record<string, string> = status === 401 ? { 'WWW-Authenticate': 'Basic realm="GoCD"' } : {}
  const apiType = wantsGoApiJson(ctx)
  if (apiType) {
    return new Response(JSON.stringify({ message: 'You are not authorized to access this resource!' }), {
      status,
      headers: { 'Content-Type': `${apiType}; charset=utf-8`, 'Cache-Control': 'no-store', ...headers },
    })
  }
  return jettyErrorPage(ctx, status, headers)
}

export const GOCD_BRAND = { name: 'GoCD', tagline: 'Continuous Delivery', color: '#2c1d4b', accent: '#943a9e' }

/** A GoCD web page (login, consent, admin) with the shared security headers. */
export function gocdPage(
  ctx: GocdContext,
  title: string,
  body: SafeHtml,
  options: { status?: number; setCookie?: string; nav?: SafeHtml; wide?: boolean } = {},
): RouteAnswer {
  return renderPage({
    title: `${title} - Go`,
    brand: ctx.provider.config.web.brand,
    body,
    status: options.status,
    nav: options.nav,
    wide: options.wide,
    headers: options.setCookie ? { 'Set-Cookie': options.setCookie } : {},
  })
}

/**
 * Appends parameters to a redirect URI as GoCD's redirects read
 * (`<redirect_uri>?code=...&expires_in=...`), except that a URI which already
 * has a query gets `&`: the document says the URI "can also include
 * url-encoded query parameters", which GoCD's blind `?` broke (PROVIDERS §2.3).
 * The URI is not re-serialized, so `http://www.my_redirect_uri.com` stays
 * without a trailing slash, as in the document's example response.
 * Values are form-encoded like Ruby's `CGI.escape`.
 */
export function appendGocdQuery(uri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.append(key, value)
  const hash = uri.indexOf('#')
  const [head, fragment] = hash === -1 ? [uri, ''] : [uri.slice(0, hash), uri.slice(hash)]
  // The URI's own parameters of the same names give way (RFC 6749 §3.1: never repeated); the others stay as written.
  const mark = head.indexOf('?')
  const path = mark === -1 ? head : head.slice(0, mark)
  const kept =
    mark === -1
      ? []
      : head
          .slice(mark + 1)
          .split('&')
          .filter((pair) => pair !== '' && !query.has(formName(pair)))
  return `${path}?${[...kept, query.toString()].join('&')}${fragment}`
}

/** The decoded name of one `name=value` pair of a query. */
function formName(pair: string): string {
  const name = pair.split('=', 1)[0].replace(/\+/g, ' ')
  try {
    return decodeURIComponent(name)
  } catch {
    return name
  }
}

/**
 * Makes a GoCD route answer every host spelling of the document: links and
 * redirects follow the origin the request came to when it is one of the
 * configured aliases, so a browser stays on the host its cookie belongs to.
 */
export function gocdRoute(route: RouteDefinition<GocdRuntime>): RouteDefinition<GocdRuntime> {
  return {
    ...route,
    resolve(ctx) {
      const origin = ctx.url.origin
      if (origin !== ctx.baseUrl && ctx.provider.config.hostAliases.includes(origin)) {
        ctx.notes.host = origin
        ctx.baseUrl = origin
        ctx.link = (path) => origin + path
      }
      return route.resolve(ctx)
    },
  }
}

/**
 * GoCD's `mandatory_ssl` on the OAuth endpoints (PROVIDERS §2.2): plain HTTP
 * is sent to the secure site URL when there is one (the https base URL), or
 * refused with 403 "This page can only be accessed using HTTPS." when not.
 * Off when the provider itself is served over http (`serve`).
 */
export function requireHttps(ctx: GocdContext): RouteAnswer | undefined {
  if (!ctx.provider.config.requireHttps || ctx.url.protocol === 'https:') return undefined
  ctx.notes.plainHttp = true
  const secure = ctx.provider.baseUrl
  if (secure.startsWith('https:')) return redirect(secure + ctx.url.pathname + ctx.url.search)
  return gocdPage(
    ctx,
    'HTTPS required',
    html`<h1>HTTPS required</h1><p class="error" role="alert" data-testid="https-required">This page can only be accessed using HTTPS.</p>`,
    { status: 403 },
  )
}
