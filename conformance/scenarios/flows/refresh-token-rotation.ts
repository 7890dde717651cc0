import { expectRule } from '../../scenario.js'
import { avoidExpiredToken, useRefreshToken } from '../../rules/index.js'
import { baseRules, primaryCall, signIn, type Flow } from '../common.js'

/** Two refreshes in a row: the second must use the refresh token the first one issued. */
const refreshTokenRotation: Flow = (profile) =>
  !profile.refresh || profile.accessTokenTtlSeconds === null
    ? undefined
    : {
        id: 'refresh-token-rotation',
        title: 'Refresh twice: the second refresh uses the refresh token the first one issued',
        summary: `The provider rotates refresh tokens: each refresh answers a new refresh token and retires the old one (Doorkeeper revokes it, GoCD deletes it). RFC 6749 §6: the client "MUST discard the old refresh token and replace it with the new refresh token". The mock clock jumps past the ${profile.accessTokenTtlSeconds} s lifetime twice; the second refresh must present the newest refresh token (use-newest-refresh-token).`,
        profile: profile.id,
        steps: [
          ...signIn(profile),
          primaryCall(profile),
          { do: 'advance-clock', seconds: profile.accessTokenTtlSeconds },
          primaryCall(profile),
          { do: 'advance-clock', seconds: profile.accessTokenTtlSeconds },
          primaryCall(profile),
        ],
        rules: [
          ...baseRules(profile, ['RFC6749-6', profile.requirements.refresh ?? profile.requirements.token]),
          expectRule(avoidExpiredToken, 'warning', profile.requirements.expiry ? [profile.requirements.expiry] : []),
          expectRule(useRefreshToken, 'failure', profile.requirements.refresh ? [profile.requirements.refresh] : []),
        ],
      }
export default refreshTokenRotation
