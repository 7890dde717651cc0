import { expectRule } from '../../scenario.js'
import { checkUserinfoSub } from '../../rules/index.js'
import { PROFILES } from '../../profiles/index.js'
import { baseRules, primaryCall, signIn } from '../common.js'
import type { Scenario } from '../../types.js'

const standardProfile = PROFILES.standard

/** UserInfo names another user than the ID token: its values are not used. */
const userinfoWrongSub: Scenario = {
  id: 'userinfo-wrong-sub',
  title: "A UserInfo answer whose sub is not the ID token's is not used",
  summary:
    'OIDC Core §5.3.2: "The sub Claim in the UserInfo Response MUST be verified to exactly match the sub Claim in the ID Token; if they do not match, the UserInfo Response values MUST NOT be used." After a normal sign-in, the next UserInfo answer names another sub (the `break-next-userinfo` control); a correct client refuses it (or keeps the ID token\'s sub in the claims it reports), and the following UserInfo call succeeds.',
  profile: 'standard',
  steps: [
    ...signIn(standardProfile),
    { do: 'control', action: 'break-next-userinfo', body: { kind: 'wrong-sub' } },
    primaryCall(standardProfile, 'settles'),
    primaryCall(standardProfile),
  ],
  rules: [...baseRules(standardProfile, ['OIDCC-5.3.2']), expectRule(checkUserinfoSub)],
}
export default userinfoWrongSub
