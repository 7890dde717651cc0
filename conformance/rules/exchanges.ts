import type { Exchange } from '../../mocks/core/journal.js'
import type { RuleContext } from '../types.js'

/**
 * Reading the journal: the parameters a request carried, the tokens a token
 * response issued, the token an API call presented. Pure functions over
 * recorded exchanges, shared by the rules and the journal matchers.
 */

export function exchangesOf(exchanges: readonly Exchange[], route: string | readonly string[] | undefined): Exchange[] {
  if (!route) return []
  const routes = typeof route === 'string' ? [route] : route
  return exchanges.filter((e) => e.route !== null && routes.includes(e.route))
}

export function tokenRequests(ctx: RuleContext): Exchange[] {
  return exchangesOf(ctx.exchanges, ctx.profile.routes.token)
}

export function apiCalls(ctx: RuleContext): Exchange[] {
  return exchangesOf(ctx.exchanges, ctx.profile.routes.api)
}

export function authorizeRequests(ctx: RuleContext): Exchange[] {
  return exchangesOf(ctx.exchanges, ctx.profile.routes.authorize)
}

function header(exchange: Exchange, name: string): string | undefined {
  return exchange.request.headers[name.toLowerCase()]
}

/**
 * What a reading of one exchange gave, kept while the exchange lives: every
 * rule of a scenario reads the same few exchanges again (a scenario's rules
 * parsed its token responses dozens of times). Kept with the inputs it was
 * read from, so an exchange changed since is read afresh. The values handed
 * out are shared: read only.
 */
function memo<K extends object, I1, I2, V>(read: (key: K, a: I1, b: I2) => V): (key: K, a: I1, b: I2) => V {
  const kept = new WeakMap<K, { a: I1; b: I2; value: V }>()
  return (key, a, b) => {
    const hit = kept.get(key)
    if (hit && hit.a === a && hit.b === b) return hit.value
    const value = read(key, a, b)
    kept.set(key, { a, b, value })
    return value
  }
}

const queryParamsOf = memo((_request: object, url: string, _unused: undefined) => new URL(url).searchParams)

/** Query parameters of a request (shared: read only). */
export function queryParams(exchange: Exchange): URLSearchParams {
  return queryParamsOf(exchange.request, exchange.request.url, undefined)
}

const bodyParamsOf = memo((_request: object, body: string, contentType: string | undefined) => readBodyParams(body, contentType))

/** Body parameters of a request: form or JSON object (Carina's token request). Shared: read only. */
export function bodyParams(exchange: Exchange): Map<string, string> {
  return bodyParamsOf(exchange.request, exchange.request.body, header(exchange, 'content-type'))
}

function readBodyParams(body: string, contentType: string | undefined): Map<string, string> {
  const type = (contentType ?? '').toLowerCase()
  const out = new Map<string, string>()
  if (!body) return out
  if (type.includes('json')) {
    try {
      const parsed = JSON.parse(body)
      if (parsed && typeof parsed === 'object')
        for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string' || typeof v === 'number') out.set(k, String(v))
    } catch {
      // An unparseable body carries no parameters.
    }
    return out
  }
  // @note a form mislabelled (text/plain: send-form-encoded-token-request) still carries its parameters; a lenient provider read them.
  if (type.includes('x-www-form-urlencoded') || type === '' || /^[\w.~%-]+=/.test(body)) for (const [k, v] of new URLSearchParams(body)) out.set(k, v)
  return out
}

/** A parameter from the body, else the query. */
export function param(exchange: Exchange, name: string): string | undefined {
  return bodyParams(exchange).get(name) ?? queryParams(exchange).get(name) ?? undefined
}

export interface IssuedToken {
  accessToken: string
  refreshToken?: string
  /** Mock-clock ms the token stops working, or null when it never expires. */
  expiresAtMs: number | null
  issuedAtMs: number
  /** The token response exchange. */
  seq: number
}

const tokenResponseFieldsOf = memo((_response: object, body: string, contentType: string | undefined) => readTokenResponseFields(body, contentType))

/**
 * A token endpoint answer's members whatever its status, from JSON, urlencoded (Cloud 66's default) or XML; undefined when
 * the body is none of these. Shared: read only.
 */
export function tokenResponseFields(exchange: Exchange): Record<string, string> | undefined {
  return tokenResponseFieldsOf(exchange.response, exchange.response.body, exchange.response.headers['content-type'])
}

function readTokenResponseFields(body: string, contentType: string | undefined): Record<string, string> | undefined {
  const type = (contentType ?? '').toLowerCase()
  let fields: Record<string, string> | undefined
  try {
    const parsed = JSON.parse(body)
    if (parsed && typeof parsed === 'object') fields = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]))
  } catch {
    if (type.includes('xml')) {
      fields = {}
      for (const m of body.matchAll(/<([a-z_]+)>([^<]*)<\/\1>/g)) fields[m[1]] = m[2]
    } else if (type.includes('x-www-form-urlencoded') || /^[a-z_]+=/.test(body)) {
      fields = Object.fromEntries(new URLSearchParams(body))
    }
  }
  return fields && Object.keys(fields).length ? fields : undefined
}

