import { defineScenario, expectRule } from '../../scenario.js'
import { refetchRefusedTokenOnce } from '../../rules/index.js'
import { cogoProfile } from '../../profiles/cogo.js'
import { baseRules } from '../common.js'

/** Every token issued has the wrong audience (a misconfigured environment): no new token will help. */
export default defineScenario({
  id: 'invalid-token-persists',
  title: 'Every token is refused: the client tries one new token, then reports',
  summary:
    'The token endpoint keeps issuing tokens for another audience (`broken-token` fault, always), so the API refuses each with 403. RFC 6750 §3.1 lets the client request a new token and retry; when that one is refused too, fetching more only loads the authorization server. A correct client reports the error after one new token.',
  profile: 'cogo',
  steps: [
    { do: 'inject-fault', fault: { route: 'cogo.token', times: 'always', action: { type: 'broken-token', kind: 'wrong-audience' } } },
    { do: 'call', operation: 'categories', expect: 'error', requirements: ['COGO-api', 'RFC6750-3.1'] },
  ],
  rules: [...baseRules(cogoProfile, ['COGO-api', 'RFC6750-3.1']), expectRule(refetchRefusedTokenOnce)],
})
