import { tokenFaultScenario, type Flow } from '../common.js'

/** The token response is cut short (malformed JSON) */
const flow: Flow = (profile) =>
  tokenFaultScenario(
    profile,
    {
      id: 'token-malformed-json',
      title: 'The token response is cut short (malformed JSON)',
      summary:
        "A 200 whose JSON body is truncated: the client cannot read a token and must report an invalid response, not crash or use garbage. Retrying the code exchange would replay the code (RFC 6749 §4.1.2: redeem-code-once); retrying any other token request is report-unreadable-token-response's finding.",
    },
    { type: 'truncated-json' },
    {},
  )
export default flow
