import request from 'supertest'

/** Undoes the HTML escaping of attribute values. */
function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!)
}

/** Hidden and named inputs of the first form on a page (what a browser would submit). */
export function formFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]] = unescapeHtml(m[2])
  return fields
}

/** A cookie-keeping supertest agent: a browser without JavaScript. */
export function browser(baseUrl: string) {
  return request.agent(baseUrl)
}

export type Browser = ReturnType<typeof browser>

/** Path and query of an absolute or relative Location header. */
export function pathOf(location: string): string {
  const url = new URL(location, 'http://placeholder')
  return url.pathname + url.search
}

export interface DanceOptions {
  clientId: string
  redirectUri: string
  scope?: string
  state?: string
  username: string
  password: string
  decision?: 'authorize' | 'deny'
  /** Extra authorize parameters. */
  extra?: Record<string, string>
  authorizePath?: string
}

/**
 * Plays the user through authorize → login → consent and returns the final
 * redirect Location (to the client, or the OOB page).
 */
export async function authorizeInBrowser(agent: Browser, options: DanceOptions): Promise<URL> {
  const authorizePath = options.authorizePath ?? '/oauth/authorize'
  const query: Record<string, string> = { client_id: options.clientId, redirect_uri: options.redirectUri, response_type: 'code', ...options.extra }
  if (options.scope !== undefined) query.scope = options.scope
  if (options.state !== undefined) query.state = options.state
  let res = await agent.get(authorizePath).query(query)
  // Carina and GoCD sign in at `/login`, Cloud 66 (Devise) at `/users/sign_in`.
  if (res.status === 302 && /\/(login|sign_in)$/.test(new URL(res.headers.location, 'http://x').pathname)) {
    const loginPage = await agent.get(pathOf(res.headers.location))
    const fields = formFields(loginPage.text)
    const loggedIn = await agent
      .post(new URL(res.headers.location, 'http://x').pathname)
      .type('form')
      .send({ ...fields, username: options.username, password: options.password })
    if (loggedIn.status !== 302) throw new Error(`login failed: ${loggedIn.status} ${loggedIn.text.slice(0, 200)}`)
    res = await agent.get(pathOf(loggedIn.headers.location))
  }
  if (res.status === 302) return new URL(res.headers.location)
  if (res.status !== 200) throw new Error(`authorize answered ${res.status}: ${res.text.slice(0, 300)}`)
  const fields = formFields(res.text)
  const decided = await agent
    .post(authorizePath)
    .type('form')
    .send({ ...fields, decision: options.decision ?? 'authorize' })
  if (decided.status !== 302) throw new Error(`consent answered ${decided.status}: ${decided.text.slice(0, 300)}`)
  return new URL(decided.headers.location, 'http://x')
}
