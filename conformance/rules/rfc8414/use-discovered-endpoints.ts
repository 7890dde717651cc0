import { defineRule, fail, pass, skip } from '../verdict.js'
import { responseJson } from '../rfc9728/resource-exchanges.js'

/**
 * Once a client has read the authorization server's metadata, it sends each
 * request to the endpoint the metadata lists, not to a path it was built
 * with: servers move their endpoints (a prefix, a version, another host), and
 * the metadata is where they say so.
 *
 * @see [RFC 8414 §2](https://www.rfc-editor.org/rfc/rfc8414.html#section-2) the endpoints in the metadata
 * @see [RFC 8414 §3.2](https://www.rfc-editor.org/rfc/rfc8414.html#section-3.2) the metadata response
 */
export const useDiscoveredEndpoints = defineRule({
  id: 'use-discovered-endpoints',
  title: "The client sends each request to the endpoint the server's metadata lists, not to a hard-coded path",
  requirements: ['RFC8414-2', 'RFC8414-3.2'],
  evaluate(ctx) {
    const metadataRead = ctx.exchanges.find(
      (e) => e.request.method === 'GET' && typeof responseJson(e)?.issuer === 'string' && typeof responseJson(e)?.token_endpoint === 'string',
    )
    if (!metadataRead) return skip('the client read no authorization server metadata')
    const metadata = responseJson(metadataRead)!
    const { routes } = ctx.profile
    // The role of each route the facts name, and the metadata member that says where it is.
    const listed: Array<[string | undefined, string]> = [
      [routes.authorize, 'authorization_endpoint'],
      [routes.token, 'token_endpoint'],
      [routes.userinfo, 'userinfo_endpoint'],
      [routes.jwks, 'jwks_uri'],
      [routes.deviceAuthorization, 'device_authorization_endpoint'],
    ]
    let judged = 0
    for (const exchange of ctx.exchanges) {
      if (exchange.seq <= metadataRead.seq) continue
      const member = listed.find(([route]) => route !== undefined && route === exchange.route)?.[1]
      const endpoint = member ? metadata[member] : undefined
      if (typeof endpoint !== 'string') continue
      judged++
      const url = exchange.request.url.split('?')[0]
      if (url !== endpoint)
        return fail(`the client sent a request to ${url}, where the metadata's ${member} is ${endpoint}`, {
          expected: endpoint,
          actual: url,
          exchange: exchange.seq,
        })
    }
    if (judged === 0) return skip('no request after the metadata went to an endpoint it lists')
    return pass(`every request after the metadata (${judged}) went to the endpoint it lists`)
  },
})
