import { authorizeRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'
import { registrations } from '../rfc9728/resource-exchanges.js'

/**
 * A client that starts from a protected resource knows no client id at its
 * authorization server: it registers (RFC 7591 §3.1) and uses the id it is
 * issued, or presents the URL of its client ID metadata document (an https
 * `client_id`). An id it was built with belongs to some other server.
 *
 * @see [RFC 7591 §3.1](https://www.rfc-editor.org/rfc/rfc7591.html#section-3.1) the registration request
 * @see [RFC 7591 §3.2.1](https://www.rfc-editor.org/rfc/rfc7591.html#section-3.2.1) the `client_id` issued
 */
export const useRegisteredClientId = defineRule({
  id: 'use-registered-client-id',
  title: 'Starting from a protected resource, the client registers (or presents its metadata document URL) and authorizes with that client id',
  requirements: ['RFC7591-3.1', 'RFC7591-3.2.1'],
  evaluate(ctx) {
    if (ctx.scenario.client?.startFrom !== 'resource') return skip('the client was given its client id')
    const requests = authorizeRequests(ctx)
    if (requests.length === 0) return skip('the client never sent the user to authorize')
    const registered = registrations(ctx)
    for (const exchange of requests) {
      const clientId = new URL(exchange.request.url).searchParams.get('client_id') ?? ''
      const metadataDocument = /^https:\/\/[^/]+\/./.test(clientId)
      if (!metadataDocument && !registered.some((r) => r.exchange.seq < exchange.seq && r.clientId === clientId)) {
        return fail(`the authorization request's client_id "${clientId}" was neither registered by this client nor a client ID metadata document URL`, {
          expected: registered.length
            ? `a client id the registration endpoint issued (${registered.map((r) => r.clientId).join(', ')})`
            : 'a registration (RFC 7591) before the authorization request, or an https client_id',
          actual: clientId || '(absent)',
          exchange: exchange.seq,
        })
      }
    }
    return pass(`every authorization request (${requests.length}) used a client id the client registered or its metadata document URL`)
  },
})
