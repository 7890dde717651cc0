import { expectRule } from '../../scenario.js'
import { sendPkce, sendState } from '../../rules/index.js'
import { baseRules, primaryCall, signIn, type Flow } from '../common.js'

/** The whole dance once: token, then a protected call, done as the document says. */
const happyPath: Flow = (profile) => ({
  id: 'happy-path',
  title: 'Happy path: get a token and make a protected call',
  summary:
    'The client obtains a token as the provider documents (RFC 6749 §4.1 or §4.4) and makes its protected call with it (RFC 6750 §2). Every later scenario bends one part of this one.',
  profile: profile.id,
  steps: [...signIn(profile), primaryCall(profile)],
  rules: [
    ...baseRules(profile, ['RFC6749-4.1', profile.requirements.api]),
    ...(profile.grant === 'authorization_code' ? [expectRule(sendState), expectRule(sendPkce, 'warning')] : []),
  ],
})
export default happyPath
