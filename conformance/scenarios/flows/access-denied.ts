import { expectRule } from '../../scenario.js'
import { stopAfterAccessDenied } from '../../rules/index.js'
import { baseRules, type Flow } from '../common.js'

/** The user presses Deny. */
const accessDenied: Flow = (profile) =>
  profile.grant !== 'authorization_code'
    ? undefined
    : {
        id: 'access-denied',
        title: 'The user denies: the client reports access_denied and asks for no token',
        summary:
          'RFC 6749 §4.1.2.1: "If the resource owner denies the access request … the authorization server informs the client by adding the following parameters … error=access_denied". There is no code; the client reports the error to its user.',
        profile: profile.id,
        steps: [{ do: 'authorize', user: 'deny', expect: { error: [profile.accessDeniedError ?? 'access_denied'] }, requirements: ['RFC6749-4.1.2.1'] }],
        rules: [...baseRules(profile, ['RFC6749-4.1.2.1']), expectRule(stopAfterAccessDenied)],
      }
export default accessDenied
