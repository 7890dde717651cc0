import { expectRule } from '../../scenario.js'
import { refetchJwksOnce, sendNonce } from '../../rules/index.js'
import { PROFILES } from '../../profiles/index.js'
import { baseRules } from '../common.js'
import type { Scenario } from '../../types.js'

const standardProfile = PROFILES.standard

/** The provider rotates its signing key between two sign-ins: the client fetches the JWKS again, once. */
const keyRotation: Scenario = {
  id: 'key-rotation',
  title: 'The signing key rotates: the client fetches the JWKS again, once',
  summary:
    'OIDC Core §10.1.1: "The RP performs a re-fetch of the JWKS … when it sees an unfamiliar kid value." The user signs in twice with the same keys (a client that caches the JWKS fetches it once), then the provider rotates its signing key (the `rotate-key` control; the old key stays published) and the user signs in again: the new ID token names a kid the client has not seen, and a correct client fetches the JWKS once more, not again and again, and not never.',
  profile: 'standard',
  steps: [
    { do: 'authorize', user: 'approve', expect: 'ok', requirements: ['RFC6749-4.1'] },
    { do: 'authorize', user: 'approve', expect: 'ok', requirements: ['RFC6749-4.1'] },
    { do: 'control', action: 'rotate-key' },
    { do: 'authorize', user: 'approve', expect: 'settles', requirements: ['OIDCC-10.1.1'] },
  ],
  rules: [...baseRules(standardProfile, ['OIDCC-10.1.1']), expectRule(sendNonce), expectRule(refetchJwksOnce)],
  // The rotation generates an RSA key.
  waitsOffThread: true,
}
export default keyRotation
