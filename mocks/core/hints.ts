/**
 * Hints for near misses (`ctx.hint`, `notes.hint`): what a developer who got
 * a faithful 401 or 400 needs to hear to fix the request, without changing a
 * byte of the provider's answer. The sentences never quote a token or secret.
 */
import type { ProviderRuntime } from './provider.js'

/** "3 minutes 20 seconds", "2 hours", "1 day 4 hours": the two largest units. */
export function formatDuration(ms: number): string {
  let seconds = Math.max(0, Math.round(ms / 1000))
  const units: Array<[string, number]> = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ]
  const parts: string[] = []
  for (const [name, size] of units) {
    const n = Math.floor(seconds / size)
    if (n > 0 || (size === 1 && parts.length === 0)) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`)
    seconds -= n * size
    if (parts.length === 2) break
  }
  return parts.join(' ')
}

/** The access token expired on the mock clock: how long ago, and how to get another. */
export function expiredTokenHint(nowMs: number, expiresAtMs: number): string {
  return `The access token expired ${formatDuration(nowMs - expiresAtMs)} ago on the mock clock (at ${new Date(expiresAtMs).toISOString()}); get a new one (refresh, or ask for a new token) before calling again.`
}

/**
 * Runtimes alive in this process, so one provider can tell that a token it
 * does not know was issued by another (a client wired to the wrong provider).
 * Weak references: a runtime nobody holds any more drops out; at most
 * {@link MAX_RUNTIMES} are kept (the oldest go first).
 */
const runtimes: Array<WeakRef<ProviderRuntime>> = []
const MAX_RUNTIMES = 64

/** Called by every runtime when created. */
export function registerRuntime(runtime: ProviderRuntime): void {
  for (let i = runtimes.length - 1; i >= 0; i--) if (runtimes[i].deref() === undefined) runtimes.splice(i, 1)
  runtimes.push(new WeakRef(runtime))
  if (runtimes.length > MAX_RUNTIMES) runtimes.splice(0, runtimes.length - MAX_RUNTIMES)
}

/** The id of another live provider that issued this access token, if any. */
export function providerOwningToken(self: ProviderRuntime, value: string): string | undefined {
  for (const ref of runtimes) {
    const runtime = ref.deref()
    if (!runtime || runtime === self || runtime.id === self.id) continue
    if (runtime.issuedToken(value)) return runtime.id
  }
  return undefined
}

/** "This token was issued by <other provider>": a client pointed at the wrong provider. */
export function foreignTokenHint(self: ProviderRuntime, value: string | undefined): string | undefined {
  if (!value) return undefined
  const owner = providerOwningToken(self, value)
  return owner ? `This access token was issued by the ${owner} provider, not by ${self.id}: the client sends one provider's token to another's API.` : undefined
}

/** Where a request carried something that looks like its access token. */
export interface TokenSighting {
  /** Words for where it was: `the "Authorization: Token" header`, `the "access_token" query parameter`. */
  where: string
  value: string
}

/**
 * Every place a token may have been put besides the one the API reads: the
 * `Authorization` header under any scheme, `X-Auth-Token`, the
 * `access_token`/`bearer_token` query parameters and a urlencoded body's
 * `access_token`.
 */
export function tokenSightings(request: { headers: { get(name: string): string | null } }, url: URL, bodyText: string): TokenSighting[] {
  const found: TokenSighting[] = []
  const header = request.headers.get('authorization')
  if (header) {
    const space = header.indexOf(' ')
    const scheme = space === -1 ? header : header.slice(0, space)
    let value = space === -1 ? '' : header.slice(space + 1).trim()
    // GoCD's `Token token="..."`.
    const quoted = /^token="(.*)"$/i.exec(value)
    if (quoted) value = quoted[1]
    if (value && !/^basic$/i.test(scheme)) found.push({ where: `the "Authorization: ${scheme}" header`, value })
  }
  const xAuth = request.headers.get('x-auth-token')
  if (xAuth) found.push({ where: 'the "X-Auth-Token" header', value: xAuth })
  for (const name of ['access_token', 'bearer_token']) {
    for (const value of url.searchParams.getAll(name)) if (value) found.push({ where: `the "${name}" query parameter`, value })
  }
  const type = request.headers.get('content-type') ?? ''
  if (bodyText && type.startsWith('application/x-www-form-urlencoded')) {
    for (const value of new URLSearchParams(bodyText).getAll('access_token')) if (value) found.push({ where: 'the "access_token" body parameter', value })
  }
  return found
}

/**
 * The hint for a request refused for want of a token the API could read,
 * when the token was there but in the wrong scheme or place.
 *
 * @param expected how this API wants it, e.g. `"Authorization: Bearer <token>"`.
 */
export function misplacedTokenHint(sightings: TokenSighting[], expected: string): string | undefined {
  if (!sightings.length) return undefined
  return `A token was sent in ${sightings.map((s) => s.where).join(' and ')}, which this API does not read; send it as ${expected}.`
}