/** A successful token response's members, from JSON, urlencoded (Cloud 66's default) or XML. */
export function parseTokenResponse(exchange: Exchange): Record<string, string> | undefined {
  if (exchange.response.status !== 200) return undefined
  const fields = tokenResponseFields(exchange)
  return fields && fields.access_token && !fields.error ? fields : undefined
}

/**
 * How a token request was answered, as a client can tell from the answer:
 * `issued` a token, `refused` it with an OAuth error (4xx other than 429, or
 * a 200 whose body has `error` and no `access_token`), `unreadable` (a 2xx
 * whose body is neither: the server may have acted on it), or `failed` (5xx,
 * 429, a dropped or late answer: the request may be retried).
 */
export function tokenAnswer(exchange: Exchange): 'issued' | 'refused' | 'unreadable' | 'failed' {
  const status = exchange.response.status
  if (exchange.fault === 'drop' || exchange.fault === 'delay' || status >= 500 || status === 429) return 'failed'
  if (parseTokenResponse(exchange)) return 'issued'
  const fields = tokenResponseFields(exchange)
  if (status >= 400 || fields?.error) return 'refused'
  return 'unreadable'
}

/** The grant a token request redeems: its code, its refresh token, or the client's credentials. */
export function grantOf(exchange: Exchange): { kind: 'code' | 'refresh_token' | 'other'; value: string } {
  const code = param(exchange, 'code')
  if (code !== undefined) return { kind: 'code', value: code }
  const refresh = param(exchange, 'refresh_token')
  if (refresh !== undefined) return { kind: 'refresh_token', value: refresh }
  return { kind: 'other', value: param(exchange, 'grant_type') ?? '' }
}

/** The step during which an exchange was recorded. */
export function stepOf(ctx: Pick<RuleContext, 'steps'>, seq: number): number | undefined {
  return ctx.steps.find((s) => s.exchanges.includes(seq))?.index
}

/** The provider's hint on an exchange (`notes.hint`), when it gave one. */
export function hintOf(exchange: Exchange): string | undefined {
  const hint = exchange.notes.hint
  return typeof hint === 'string' && hint ? hint : undefined
}

/** Every token the provider issued, in order. */
export function issuedTokens(ctx: Pick<RuleContext, 'exchanges' | 'profile'>): IssuedToken[] {
  const out: IssuedToken[] = []
  for (const exchange of exchangesOf(ctx.exchanges, ctx.profile.routes.token)) {
    const fields = parseTokenResponse(exchange)
    if (!fields) continue
    const expiresIn = fields.expires_in === undefined ? undefined : Number(fields.expires_in)
    out.push({
      accessToken: fields.access_token,
      refreshToken: fields.refresh_token,
      issuedAtMs: exchange.atMs,
      expiresAtMs: expiresIn === undefined || !Number.isFinite(expiresIn) ? null : exchange.atMs + expiresIn * 1000,
      seq: exchange.seq,
    })
  }
  return out
}

/** The access token a protected call presented, wherever it was (header of any scheme, query, form body). */
export function presentedToken(exchange: Exchange): { value: string; placement: 'header' | 'query' | 'body'; scheme?: string } | undefined {
  const auth = header(exchange, 'authorization')
  if (auth) {
    const space = auth.indexOf(' ')
    const scheme = space > 0 ? auth.slice(0, space) : auth
    let value = space > 0 ? auth.slice(space + 1).trim() : ''
    // GoCD: `Token token="..."`
    const quoted = /^token="([^"]*)"$/i.exec(value)
    if (quoted) value = quoted[1]
    if (value && scheme.toLowerCase() !== 'basic') return { value, placement: 'header', scheme }
  }
  const query = queryParams(exchange).get('access_token')
  if (query) return { value: query, placement: 'query' }
  const body = bodyParams(exchange).get('access_token')
  if (body) return { value: body, placement: 'body' }
  return undefined
}

/** The client authentication a token request used, read from the request itself. */
export function clientAuthentication(exchange: Exchange): string[] {
  const methods: string[] = []
  const auth = header(exchange, 'authorization')
  if (auth && /^basic /i.test(auth)) methods.push('client_secret_basic')
  if (bodyParams(exchange).has('client_secret')) methods.push('client_secret_post')
  if (queryParams(exchange).has('client_secret')) methods.push('client_secret_query')
  return methods
}

/** A one-line description of an exchange for messages. */
export function describeExchange(exchange: Exchange): string {
  const url = new URL(exchange.request.url)
  return `#${exchange.seq} ${exchange.request.method} ${url.pathname} → ${exchange.response.status}${exchange.fault ? ` (injected ${exchange.fault})` : ''}`
}

/**
 * What makes two requests "the same request" for retry rules: the route and,
 * at the token endpoint, the grant it redeems (a code, a refresh token, or
 * the client's credentials); elsewhere the method and path. A new
 * authorization's code exchange is a new request, not a retry.
 */
export function requestKey(exchange: Exchange): string {
  const url = new URL(exchange.request.url)
  const grant = param(exchange, 'code') ?? param(exchange, 'refresh_token') ?? param(exchange, 'grant_type') ?? ''
  return `${exchange.route} ${exchange.request.method} ${url.pathname} ${grant}`
}
