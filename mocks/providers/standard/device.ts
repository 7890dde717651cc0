import { randomInt } from 'node:crypto'
import { splitScopes } from '../../core/authorize.js'
import { InvalidScope, OAuthError, UnauthorizedClient } from '../../core/errors.js'
import { html, renderPage, type SafeHtml } from '../../core/html.js'
import { Reply, type RouteAnswer } from '../../core/reply.js'
import { defineRoute, type RouteDefinition } from '../../core/routes.js'
import { randomBase64Url } from '../../core/secrets.js'
import { csrfField, ensureSession, readSession, redirect, requireCsrf } from '../../core/session.js'
import { checkResources } from './authorize.js'
import { authenticateStandardClient } from './client-auth.js'
import { STANDARD_PATHS, STANDARD_SCOPES, type StandardContext, type StandardStore, type StandardRuntime } from './config.js'
import { DEVICE_CODE_GRANT } from './supported.js'
import { TOKEN_HEADERS } from './token.js'

/** RFC 8628 §6.1: consonants only, no vowels (no words), no look-alikes; 20^8 ≈ 2^34.5 codes. */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

function newUserCode(): string {
  let code = ''
  for (let i = 0; i < 8; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]
  return code
}

/** `WDJB-MJHT` as shown; stored without the dash. */
function showUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`
}

/** What the user typed, normalised (RFC 8628 §6.1: case and dashes do not matter). */
function normaliseUserCode(value: string | undefined): string {
  return (value ?? '').toUpperCase().replace(/[^A-Z]/g, '')
}

/** RFC 8628 §3.1-§3.2: the device authorization request and its response. */
const deviceAuthorizationRoute = defineRoute<StandardRuntime>({
  id: 'standard.device-authorization',
  method: 'POST',
  path: STANDARD_PATHS.deviceAuthorization,
  async resolve(ctx) {
    const params = ctx.body()
    const { client } = await authenticateStandardClient(ctx, params, { allowNone: true })
    if (!client.grantTypes.includes(DEVICE_CODE_GRANT))
      throw new UnauthorizedClient(`This client is not registered for the ${DEVICE_CODE_GRANT} grant.`, 'device grant not registered')
    const scopes = splitScopes(params.value('scope'), / +/)
    const unknown = scopes.filter((s) => !(s in STANDARD_SCOPES) || (client.scopes.length > 0 && !client.scopes.includes(s)))
    if (unknown.length) throw new InvalidScope(`The requested scope is invalid or unknown: ${unknown.join(' ')}.`)
    const resources = checkResources(
      ctx,
      new URLSearchParams(ctx.bodyText).getAll('resource').filter(Boolean),
      (_e, description) => new OAuthError(400, 'invalid_target', description),
    )
    const { store, clock, config } = ctx.provider
    const now = clock.nowMs()
    let userCode = newUserCode()
    while (store.deviceCodes.by('userCode', userCode)) userCode = newUserCode()
    const device = store.deviceCodes.insert({
      deviceCode: randomBase64Url(32),
      userCode,
      clientId: client.clientId,
      scopes,
      resources,
      issuedAtMs: now,
      expiresAtMs: now + config.deviceCodeTtlSeconds * 1000,
      intervalSeconds: config.devicePollIntervalSeconds,
      lastPollMs: null,
      status: 'pending',
      userId: null,
      authTimeMs: null,
    })
    const verificationUri = ctx.link(STANDARD_PATHS.device)
    return Reply.json(
      200,
      {
        device_code: device.deviceCode,
        user_code: showUserCode(userCode),
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?user_code=${showUserCode(userCode)}`,
        expires_in: config.deviceCodeTtlSeconds,
        interval: device.intervalSeconds,
      },
      TOKEN_HEADERS,
    )
  },
})

function page(ctx: StandardContext, title: string, body: SafeHtml, status = 200, setCookie?: string): RouteAnswer {
  return renderPage({ title, brand: ctx.provider.config.web.brand, body, status, headers: setCookie ? { 'Set-Cookie': setCookie } : {} })
}

