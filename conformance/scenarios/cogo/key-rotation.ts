import { defineScenario, expectRule } from '../../scenario.js'
import { refetchRefusedTokenOnce } from '../../rules/index.js'
import { cogoProfile } from '../../profiles/cogo.js'
import { baseRules } from '../common.js'

/** The signing key rotates and the old one is retired while the client holds a token it signed. */
export default defineScenario({
  id: 'key-rotation',
  title: 'The signing key rotates mid-session: the cached token is refused, a new one works',
  summary:
    'Cogo\'s tokens are RS256 JWTs verified against the published keys by `kid` (PROVIDERS.md §5.2). After a rotation that retires the previous key (`POST /__oauth-dance/rotate-key {"retirePrevious": true}`), a token the client cached stops verifying although it has not expired: the API answers 403. The client gets a new token, signed by the new key, once, and the call succeeds (RFC 6750 §3.1).',
  profile: 'cogo',
  steps: [
    { do: 'call', operation: 'categories', expect: 'ok', requirements: ['COGO-api'] },
    { do: 'control', action: 'rotate-key', body: { retirePrevious: true } },
    { do: 'call', operation: 'categories', expect: 'ok', requirements: ['COGO-api', 'RFC6750-3.1'] },
  ],
  rules: [...baseRules(cogoProfile, ['COGO-api', 'RFC6750-3.1']), expectRule(refetchRefusedTokenOnce)],
})
