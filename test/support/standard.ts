import { createHash, randomBytes } from 'node:crypto'
import request from 'supertest'
import { formFields, pathOf, type Browser } from './browser-like.js'
import { STANDARD_FIXTURES } from '../../mocks/providers/standard/index.js'

export const CONFIDENTIAL = STANDARD_FIXTURES.confidentialClient
export const PUBLIC = STANDARD_FIXTURES.publicClient
export const ALICE = STANDARD_FIXTURES.user

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

/** RFC 6749 §2.3.1: form-urlencode id and secret, then base64. */
export function basicAuth(id: string, secret: string): string {
  const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+')
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`
}

/** Signs alice in on a cookie-keeping agent (login page, then its form). */
export async function signIn(agent: Browser, returnTo = '/'): Promise<void> {
  const page = await agent.get(`/login?return_to=${encodeURIComponent(returnTo)}`)
  const posted = await agent
    .post('/login')
    .type('form')
    .send({ ...formFields(page.text), username: ALICE.username, password: ALICE.password })
  if (posted.status !== 302) throw new Error(`login failed: ${posted.status}`)
}

export interface AuthorizeResult {
  /** The final redirect to the client. */
  location: URL
  verifier: string
}

/**
 * authorize → (login) → (consent) → redirect, as a browser without
 * JavaScript; `query` overrides the defaults (public client, loopback port,
 * PKCE S256, openid scope, state and nonce).
 */
export async function authorizeCode(
  agent: Browser,
  query: Record<string, string | undefined> = {},
  decision: 'authorize' | 'deny' = 'authorize',
): Promise<AuthorizeResult> {
  const { verifier, challenge } = pkcePair()
  const params: Record<string, string> = {}
  const merged: Record<string, string | undefined> = {
    client_id: PUBLIC.clientId,
    redirect_uri: 'http://127.0.0.1:53121/callback',
    response_type: 'code',
    scope: 'openid profile email',
    state: 'state-123',
    nonce: 'nonce-456',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...query,
  }
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) params[k] = v
  return { location: await followAuthorization(agent, `/authorize?${new URLSearchParams(params)}`, decision), verifier }
}

/**
 * Plays alice through an authorization URL (absolute, or a path on the
 * agent's origin): login if asked, consent if shown; returns the redirect to the client.
 */
export async function followAuthorization(agent: Browser, url: string, decision: 'authorize' | 'deny' = 'authorize'): Promise<URL> {
  let res = await agent.get(pathOf(url))
  if (res.status === 302 && new URL(res.headers.location, 'http://x').pathname === '/login') {
    const login = await agent.get(pathOf(res.headers.location))
    const posted = await agent
      .post('/login')
      .type('form')
      .send({ ...formFields(login.text), username: ALICE.username, password: ALICE.password })
    res = await agent.get(pathOf(posted.headers.location))
  }
  if (res.status === 200) {
    const decided = await agent
      .post('/authorize')
      .type('form')
      .send({ ...formFields(res.text), decision })
    return new URL(decided.headers.location)
  }
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${res.text.slice(0, 300)}`)
  return new URL(res.headers.location)
}

/** The code exchange of the public client. */
export function exchangeCode(baseUrl: string, code: string, verifier: string, extra: Record<string, string> = {}) {
  return request(baseUrl)
    .post('/token')
    .type('form')
    .send({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: 'http://127.0.0.1:53121/callback',
      client_id: PUBLIC.clientId,
      ...extra,
    })
}
