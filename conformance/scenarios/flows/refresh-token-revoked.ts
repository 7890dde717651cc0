import { expectRule } from '../../scenario.js'
import { useRefreshToken } from '../../rules/index.js'
import { baseRules, primaryCall, signIn, type Flow } from '../common.js'

/** The user removes the application: every token, refresh tokens included, is revoked. */
const refreshTokenRevoked: Flow = (profile) =>
  !profile.refresh
    ? undefined
    : {
        id: 'refresh-token-revoked',
        title: 'Revoked tokens: the refresh is refused, the client asks the user again',
        summary:
          'After revocation the API answers invalid_token (RFC 6750 §3.1) and the refresh grant invalid_grant (RFC 6749 §5.2). A correct client tries its refresh token once, then sends the user through authorization again (it answers "authorization_required" and the runner plays the user) instead of looping.',
        profile: profile.id,
        steps: [...signIn(profile), primaryCall(profile), { do: 'revoke-tokens' }, primaryCall(profile)],
        rules: [...baseRules(profile, ['RFC6749-5.2', 'RFC6750-3.1']), expectRule(useRefreshToken)],
      }
export default refreshTokenRevoked
