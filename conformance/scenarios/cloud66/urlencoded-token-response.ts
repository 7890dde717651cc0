import { defineScenario } from '../../scenario.js'
import { cloud66Profile } from '../../profiles/cloud66.js'
import { baseRules } from '../common.js'

/**
 * Cloud 66's token response is urlencoded unless the client asks for JSON or
 * XML with `Accept` (cloud66-api-basics.md; PROVIDERS.md §7 #11).
 */
export default defineScenario({
  id: 'urlencoded-token-response',
  title: 'The token response comes urlencoded unless the client asks for JSON',
  summary:
    'cloud66-api-basics.md answers the code exchange with "access_token=…&token_type=bearer" by default, and with JSON or XML when Accept asks. A client must either send Accept: application/json (which works on the document\'s server and on Doorkeeper alike) or read the urlencoded form; a JSON-only client that sends no Accept cannot read its token. The tokens never expire and there is no refresh token, so the client keeps the one it has.',
  profile: 'cloud66',
  steps: [
    { do: 'authorize', user: 'approve', expect: 'ok', requirements: ['CLOUD66-token-response'] },
    { do: 'call', operation: 'stacks', expect: 'ok', requirements: ['CLOUD66-api'] },
    { do: 'call', operation: 'stacks', expect: 'ok', requirements: ['CLOUD66-api'] },
  ],
  rules: baseRules(cloud66Profile, ['CLOUD66-token-response', 'RFC6749-5.1']),
})
