import { expectRule } from '../../scenario.js'
import { respectDevicePollingInterval, stopPollingWhenRefused } from '../../rules/index.js'
import { PROFILES } from '../../profiles/index.js'
import { baseRules } from '../common.js'
import type { Scenario } from '../../types.js'

const standardProfile = PROFILES.standard

/** Nobody answers the device request: it expires, and the client stops polling. */
const deviceExpired: Scenario = {
  id: 'device-expired',
  title: 'Device grant: the code expires unanswered, and the client stops polling',
  summary:
    'RFC 8628 §3.5: on `expired_token` "the client MUST stop polling". Nobody answers the device request (the `device-user` control); it lives 600 s, polled every 5 s on the mock clock, so the scenario takes milliseconds. A correct client reports expired_token (or stops at its own deadline) and never polls that device code again.',
  profile: 'standard',
  steps: [
    { do: 'control', action: 'device-user', body: { decision: 'none' } },
    { do: 'call', operation: 'device-sign-in', expect: { error: ['expired_token'] }, requirements: ['RFC8628-3.5'] },
  ],
  rules: [...baseRules(standardProfile, ['RFC8628-3.5']), expectRule(respectDevicePollingInterval), expectRule(stopPollingWhenRefused)],
}
export default deviceExpired
