import { expectRule } from '../../scenario.js'
import { respectDevicePollingInterval, stopPollingWhenRefused } from '../../rules/index.js'
import { PROFILES } from '../../profiles/index.js'
import { baseRules } from '../common.js'
import type { Scenario } from '../../types.js'

const standardProfile = PROFILES.standard

/** The user denies the device request: the client stops polling and reports it. */
const deviceAccessDenied: Scenario = {
  id: 'device-access-denied',
  title: 'Device grant: the user denies, and the client stops polling',
  summary:
    'RFC 8628 §3.5: `access_denied` ends the device request. The user denies it 20 s after it starts (the `device-user` control); a correct client reports access_denied and never polls that device code again.',
  profile: 'standard',
  steps: [
    { do: 'control', action: 'device-user', body: { decision: 'deny', afterSeconds: 20 } },
    { do: 'call', operation: 'device-sign-in', expect: { error: ['access_denied'] }, requirements: ['RFC8628-3.5'] },
  ],
  rules: [...baseRules(standardProfile, ['RFC8628-3.5']), expectRule(respectDevicePollingInterval), expectRule(stopPollingWhenRefused)],
}
export default deviceAccessDenied
