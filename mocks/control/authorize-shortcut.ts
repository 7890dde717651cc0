import { completeAuthorization, renderAuthorizationError, validateAuthorizationRequest, type AuthorizeContext } from '../core/authorize.js'
import { OAuthError } from '../core/errors.js'
import { Params } from '../core/params.js'
import type { ProviderRuntime } from '../core/provider.js'
import { toReply, type RouteAnswer } from '../core/reply.js'
import type { RouteContext } from '../core/routes.js'
import type { User } from '../store/index.js'
import { shortcutUser, type AuthorizeShortcutInput, type AuthorizeShortcutResult } from './control-api.js'

/**
 * The authorize shortcut's plumbing, shared by every provider with an
 * authorization endpoint: the request the pages would have carried (as a
 * query), a route context for the provider's own validation, the answer read
 * back as a redirect or an error page, and one journal entry marked
 * `notes.shortcut`, recorded as the authorization request it stands for.
 */
export async function runAuthorizeShortcut<P extends ProviderRuntime>(
  provider: P,
  input: AuthorizeShortcutInput,
  route: { id: string; path: string },
  decide: (ctx: RouteContext<P>, user: User) => Promise<RouteAnswer> | RouteAnswer,
): Promise<AuthorizeShortcutResult> {
  const user = shortcutUser(provider.store.users.collection.findMany() as User[], input.user)
  const query = new URLSearchParams()
  const add = (name: string, v: string | undefined) => v !== undefined && query.append(name, v)
  add('client_id', input.client)
  add('redirect_uri', input.redirectUri)
  add('response_type', 'code')
  add('scope', Array.isArray(input.scope) ? input.scope.join(' ') : input.scope)
  add('state', input.state)
  add('code_challenge', input.codeChallenge)
  add('code_challenge_method', input.codeChallengeMethod)
  const url = new URL(`${provider.baseUrl}${route.path}?${query}`)
  const notes: Record<string, unknown> = { shortcut: true, user: user.username, decision: input.decision ?? 'approve' }
  const ctx = {
    provider,
    request: { method: 'GET', url: url.toString(), headers: new Headers() },
    params: {},
    route: null,
    origin: 'default',
    baseUrl: provider.baseUrl,
    bodyText: '',
    notes,
    url,
    query: Params.fromSearch(url.searchParams),
    violation: () => undefined,
    body: () => Params.empty(),
    link: (path: string) => provider.baseUrl + path,
  } as unknown as RouteContext<P>
  const startMs = provider.clock.nowMs()
  const reply = await toReply(await decide(ctx, user))
  const location = reply.status >= 300 && reply.status < 400 ? reply.header('location') : null
  const result: AuthorizeShortcutResult = { redirect: location }
  if (location) {
    const params = new URL(location).searchParams
    const code = params.get('code') ?? (notes.codeIssued ? decodeURIComponent(location.split('/').pop() ?? '') : null)
    if (code) result.code = code
    if (params.get('state') !== null) result.state = params.get('state')!
    if (params.get('error') !== null) result.error = params.get('error')!
    if (params.get('error_description') !== null) result.errorDescription = params.get('error_description')!
  } else {
    // An error shown on a page (the client or its redirect URI could not be trusted): its code and words, as the page shows them.
    const error = notes.shortcutError as OAuthError | undefined
    const text = reply.text()
    const page = (testId: string) => unescapeHtml(new RegExp(`data-testid="${testId}">([^<]*)<`).exec(text)?.[1])
    result.error = error?.error ?? page('authorize-error-code') ?? String(notes.authorizeError ?? 'invalid_request')
    const description =
      error?.description ?? page('authorize-error-description') ?? (/^text\/plain/.test(reply.header('content-type') ?? '') ? text : undefined)
    if (description) result.errorDescription = description
  }
  delete notes.shortcutError
  if (provider.journal.enabled) {
    const seq = provider.journal.nextSeq()
    const headers: Record<string, string> = {}
    for (const [name, v] of Object.entries(reply.headers)) headers[name] = Array.isArray(v) ? v.join(', ') : v
    provider.journal.add(
      seq,
      () => ({
        seq,
        provider: provider.id,
        origin: 'default',
        route: route.id,
        at: new Date(startMs).toISOString(),
        atMs: startMs,
        request: { method: 'GET', url: url.toString(), headers: {}, body: '' },
        response: { status: reply.status, headers, body: location ? '' : reply.text() },
        notes,
        ...(result.error ? { error: { error: result.error, description: result.errorDescription ?? '' } } : {}),
      }),
      url.toString().length + (location ? 0 : (reply.body?.length ?? 0)),
    )
  }
  return result
}

/** The shortcut through the core's authorization endpoint (Carina, Cloud 66): its validation, its approve and deny. */
export function coreAuthorizeShortcut(provider: ProviderRuntime, input: AuthorizeShortcutInput): Promise<AuthorizeShortcutResult> {
  const config = provider.config.authorize
  return runAuthorizeShortcut(provider, input, { id: `${config.routePrefix}.authorize`, path: config.path }, (ctx, user) => {
    const authorizeCtx = ctx as unknown as AuthorizeContext
    try {
      const request = validateAuthorizationRequest(authorizeCtx, authorizeCtx.query)
      return completeAuthorization(authorizeCtx, request, user, input.decision === 'deny' ? 'deny' : 'authorize')
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error
      ctx.notes.shortcutError = error
      return renderAuthorizationError(error, authorizeCtx)
    }
  })
}

function unescapeHtml(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const named: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => named[entity])
}
