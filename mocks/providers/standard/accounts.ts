import * as z from '../../store/zod.js'
import { clientIdentity, createClient, createUser, listedClient, redirectUrisChecked, removeClient, removeUser, userIdentity } from '../../control/accounts.js'
import type { AccountsDefinition } from '../../control/control-api.js'
import { STANDARD_SCOPES, type StandardClientMeta, type StandardRuntime } from './config.js'
import { DEVICE_CODE_GRANT } from './supported.js'

/** https, http on a loopback host, or a private-use scheme with a dot; no fragment (as Dynamic Client Registration checks). */
function redirectUriProblems(uris: string[]): string[] {
  return uris.flatMap((uri) => {
    let url: URL
    try {
      url = new URL(uri)
    } catch {
      return [`"${uri}" is not an absolute URI`]
    }
    if (uri.includes('#')) return [`"${uri}" has a fragment`]
    if (
      url.protocol === 'https:' ||
      (url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) ||
      url.protocol.slice(0, -1).includes('.')
    )
      return []
    return [`"${uri}" must be https, http on a loopback host, or a private-use scheme such as com.example.app:/cb`]
  })
}

/** standard's clients (as Dynamic Client Registration would add them, with a chosen id) and users. */
export const standardAccounts: AccountsDefinition<StandardRuntime> = {
  clientNoun: 'client',
  clientSchema: z.strictObject({
    ...clientIdentity,
    redirectUris: redirectUrisChecked(redirectUriProblems, 'Redirect URIs, compared exactly (any port on a loopback IP)'),
    tokenEndpointAuthMethod: z
      ._default(z.enum(['client_secret_basic', 'client_secret_post', 'none']), 'client_secret_basic')
      .check(z.describe('"none" for a public client (no secret, PKCE)')),
    scopes: z.optional(z.array(z.enum(Object.keys(STANDARD_SCOPES) as [string, ...string[]]))).check(z.describe('Scopes it may request (default: all)')),
    requirePushedAuthorizationRequests: z
      ._default(z.boolean(), false)
      .check(z.describe('Authorization requests only through the pushed_authorization_request_endpoint (RFC 9126 §6)')),
    dpopBoundAccessTokens: z
      ._default(z.boolean(), false)
      .check(z.describe('Token requests need a DPoP proof; access tokens are always DPoP-bound (RFC 9449 §5.2)')),
  }),
  async addClient(provider, input) {
    const method = input.tokenEndpointAuthMethod as StandardClientMeta['token_endpoint_auth_method']
    const grantTypes = ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT, ...(method === 'none' ? [] : ['client_credentials'])]
    const meta: StandardClientMeta = { token_endpoint_auth_method: method }
    if (input.requirePushedAuthorizationRequests) meta.require_pushed_authorization_requests = true
    if (input.dpopBoundAccessTokens) meta.dpop_bound_access_tokens = true
    const { requirePushedAuthorizationRequests: _par, dpopBoundAccessTokens: _dpop, ...identity } = input as Record<string, unknown>
    const client = await createClient(provider.store, provider.clock.nowMs(), { ...identity, ...(method === 'none' ? { secret: undefined } : {}) } as never, {
      grantTypes,
      meta,
    })
    if (method === 'none') provider.store.clients.patch(client, { clientSecret: '' })
    return listedClient(client, Object.keys(STANDARD_SCOPES))
  },
  removeClient: (provider, id) => removeClient(provider.store as never, id),
  userSchema: z.strictObject({
    ...userIdentity,
    email: z.optional(z.string()).check(z.describe('The email claim (scope email)')),
    name: z.optional(z.string()).check(z.describe('The name claim (scope profile)')),
  }),
  async addUser(provider, input) {
    const profile: Record<string, unknown> = { preferred_username: input.username }
    if (typeof input.name === 'string') profile.name = input.name
    if (typeof input.email === 'string') Object.assign(profile, { email: input.email, email_verified: true })
    const user = await createUser(provider.store as never, input as never, { profile })
    return { username: user.username, password: user.password }
  },
  removeUser: (provider, username) => removeUser(provider.store as never, username),
}
