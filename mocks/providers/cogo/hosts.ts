import { HttpError } from '../../core/errors.js'
import type { CogoContext, CogoRuntime } from './config.js'

/** `auth.<env>.<name>.carbonengine.co` or `api.<env>.<name>.carbonengine.co`: the tenant is everything after the first label. */
const CARBON_ENGINE_HOST = /^(auth|api)\.(.+\.carbonengine\.co)$/

/** Whether a base URL is one of the document's `*.carbonengine.co` hosts. */
export function isCarbonEngineUrl(url: string): boolean {
  try {
    return CARBON_ENGINE_HOST.test(new URL(url).hostname)
  } catch {
    return false
  }
}

/**
 * msw URL patterns answering every env and name (`https://auth.*.carbonengine.co`
 * matches `https://auth.dev.acme.carbonengine.co`). The `http://` forms are
 * registered too, so a plain-HTTP call gets the refusal the document promises
 * instead of escaping to the network.
 */
export function anyTenantPatterns(): Record<string, string[]> {
  return {
    auth: ['https://auth.*.carbonengine.co', 'http://auth.*.carbonengine.co'],
    api: ['https://api.*.carbonengine.co', 'http://api.*.carbonengine.co'],
  }
}

/**
 * The auth origin paired with the request's host: in-process, a call to
 * `api.dev.acme.carbonengine.co` belongs to `auth.dev.acme.carbonengine.co`,
 * so each tenant has its own issuer and a token of one tenant is refused by
 * another's API. Elsewhere (`serve`, custom base URLs) it is the configured auth origin.
 */
export function authBaseFor(ctx: CogoContext): string {
  const provider = ctx.provider
  if (!provider.config.anyTenant) return provider.origins.auth
  const match = CARBON_ENGINE_HOST.exec(ctx.url.hostname)
  if (!match) return provider.origins.auth
  return `${ctx.url.protocol}//auth.${match[2]}${ctx.url.port ? `:${ctx.url.port}` : ''}`
}

/** `iss` of tokens issued to, and required from, this request's tenant: Auth0's form, the origin and a trailing slash. */
export function issuerFor(ctx: CogoContext): string {
  return ctx.provider.config.issuer ?? `${authBaseFor(ctx)}/`
}

/** The default issuer of a provider (its configured auth origin), for helpers outside a request. */
export function defaultIssuer(provider: CogoRuntime): string {
  return provider.config.issuer ?? `${provider.origins.auth}/`
}

/**
 * "All API requests must be made over HTTPS. Calls made over plain HTTP will
 * fail." When the origin is served at an `https://` URL (the production hosts,
 * in-process), an `http://` call fails as it would against a host with no
 * plain-HTTP listener: a network error, no HTTP answer at all. `serve` listens
 * on plain `http://127.0.0.1`, and there plain HTTP is the only way in.
 */
export function refusePlainHttp(ctx: CogoContext): void {
  // The origin first: over `serve` (http) the request's URL need not be parsed.
  if (ctx.baseUrl.startsWith('https:') && ctx.url.protocol === 'http:') {
    ctx.notes.refused = 'plain HTTP to an HTTPS-only origin'
    throw new HttpError(Response.error())
  }
}
