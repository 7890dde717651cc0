import { tokenFaultScenario, type Flow } from '../common.js'

/** The token endpoint answers 500 server_error once */
const flow: Flow = (profile) =>
  tokenFaultScenario(
    profile,
    {
      id: 'token-server-error',
      title: 'The token endpoint answers 500 server_error once',
      summary:
        'RFC 6749 §5.2 server_error: a transient failure. A robust client backs off and retries a few times, or reports the error; it never retries in a tight loop (RFC 9110 §15.6).',
    },
    { type: 'oauth-error', error: 'server_error', status: 500 },
    {},
  )
export default flow
