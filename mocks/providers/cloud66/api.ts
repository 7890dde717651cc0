import { authenticateBearer } from '../../core/bearer.js'
import { HttpError, type OAuthError } from '../../core/errors.js'
import { defineRoute, type RouteDefinition } from '../../core/routes.js'
import type { Cloud66Context, Cloud66Runtime } from './config.js'
import type { Stack } from './store.js'

/**
 * Cloud 66's API error codes (PROVIDERS.md §3.3: 400 bad_request, 401
 * unauthenticated, 403 forbidden, 404 not_found, 503 throttled), from the
 * RFC 6750 errors the bearer check raises.
 */
const API_ERROR_CODES: Record<string, string> = {
  invalid_request: 'bad_request',
  invalid_token: 'unauthenticated',
  insufficient_scope: 'forbidden',
  temporarily_unavailable: 'throttled',
}

/**
 * Rails' default `Cache-Control` for a dynamic response; `private` is also what
 * RFC 6750 §2.3 asks for when the token came in the query string.
 */
const API_CACHE_CONTROL = 'max-age=0, private, must-revalidate'

export function apiJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': API_CACHE_CONTROL, ...headers },
  })
}

/** The API's error body: `{"error": "<code>", "error_description": "..."}`. */
export function apiError(status: number, error: string, description: string, headers: Record<string, string> = {}): Response {
  return apiJson({ error, error_description: description }, status, headers)
}

/** Renders bearer and body errors of `/api/2/...` in Cloud 66's format, keeping the RFC 6750 challenge header. */
export function renderApiError(error: OAuthError): Response {
  const code = error.status === 413 ? 'bad_request' : (API_ERROR_CODES[error.error] ?? error.error)
  return apiError(error.status, code, error.description, error.headers)
}

/**
 * The token, from `Authorization: Bearer` (any case), `?access_token=` (the
 * document's example) or `?bearer_token=`, as Doorkeeper read it; several at
 * once are served with the first, as Doorkeeper's `from_request` did, and
 * recorded for the rules (RFC 6750 §2).
 */
function requireToken(ctx: Cloud66Context, scopes: string[] = []) {
  return authenticateBearer(ctx, {
    realm: 'Doorkeeper',
    placements: ['header', 'query'],
    queryParams: ['access_token', 'bearer_token'],
    severalPlacements: 'first',
    scopes,
  })
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** The stack as the clock sees it: a queued redeployment finishes after `redeploySeconds`. */
function currentState(provider: Cloud66Runtime, stack: Stack): { status: number; health: number; lastActivityMs: number } {
  if (stack.redeployQueuedAtMs === null) return { status: stack.status, health: stack.health, lastActivityMs: stack.lastActivityMs }
  const doneAtMs = stack.redeployQueuedAtMs + provider.config.redeploySeconds * 1000
  // 5 = queued for deploy; then 1 = deployed ok, 3 = healthy (PROVIDERS.md §3.3).
  if (provider.clock.nowMs() < doneAtMs) return { status: 5, health: stack.health, lastActivityMs: stack.redeployQueuedAtMs }
  return { status: 1, health: 3, lastActivityMs: doneAtMs }
}

/** API v2's stack object; `redeploy_hook` only for a token with the redeploy scope. */
function stackView(provider: Cloud66Runtime, stack: Stack, scopes: readonly string[]) {
  const state = currentState(provider, stack)
  return {
    uid: stack.uid,
    name: stack.name,
    git: stack.git,
    git_branch: stack.git_branch,
    environment: stack.environment,
    cloud: stack.cloud,
    fqdn: stack.fqdn,
    language: stack.language,
    framework: stack.framework,
    status: state.status,
    health: state.health,
    ...(scopes.includes('redeploy') ? { redeploy_hook: stack.redeploy_hook } : {}),
    last_activity: rfc3339(state.lastActivityMs),
    created_at: rfc3339(stack.createdAtMs),
    updated_at: rfc3339(Math.max(stack.updatedAtMs, state.lastActivityMs)),
  }
}

/** The token owner's stack `uid`, or the API's 404 (another user's stack is as unknown as a missing one). */
function ownStack(ctx: Cloud66Context, userId: string | null): Stack {
  const stack = ctx.provider.store.stacks.by('uid', ctx.params.uid)
  if (!stack || stack.ownerId !== userId) throw new HttpError(apiError(404, 'not_found', `No stack with uid "${ctx.params.uid}" was found.`))
  return stack
}

export const apiRoutes: RouteDefinition<Cloud66Runtime>[] = [
  defineRoute<Cloud66Runtime>({
    // Any valid token reads: "(no scope)" and `public` are both "public read-only access".
    id: 'cloud66.stacks',
    method: 'GET',
    path: '/api/2/stacks.json',
    renderError: renderApiError,
    resolve(ctx) {
      const { token } = requireToken(ctx)
      // A user has a handful of stacks: this scan is not a hot-path token lookup.
      const stacks = ctx.provider.store.stacks.collection.findMany((q) => q.where({ ownerId: token.userId ?? '' }))
      stacks.sort((a, b) => a.createdAtMs - b.createdAtMs)
      return apiJson({ response: stacks.map((s) => stackView(ctx.provider, s, token.scopes)), count: stacks.length })
    },
  }),
  defineRoute<Cloud66Runtime>({
    id: 'cloud66.stack',
    method: 'GET',
    path: '/api/2/stacks/:uid.json',
    renderError: renderApiError,
    resolve(ctx) {
      const { token } = requireToken(ctx)
      return apiJson({ response: stackView(ctx.provider, ownStack(ctx, token.userId), token.scopes) })
    },
  }),
  defineRoute<Cloud66Runtime>({
    // `/stacks/.json`: the uid is missing, which the API answered bad_request (PROVIDERS.md §3.3).
    id: 'cloud66.stack-without-uid',
    method: 'GET',
    path: '/api/2/stacks/.json',
    renderError: renderApiError,
    resolve(ctx) {
      requireToken(ctx)
      return apiError(400, 'bad_request', 'The stack uid is missing.')
    },
  }),
  defineRoute<Cloud66Runtime>({
    id: 'cloud66.redeploy',
    method: 'POST',
    path: '/api/2/stacks/:uid/redeploy.json',
    renderError: renderApiError,
    resolve(ctx) {
      const { token } = requireToken(ctx, ['redeploy'])
      const stack = ownStack(ctx, token.userId)
      const now = ctx.provider.clock.nowMs()
      const state = currentState(ctx.provider, stack)
      // Fold a finished redeployment into the record before queueing the next.
      ctx.provider.store.stacks.patch(stack, {
        status: state.status,
        health: state.health,
        lastActivityMs: state.lastActivityMs,
        redeployQueuedAtMs: now,
        updatedAtMs: now,
      })
      ctx.notes.redeployed = stack.uid
      return apiJson({ response: { ok: true, message: 'Stack queued for redeployment' } })
    },
  }),
]
