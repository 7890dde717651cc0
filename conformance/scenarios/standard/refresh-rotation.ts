import { expectRule } from '../../scenario.js'
import { useNewestRefreshToken, useRefreshToken } from '../../rules/index.js'
import { PROFILES } from '../../profiles/index.js'
import { baseRules, primaryCall, signIn } from '../common.js'
import type { Scenario } from '../../types.js'

const standardProfile = PROFILES.standard

const ttl = standardProfile.accessTokenTtlSeconds!

/** Two refreshes in a row: the second must present the token the first returned. */
const refreshRotation: Scenario = {
  id: 'refresh-rotation',
  title: 'Rotating refresh tokens: the client keeps the newest one',
  summary: `The server rotates refresh tokens (OAuth 2.1 §4.3.1): each refresh answer carries a new one and spends the old. The access token (${ttl} s) expires twice; the second refresh must present the refresh token of the first refresh's answer. An older one is taken for a stolen token: the server revokes the whole grant (RFC 9700 §4.14.2) and the user has to sign in again.`,
  profile: 'standard',
  steps: [
    ...signIn(standardProfile),
    primaryCall(standardProfile),
    { do: 'advance-clock', seconds: ttl },
    primaryCall(standardProfile),
    { do: 'advance-clock', seconds: ttl },
    primaryCall(standardProfile),
  ],
  rules: [...baseRules(standardProfile, ['RFC6749-6']), expectRule(useRefreshToken, 'failure', ['RFC6749-6']), expectRule(useNewestRefreshToken)],
}
export default refreshRotation
