import { expectRule } from '../../scenario.js'
import { rejectMixedUpResponse, sendPkce, sendState } from '../../rules/index.js'
import { standardProfile } from '../../profiles/standard.js'
import { baseRules } from '../common.js'
import type { Scenario } from '../../types.js'

/** RFC 9207: a response naming another authorization server is refused. */
const mixUp: Scenario = {
  id: 'mix-up',
  title: 'An authorization response whose iss names another server is refused',
  summary:
    'RFC 9207 §2.4: a client that knows its authorization server sends `iss` (`authorization_response_iss_parameter_supported` in its metadata) "MUST" compare it with the issuer it sent the user to and refuse the response otherwise, so a code obtained at one server is never sent to another (the mix-up attack, RFC 9700 §4.4). The runner delivers a genuine code and the client\'s own state, with `iss` changed; a correct client refuses it and never redeems the code (judged from the journal by reject-mixed-up-response, whatever the client reports).',
  profile: 'standard',
  steps: [{ do: 'authorize', user: 'approve', forge: 'iss', expect: 'settles', requirements: ['RFC9207-2.4'] }],
  rules: [...baseRules(standardProfile, ['RFC9207-2.4']), expectRule(sendState), expectRule(sendPkce), expectRule(rejectMixedUpResponse)],
}
export default mixUp
