import { expectRule } from '../../scenario.js'
import { rejectStateMismatch, sendState } from '../../rules/index.js'
import { baseRules, primaryCall, type Flow } from '../common.js'

/** A callback without any state, then a genuine sign-in. */
const stateMissing: Flow = (profile) =>
  profile.grant !== 'authorization_code'
    ? undefined
    : {
        id: 'state-missing',
        title: 'A redirect without state is refused; the next sign-in uses a new state',
        summary:
          'RFC 6749 §10.12: the client binds each authorization request to the user with a state and checks it on the way back. An attacker crafting a callback simply leaves the state out, so a client that checks it only when present is open to login CSRF. The runner delivers a redirect with a valid code and no state (a correct client refuses it and never redeems the code: reject-state-mismatch), then the user signs in for real: the second authorization request must carry a new state (send-state).',
        profile: profile.id,
        steps: [
          { do: 'authorize', user: 'approve', forge: 'drop-state', expect: 'settles', requirements: ['RFC6749-10.12'] },
          { do: 'authorize', user: 'approve', expect: 'ok', requirements: ['RFC6749-4.1'] },
          primaryCall(profile),
        ],
        rules: [...baseRules(profile, ['RFC6749-10.12']), expectRule(sendState), expectRule(rejectStateMismatch)],
      }
export default stateMissing
