// What each oauth-dance provider is benchmarked on: how to get a token and how
// to call a protected API with it. Providers appear here as they land in the
// registry; run.mjs skips those the build does not have.
import { basic } from './lib.mjs'

/** Client-credentials token request of a provider with HTTP Basic (Keystone, Cogo). */
export const CLIENT_CREDENTIALS = {
  keystone: { origin: 'default', path: '/v3/OS-OAUTH2/token', body: 'grant_type=client_credentials' },
  cogo: { origin: 'auth', path: '/oauth2/token', body: 'grant_type=client_credentials' },
  // The confidential client (client_secret_basic); an opaque access token stored for introspection and revocation.
  standard: { origin: 'default', path: '/token', body: 'grant_type=client_credentials&scope=api%3Aread' },
}

/** A protected API call, given the provider's description and a token. */
export const PROTECTED_API = {
  // Looks the opaque token up in the store (Nova's server list, scoped to the token's project).
  keystone: { origin: 'default', path: '/v2.1/servers', headers: (token) => ({ authorization: `Bearer ${token}` }) },
  carina: { origin: 'default', path: '/me', headers: (token) => ({ authorization: `Bearer ${token}` }) },
  // Verifies the RS256 JWT (signature, kid, iss, aud, exp) on the API origin.
  cogo: { origin: 'api', path: '/api/v2/categories', headers: (token) => ({ authorization: `Bearer ${token}` }) },
}

export function tokenRequest(id, description) {
  const cc = CLIENT_CREDENTIALS[id]
  const client = description.clients[0]
  return {
    url: baseUrlOf(description, cc.origin) + cc.path,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.id, client.secret) },
    body: cc.body,
  }
}

export function baseUrlOf(description, origin) {
  if (origin === 'default' || origin === 'auth') return description.baseUrl
  return description[`${origin}BaseUrl`] ?? description.baseUrl
}

/** A token for the protected-API benchmark: client credentials where the provider has them, else Carina's code flow. */
export async function obtainToken(id, description, { carinaFlow, request }) {
  if (CLIENT_CREDENTIALS[id]) {
    const spec = tokenRequest(id, description)
    const res = await fetch(spec.url, spec)
    if (res.status !== 200) throw new Error(`${id} token answered ${res.status}: ${await res.text()}`)
    return (await res.json()).access_token
  }
  return (await carinaFlow(request, description.baseUrl, carinaFlowFixtureOf(description))).access_token
}

function carinaFlowFixtureOf(description) {
  const client = description.clients[0]
  const user = description.users[0]
  return {
    clientId: client.id,
    clientSecret: client.secret,
    redirectUri: client.redirectUris.find((u) => u.startsWith('http')),
    username: user.username,
    password: user.password,
  }
}
