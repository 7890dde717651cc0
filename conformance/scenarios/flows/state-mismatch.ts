import { expectRule } from '../../scenario.js'
import { rejectStateMismatch, sendState } from '../../rules/index.js'
import { baseRules, type Flow } from '../common.js'

/** A forged redirect: a real code, but a state the client never sent. */
const stateMismatch: Flow = (profile) =>
  profile.grant !== 'authorization_code'
    ? undefined
    : {
        id: 'state-mismatch',
        title: 'A redirect with a forged state is refused',
        summary:
          'RFC 6749 §10.12: the client "MUST implement CSRF protection" and verify that the state in the redirect is the one it bound to the user. The runner delivers a redirect carrying a valid code and a forged state; a correct client refuses it and never redeems the code (judged from the journal by reject-state-mismatch, whatever the client reports).',
        profile: profile.id,
        steps: [{ do: 'authorize', user: 'approve', forge: 'state', expect: 'settles', requirements: ['RFC6749-10.12'] }],
        rules: [...baseRules(profile, ['RFC6749-10.12']), expectRule(sendState), expectRule(rejectStateMismatch)],
      }
export default stateMismatch
