import { tokenFaultScenario, type Flow } from '../common.js'

/** The token endpoint answers after the client’s timeout */
const flow: Flow = (profile) =>
  tokenFaultScenario(
    profile,
    {
      id: 'token-slow-answer',
      title: 'The token endpoint answers after the client’s timeout',
      summary:
        'The first token request is held 600 ms while the client was told to give up after 500 ms. The client must time out and report, or retry with back-off; it must not hang. A retried code exchange races the held one, which then finds the code used (RFC 6749 §10.5 revokes what it issued): the client must report that cleanly too.',
    },
    { type: 'delay', ms: 600 },
    { client: { requestTimeoutMs: 500 } },
  )
export default flow
