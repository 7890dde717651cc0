import { expectRule } from '../../scenario.js'
import { followResourceMetadata, sendResourceIndicator, useDiscoveredEndpoints, useRefreshToken, useRegisteredClientId } from '../../rules/index.js'
import { PROFILES } from '../../profiles/index.js'
import { baseRules } from '../common.js'
import type { Scenario, Step } from '../../types.js'

const standardProfile = PROFILES.standard

const ttl = standardProfile.accessTokenTtlSeconds!
const callResource: Step = { do: 'call', operation: 'resource-items', expect: 'ok', requirements: ['RFC8414-2'] }

/** The endpoints are not where they usually are: only a client that reads the metadata finds them. */
const movedEndpoints: Scenario = {
  id: 'moved-endpoints',
  title: "The server's endpoints moved: the client uses the ones its metadata lists",
  summary:
    "RFC 8414 §2: the authorization server's metadata says where its endpoints are. Here the token, registration, UserInfo, revocation and introspection endpoints are served under /oauth2/v1 (the movedEndpoints option, set through the options control) and their usual paths answer 404. The client starts from the protected resource (`resourceUrl` only, as in resource-start), so it has nothing but discovery to go by: it registers, signs in, calls, and refreshes at the endpoints the metadata lists.",
  profile: 'standard',
  client: { startFrom: 'resource' },
  steps: [{ do: 'control', action: 'options', body: { movedEndpoints: true } }, callResource, { do: 'advance-clock', seconds: ttl }, callResource],
  rules: [
    ...baseRules(standardProfile, ['RFC8414-2']),
    expectRule(useDiscoveredEndpoints),
    expectRule(followResourceMetadata),
    expectRule(useRegisteredClientId),
    expectRule(sendResourceIndicator),
    expectRule(useRefreshToken, 'failure', ['RFC6749-6']),
  ],
}
export default movedEndpoints
