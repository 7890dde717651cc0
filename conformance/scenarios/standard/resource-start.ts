import { expectRule } from '../../scenario.js'
import {
  followResourceMetadata,
  rejectMixedUpResponse,
  sendPkce,
  sendResourceIndicator,
  sendState,
  sendTokenOnlyToItsResource,
  useRefreshToken,
  useRegisteredClientId,
} from '../../rules/index.js'
import { PROFILES } from '../../profiles/index.js'
import { baseRules } from '../common.js'
import type { Scenario, Step } from '../../types.js'

const standardProfile = PROFILES.standard

const ttl = standardProfile.accessTokenTtlSeconds!
const callResource: Step = { do: 'call', operation: 'resource-items', expect: 'ok', requirements: ['RFC9728-5.1', 'RFC8707-2'] }

/** The MCP authorization profile: the client knows nothing but the resource's URL. */
const resourceStart: Scenario = {
  id: 'resource-start',
  title: 'Starting from a protected resource: discover, register, authorize and call, with the resource named throughout',
  summary:
    "What the Model Context Protocol's authorization profile asks of a client, checked offline. The client is told only the protected resource's URL (`resourceUrl`; no endpoints, no client id). Its first call gets 401 with `WWW-Authenticate: Bearer resource_metadata=\"...\"` (RFC 9728 §5.1); the resource's metadata names the authorization server (§2), whose metadata (RFC 8414 §3) gives the endpoints and a registration endpoint, where the client registers (RFC 7591 §3.1; or presents its client ID metadata document URL). It sends `resource` on the authorization request and on every token request (RFC 8707 §2.1, §2.2). The token expires (refresh, with `resource`), then every token is revoked: the resource answers 401 again and the client, which may read the resource's metadata again, must not send its token anywhere but to the resource (RFC 9700 §2.3), and asks the user again.",
  profile: 'standard',
  client: { startFrom: 'resource' },
  steps: [callResource, { do: 'advance-clock', seconds: ttl }, callResource, { do: 'revoke-tokens' }, callResource],
  rules: [
    ...baseRules(standardProfile, ['RFC9728-5.1', 'RFC8707-2']),
    expectRule(followResourceMetadata),
    expectRule(useRegisteredClientId),
    expectRule(sendResourceIndicator),
    expectRule(sendTokenOnlyToItsResource),
    expectRule(sendState),
    expectRule(sendPkce),
    expectRule(rejectMixedUpResponse),
    expectRule(useRefreshToken, 'failure', ['RFC6749-6']),
  ],
}
export default resourceStart
