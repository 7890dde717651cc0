import { tokenFaultScenario, type Flow } from '../common.js'

/** The token endpoint answers after the client’s timeout */
const flow: Flow = (profile) =>
  tokenFaultScenario(
    profile,
    {
      id: 'token-slow-answer',
      title: 'The token endpoint answers after the client’s timeout',
      summary:
        'The first token request is handled at once but its answer held (up to 5 s, until the client gives up), while the client was told to give up after 1 s. The client must time out and report, or retry with back-off; it must not hang. A retried code exchange finds the code used (RFC 6749 §10.5: the provider may revoke what the held request issued): the client must report that cleanly, or sign in again. Nothing here depends on how fast the machine is: the held request did its work before the client could retry.',
    },
    { type: 'delay', ms: 5000, handleFirst: true },
    { client: { requestTimeoutMs: 1000 } },
  )
export default flow
