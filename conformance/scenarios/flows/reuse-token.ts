import { expectRule } from '../../scenario.js'
import { reuseUnexpiredToken } from '../../rules/index.js'
import { baseRules, primaryCall, signIn, type Flow } from '../common.js'

/** Ten calls in a row, well within the token's lifetime. */
const reuseToken: Flow = (profile) => ({
  id: 'reuse-token',
  title: 'Ten calls, one token: the token endpoint is called exactly once',
  summary:
    'A token is good until "expires_in" (RFC 6749 §5.1); asking for one per call multiplies the load on the authorization server and, for client credentials, is what providers rate-limit. Ten protected calls must share one token request.',
  profile: profile.id,
  steps: [...signIn(profile), ...Array.from({ length: 10 }, () => primaryCall(profile))],
  rules: [
    ...baseRules(profile, [profile.requirements.api]),
    expectRule(reuseUnexpiredToken, 'failure', profile.requirements.expiry ? [profile.requirements.expiry] : []),
  ],
})
export default reuseToken