/** The code entry form: a GET form, so it needs no anti-CSRF token; the decision form that follows has one. */
function entryForm(ctx: StandardContext, error?: string, status = 200): RouteAnswer {
  return page(
    ctx,
    'Connect a device',
    html`<h1>Connect a device</h1>
${error ? html`<p class="error" role="alert" data-testid="device-error">${error}</p>` : ''}
<form method="get" action="${STANDARD_PATHS.device}" data-testid="device-code-form">
<label for="user_code">Code shown on the device</label>
<input type="text" id="user_code" name="user_code" autocomplete="one-time-code" autocapitalize="characters" required data-testid="device-user-code">
<div class="actions"><button type="submit" class="primary" data-testid="device-continue">Continue</button></div>
</form>`,
    status,
  )
}

/** A live, undecided device request for what the user typed, or the reason there is none. */
function pendingDevice(ctx: StandardContext, typed: string | undefined): NonNullable<ReturnType<StandardStore['deviceCodes']['by']>> | string {
  const device = ctx.provider.store.deviceCodes.by('userCode', normaliseUserCode(typed))
  if (!device || device.status !== 'pending') return 'That code is not valid, or was already used. Check the code shown on the device.'
  if (ctx.provider.clock.nowMs() >= device.expiresAtMs) return 'That code expired. Start again on the device.'
  return device
}

/** The verification page (RFC 8628 §3.3): sign in, enter or confirm the code, then allow or deny. */
const verificationRoutes: RouteDefinition<StandardRuntime>[] = [
  defineRoute<StandardRuntime>({
    id: 'standard.device-page',
    method: 'GET',
    path: STANDARD_PATHS.device,
    async resolve(ctx) {
      const session = readSession(ctx)
      if (!session?.userId) return redirect(ctx.link(`${STANDARD_PATHS.login}?return_to=${encodeURIComponent(ctx.url.pathname + ctx.url.search)}`))
      const typed = ctx.query.get('user_code')
      if (typed === undefined) return entryForm(ctx)
      const device = pendingDevice(ctx, typed)
      if (typeof device === 'string') return entryForm(ctx, device, 400)
      const client = ctx.provider.store.clients.by('clientId', device.clientId)
      const { session: withCsrf, setCookie } = await ensureSession(ctx)
      return page(
        ctx,
        'Connect a device',
        html`<h1>Connect a device</h1>
<p>Allow <strong data-testid="consent-app-name">${client?.name ?? device.clientId}</strong> on the device showing <code data-testid="device-shown-code">${showUserCode(device.userCode)}</code> to:</p>
<ul class="scopes" data-testid="consent-scopes">${device.scopes.map((s) => html`<li data-scope="${s}">${STANDARD_SCOPES[s] ?? s}</li>`)}</ul>
<p class="hint">Only continue if you started this on a device you own.</p>
<form method="post" action="${STANDARD_PATHS.device}" data-testid="device-consent-form">
${csrfField(withCsrf)}
<input type="hidden" name="user_code" value="${device.userCode}">
<div class="actions">
<button type="submit" name="decision" value="authorize" class="primary" data-testid="consent-approve">Allow</button>
<button type="submit" name="decision" value="deny" data-testid="consent-deny">Deny</button>
</div>
</form>`,
        200,
        setCookie,
      )
    },
  }),
  defineRoute<StandardRuntime>({
    id: 'standard.device-decision',
    method: 'POST',
    path: STANDARD_PATHS.device,
    async resolve(ctx) {
      const form = ctx.body()
      const session = requireCsrf(ctx, form)
      if (!session.userId) return redirect(ctx.link(`${STANDARD_PATHS.login}?return_to=${encodeURIComponent(STANDARD_PATHS.device)}`))
      const device = pendingDevice(ctx, form.get('user_code'))
      if (typeof device === 'string') return entryForm(ctx, device, 400)
      const approved = form.get('decision') === 'authorize'
      ctx.notes.decision = approved ? 'authorize' : 'deny'
      ctx.provider.store.deviceCodes.patch(
        device,
        approved ? { status: 'approved', userId: session.userId, authTimeMs: session.createdAtMs } : { status: 'denied' },
      )
      return page(
        ctx,
        approved ? 'Device connected' : 'Device not connected',
        approved
          ? html`<h1>Device connected</h1><p class="notice" role="status" data-testid="device-result">You may return to your device.</p>`
          : html`<h1>Device not connected</h1><p class="notice" role="status" data-testid="device-result">The request was denied. You may close this page.</p>`,
      )
    },
  }),
]

export const deviceRoutes: RouteDefinition<StandardRuntime>[] = [deviceAuthorizationRoute, ...verificationRoutes]
