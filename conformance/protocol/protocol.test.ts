import { describe, expect, it } from 'vitest'
import { PROTOCOL_SCHEMA, parseClientMessage, protocolProblem, resultProblem } from './protocol.js'
import { PROFILES } from '../profiles/index.js'
import { Clock } from '../../mocks/core/clock.js'

describe('the command: protocol schema', () => {
  it('describes the configure params the runner sends for every provider, grant included', async () => {
    for (const profile of Object.values(PROFILES)) {
      const provider = profile.create({ clock: new Clock({ frozen: true, start: 0 }) })
      await provider.ready
      const params = { ...profile.clientConfig(provider), grant: profile.grant, requestTimeoutMs: 5000 }
      expect(protocolProblem('configureParams', params), profile.id).toBeUndefined()
      expect('authorizationEndpoint' in params, profile.id).toBe(profile.grant === 'authorization_code')
    }
    expect(PROTOCOL_SCHEMA.$defs.configureParams.properties.provider.enum).toEqual(Object.keys(PROFILES))
  })

  it('reads the four kinds of client message', () => {
    expect(parseClientMessage('{"id":1,"result":{}}')).toEqual({ kind: 'answer', id: 1, result: {} })
    expect(parseClientMessage('{"id":2,"error":"unknown method"}')).toEqual({ kind: 'error', id: 2, error: 'unknown method' })
    expect(parseClientMessage('{"method":"sleep","params":{"seconds":30}}')).toEqual({ kind: 'sleep', seconds: 30 })
    expect(parseClientMessage('{"method":"log","params":{"message":"hi"}}')).toEqual({ kind: 'log' })
  })

  it('names the definition and the field a malformed message breaks', () => {
    const problem = (line: string) => {
      try {
        parseClientMessage(line)
        return 'no problem'
      } catch (error) {
        return (error as Error).message
      }
    }
    expect(problem('{"id":"1","result":{}}')).toBe(
      'the client wrote a message that breaks the protocol schema (answer: id: Invalid input: expected number, received string): {"id":"1","result":{}}',
    )
    expect(problem('{"method":"sleep","params":{"seconds":-2}}')).toBe(
      'the client wrote a message that breaks the protocol schema (sleep: params.seconds: Too small: expected number to be >=0): {"method":"sleep","params":{"seconds":-2}}',
    )
    expect(problem('{"foo":1}')).toBe(
      'the client wrote a message that breaks the protocol schema (clientMessage: neither an answer ({"id", "result"}), an error answer ({"id", "error"}), a sleep nor a log request): {"foo":1}',
    )
    expect(problem('[1]')).toBe('the client wrote a message that breaks the protocol schema (clientMessage: not a JSON object): [1]')
    expect(problem('ok')).toBe('the client wrote a line that is not JSON: ok')
  })

  it('checks each result against the definition its request names', () => {
    expect(resultProblem('startAuthorization', { url: 'https://x' })).toBeUndefined()
    expect(resultProblem('startAuthorization', {})).toBe('authorizationUrl: url: Invalid input: expected string, received undefined')
    expect(resultProblem('callApi', { ok: true, status: 200, data: '<xml/>' })).toBeUndefined()
    expect(resultProblem('callApi', { ok: false })).toBe('outcomeError: error: Invalid input: expected string, received undefined')
    // OpenID Connect clients may say which ID token they accepted and which claims they use; older clients leave both out.
    expect(resultProblem('receiveRedirect', { ok: true, idToken: 'eyJ.eyJ.sig', claims: { sub: 'alice' } })).toBeUndefined()
    expect(resultProblem('receiveRedirect', { ok: true, idToken: '' })).toBe('outcomeOk: idToken: Too small: expected string to have >=1 characters')
    expect(resultProblem('callApi', { ok: true, claims: 'alice' })).toBe('outcomeOk: claims: Invalid input: expected object, received string')
    expect(resultProblem('receiveRedirect', { ok: false, error: 'access_denied', description: null })).toBeUndefined()
    expect(resultProblem('configure', 3)).toBe('configureResult: (message): Invalid input: expected object, received number')
    expect(Object.keys(PROTOCOL_SCHEMA.$defs.resultOf.properties)).toEqual(['configure', 'startAuthorization', 'receiveRedirect', 'callApi'])
  })
})
