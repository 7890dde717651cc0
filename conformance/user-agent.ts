import { HarnessError, HarnessErrorCode } from './errors.js'

/** Hidden inputs of a page's forms, as a browser would submit them. */
function hiddenFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {}
  const unescape = (v: string) => v.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!)
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = unescape(m[2])
  return fields
}

function formAction(page: string, testId: string): string | undefined {
  const m = new RegExp(`<form method="post" action="([^"]+)"[^>]*data-testid="${testId}"`).exec(page)
  return m?.[1]
}

export interface UserAgentResult {
  /** The URL the browser ended on: the client's redirect URI with code/error, or the out-of-band page. */
  location: string
  /** For out-of-band redirects, the code shown on the page (DESIGN.md: `data-testid="authorization-code"`). */
  oobCode?: string
}

/**
 * The user, played by the runner: a cookie-keeping browser without
 * JavaScript that follows the provider's redirects, logs in, and approves or
 * denies on the consent page. It stops at the first redirect that leaves the
 * provider (the client's redirect URI), which it hands to the client.
 */
export class UserAgent {
  #cookies = new Map<string, string>()
  constructor(
    private readonly fetchImpl: typeof fetch,
    private readonly credentials: { username: string; password: string },
  ) {}

  async #request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.#cookies.size) headers.set('cookie', [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const response = await this.fetchImpl(url, { ...init, headers, redirect: 'manual' })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';')
      const eq = pair.indexOf('=')
      this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
    return response
  }

  async #post(url: string, fields: Record<string, string>): Promise<Response> {
    return this.#request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    })
  }

  /** Visits the client's authorization URL and plays the user until the browser leaves the provider. */
  async authorize(authorizationUrl: string, decision: 'approve' | 'deny'): Promise<UserAgentResult> {
    const fail = HarnessError.for(HarnessErrorCode.USER_AGENT_FAILED)
    const origin = new URL(authorizationUrl).origin
    let url = authorizationUrl
    for (let hop = 0; hop < 10; hop++) {
      const response = await this.#request(url)
      if (response.status >= 300 && response.status < 400) {
        const next = new URL(response.headers.get('location') ?? '', url).toString()
        if (new URL(next).origin !== origin || next.startsWith('urn:')) return { location: next }
        url = next
        continue
      }
      const page = await response.text()
      if (response.status !== 200) throw fail(`Failed to play the user: ${url} answered ${response.status}: ${page.slice(0, 200)}`)
      const code = /data-testid="authorization-code">([^<]+)</.exec(page)?.[1]
      if (code) return { location: url, oobCode: code }
      if (page.includes('data-testid="login-form"')) {
        const action = new URL(formAction(page, 'login-form') ?? '/login', url).toString()
        const loggedIn = await this.#post(action, { ...hiddenFields(page), ...this.credentials })
        if (loggedIn.status !== 302) throw fail(`Failed to log in as "${this.credentials.username}": ${loggedIn.status}`)
        url = new URL(loggedIn.headers.get('location')!, action).toString()
        continue
      }
      if (page.includes('data-testid="consent-form"')) {
        const action = new URL(formAction(page, 'consent-form') ?? new URL(url).pathname, url).toString()
        // @note GoCD's consent is a checkbox (`authorize=Yes` when ticked); the others post `decision`.
        const fields = {
          ...hiddenFields(page),
          decision: decision === 'approve' ? 'authorize' : 'deny',
          ...(decision === 'approve' && page.includes('name="authorize" value="Yes"') ? { authorize: 'Yes' } : {}),
        }
        const decided = await this.#post(action, fields)
        if (decided.status < 300 || decided.status >= 400)
          throw fail(`Failed to ${decision} on the consent page: ${decided.status} ${(await decided.text()).slice(0, 200)}`)
        const next = new URL(decided.headers.get('location')!, action).toString()
        if (next.startsWith('urn:') || new URL(next).origin !== origin) return { location: next }
        url = next
        continue
      }
      throw fail(`Failed to play the user: ${url} shows neither a login nor a consent form`)
    }
    throw fail('Failed to play the user: more than 10 redirects')
  }
}
