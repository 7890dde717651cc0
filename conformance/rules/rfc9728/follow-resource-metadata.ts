import { authorizeRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'
import { getsOf, resourceChallenges, responseJson } from './resource-exchanges.js'

/**
 * A client that meets a protected resource's 401 follows its
 * `resource_metadata` (RFC 9728 §5.1) to the resource's metadata, and takes
 * the authorization server from its `authorization_servers` (§2), whose own
 * metadata it reads (RFC 8414 §3), before sending the user to authorize.
 * Guessing the server at the resource's origin (the MCP 2025-03-26 fallback)
 * is what this replaces.
 *
 * @see [RFC 9728 §5.1](https://www.rfc-editor.org/rfc/rfc9728.html#section-5.1) `resource_metadata` in `WWW-Authenticate`
 * @see [RFC 9728 §7.2](https://www.rfc-editor.org/rfc/rfc9728.html#section-7.2) using the metadata to find the authorization server
 * @see [RFC 8414 §3](https://www.rfc-editor.org/rfc/rfc8414.html#section-3) obtaining the authorization server's metadata
 */
export const followResourceMetadata = defineRule({
  id: 'follow-resource-metadata',
  title: "The client finds the authorization server through the resource's metadata (resource_metadata), not by guessing",
  requirements: ['RFC9728-5.1', 'RFC9728-7.2', 'RFC8414-3'],
  evaluate(ctx) {
    const challenge = resourceChallenges(ctx)[0]
    if (!challenge) return skip('no protected resource answered 401 with resource_metadata')
    const firstAuthorization = authorizeRequests(ctx).find((e) => e.seq > challenge.exchange.seq)
    if (!firstAuthorization) return skip('the client never sent the user to authorize after the 401')
    const before = (seq: number) => seq > challenge.exchange.seq && seq < firstAuthorization.seq
    const read = getsOf(ctx, challenge.metadataUrl).find((e) => before(e.seq) && responseJson(e))
    if (!read) {
      return fail("the client sent the user to authorize without reading the protected resource metadata the 401's resource_metadata named", {
        expected: `GET ${challenge.metadataUrl} before the authorization request`,
        actual: 'not fetched',
        exchange: firstAuthorization.seq,
      })
    }
    const servers = responseJson(read)?.authorization_servers
    const issuers = Array.isArray(servers) ? servers.filter((s): s is string => typeof s === 'string') : []
    const serverMetadata = ctx.exchanges.find(
      (e) => e.seq > read.seq && before(e.seq) && e.request.method === 'GET' && issuers.includes(String(responseJson(e)?.issuer)),
    )
    if (!serverMetadata) {
      return fail("the client did not read the metadata of an authorization server the resource's metadata lists before sending the user to authorize", {
        expected: `the metadata of ${issuers.join(' or ') || '(none listed)'} (RFC 8414 §3)`,
        actual: 'not fetched',
        exchange: firstAuthorization.seq,
      })
    }
    return pass(`the client read ${challenge.metadataUrl}, then the metadata of ${String(responseJson(serverMetadata)?.issuer)}, before authorizing`)
  },
})
