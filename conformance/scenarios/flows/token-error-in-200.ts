import { tokenFaultScenario, type Flow } from '../common.js'

/** The token endpoint answers 200 with an OAuth error in the body */
const flow: Flow = (profile) =>
  tokenFaultScenario(
    profile,
    {
      id: 'token-error-in-200',
      title: 'The token endpoint answers 200 with an OAuth error in the body',
      summary:
        'Some servers answer errors with 200. A body with "error" and no "access_token" is an error whatever the status (RFC 6749 §5.2); the client reports it (read-error-in-token-response) and never calls the API with a token it was not given.',
    },
    { type: 'success-with-error', error: 'invalid_grant' },
    {},
  )
export default flow
