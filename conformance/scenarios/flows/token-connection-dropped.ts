import { tokenFaultScenario, type Flow } from '../common.js'

/** The token endpoint drops the connection once */
const flow: Flow = (profile) =>
  tokenFaultScenario(
    profile,
    {
      id: 'token-connection-dropped',
      title: 'The token endpoint drops the connection once',
      summary: 'A reset connection carries no OAuth answer at all. The client treats it as a transport error: retry with back-off, or report; never crash.',
    },
    { type: 'drop' },
    {},
  )
export default flow
