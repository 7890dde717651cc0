import { expectRule } from '../../scenario.js'
import { respectDevicePollingInterval, stopPollingWhenRefused } from '../../rules/index.js'
import { PROFILES } from '../../profiles/index.js'
import { baseRules, primaryCall } from '../common.js'
import type { Scenario } from '../../types.js'

const standardProfile = PROFILES.standard

/** The device grant with a slow_down on the first poll: the client waits 5 s more from then on. */
const deviceSlowDown: Scenario = {
  id: 'device-slow-down',
  title: 'Device grant: the client polls at the interval, 5 s slower after slow_down, until the user approves',
  summary:
    'RFC 8628 §3.5: the client waits at least `interval` seconds between polls, and on `slow_down` "the interval MUST be increased by 5 seconds for this and all subsequent requests". The client starts a device authorization (its endpoint from the server metadata); the server answers its first poll `slow_down` (the `device-user` control), `authorization_pending` until the user approves 30 s after the request, then tokens; UserInfo is called with them. Polls are judged from their mock-clock times, so nothing waits.',
  profile: 'standard',
  steps: [
    { do: 'control', action: 'device-user', body: { decision: 'approve', afterSeconds: 30, slowDown: true } },
    { do: 'call', operation: 'device-sign-in', expect: 'ok', requirements: ['RFC8628-3.4', 'RFC8628-3.5'] },
    primaryCall(standardProfile),
  ],
  rules: [...baseRules(standardProfile, ['RFC8628-3.5']), expectRule(respectDevicePollingInterval), expectRule(stopPollingWhenRefused)],
}
export default deviceSlowDown
