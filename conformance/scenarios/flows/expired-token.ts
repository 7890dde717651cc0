import { expectRule } from '../../scenario.js'
import { avoidExpiredToken, reuseUnexpiredToken, useRefreshToken } from '../../rules/index.js'
import { baseRules, primaryCall, signIn, type Flow } from '../common.js'

/** The access token expires between two calls (mock clock). */
const expiredToken: Flow = (profile) =>
  profile.accessTokenTtlSeconds === null
    ? undefined
    : {
        id: 'expired-token',
        title: 'The access token expires: the client renews it before calling',
        summary: `The token lives ${profile.accessTokenTtlSeconds} s ("expires_in", RFC 6749 §5.1). The mock clock jumps past it; the client must not present the dead token (RFC 6750 §3.1 invalid_token) and must renew it ${profile.refresh ? 'with its refresh token (RFC 6749 §6), not by sending the user through authorization again' : 'by the grant it used (RFC 6749 §4.4)'}.`,
        profile: profile.id,
        steps: [...signIn(profile), primaryCall(profile), { do: 'advance-clock', seconds: profile.accessTokenTtlSeconds }, primaryCall(profile)],
        rules: [
          ...baseRules(profile, ['RFC6749-6', profile.requirements.refresh ?? profile.requirements.token]),
          expectRule(avoidExpiredToken, 'warning', profile.requirements.expiry ? [profile.requirements.expiry] : []),
          expectRule(useRefreshToken, 'failure', profile.requirements.refresh ? [profile.requirements.refresh] : []),
          expectRule(reuseUnexpiredToken, 'warning'),
        ],
      }
export default expiredToken
