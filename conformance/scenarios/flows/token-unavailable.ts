import { tokenFaultScenario, type Flow } from '../common.js'

/** The token endpoint answers 503 with Retry-After: 30 once */
const flow: Flow = (profile) =>
  tokenFaultScenario(
    profile,
    {
      id: 'token-unavailable',
      title: 'The token endpoint answers 503 with Retry-After: 30 once',
      summary:
        'RFC 9110 §10.2.3: Retry-After says how long to wait. The client waits 30 s of mock time before asking again (the runner advances the clock when the client sleeps), or reports temporarily_unavailable.',
    },
    { type: 'retry-after', status: 503, seconds: 30 },
    {},
  )
export default flow
