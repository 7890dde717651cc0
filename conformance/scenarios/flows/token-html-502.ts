import { tokenFaultScenario, type Flow } from '../common.js'

/** A proxy answers the token request with an HTML 502 page */
const flow: Flow = (profile) =>
  tokenFaultScenario(
    profile,
    {
      id: 'token-html-502',
      title: 'A proxy answers the token request with an HTML 502 page',
      summary:
        'A gateway error is not an OAuth response: no JSON, text/html. The client treats it as a transient server failure: back off and retry, or report.',
    },
    { type: 'html-502' },
    {},
  )
export default flow
