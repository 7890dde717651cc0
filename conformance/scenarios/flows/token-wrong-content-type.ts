import { tokenFaultScenario, type Flow } from '../common.js'

/** The token response is labelled text/html */
const flow: Flow = (profile) =>
  tokenFaultScenario(
    profile,
    {
      id: 'token-wrong-content-type',
      title: 'The token response is labelled text/html',
      summary:
        'RFC 6749 §5.1 says the token response is application/json. A proxy that relabels it leaves a readable body: the client may read it or report an invalid response, but must not crash.',
    },
    { type: 'wrong-content-type', contentType: 'text/html; charset=utf-8' },
    {},
  )
export default flow
