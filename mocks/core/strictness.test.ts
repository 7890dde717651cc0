import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bothModes, type Running } from '../../test/support/modes.js'
import { cogoFixtures } from '../../fixtures/cogo.js'
import { createCogo } from '../index.js'
import type { CogoRuntime } from '../providers/cogo/index.js'
import { Params } from './params.js'
import type { ReportViolation, Violation } from './routes.js'

const { clientId, clientSecret } = cogoFixtures.client
const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`
/** Two client authentication methods at once (RFC 6749 §2.3): Basic, and the secret in the body. */
const twoMethods = `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`

describe.each(bothModes)('strict and lenient over $name', (mode) => {
  let running: Running<CogoRuntime>
  beforeAll(async () => {
    running = await mode.start<CogoRuntime>('cogo')
  })
  afterAll(() => running.close())
  const violations = () => running.provider.journal.entries().at(-1)!.notes.violations as Violation[]

  it('refuses a spec-breaking request when strict (the default), naming the requirement in the journal', async () => {
    expect((await request(running.origins.auth).get('/__oauth-dance/strictness')).body).toEqual({ mode: 'strict' })
    const response = await request(running.origins.auth).post('/oauth2/token').set('Authorization', basic).type('form').send(twoMethods)
    expect([response.status, response.body]).toEqual([400, { error: 'invalid_request' }])
    expect(violations()).toEqual([
      {
        requirement: 'RFC6749-2.3',
        message: 'the client authenticated with HTTP Basic and with "client_secret" in the body',
        error: 'invalid_request',
        served: false,
      },
    ])
  })

  it('serves it and records the violation when switched to lenient over the control path, until reset', async () => {
    const switched = await request(running.origins.auth).post('/__oauth-dance/strictness').send({ mode: 'lenient' })
    expect([switched.status, switched.body]).toEqual([200, { mode: 'lenient' }])
    const response = await request(running.origins.auth).post('/oauth2/token').set('Authorization', basic).type('form').send(twoMethods)
    expect(response.status).toBe(200)
    expect(response.body.token_type).toBe('Bearer')
    expect(violations()).toEqual([
      {
        requirement: 'RFC6749-2.3',
        message: 'the client authenticated with HTTP Basic and with "client_secret" in the body',
        error: 'invalid_request',
        served: true,
      },
    ])
    await request(running.origins.auth).post('/__oauth-dance/reset').expect(200)
    expect((await request(running.origins.auth).get('/__oauth-dance/strictness')).body).toEqual({ mode: 'strict' })
  })

  it('answers 400 for a mode it does not know, and for a body that is not JSON', async () => {
    const unknown = await request(running.origins.auth).post('/__oauth-dance/strictness').send({ mode: 'loose' })
    expect([unknown.status, unknown.body]).toEqual([400, { error: '"mode" must be "strict" or "lenient"' }])
    const garbled = await request(running.origins.auth).post('/__oauth-dance/strictness').type('json').send('{mode')
    expect([garbled.status, garbled.body]).toEqual([400, { error: 'the body is not valid JSON' }])
    expect(running.provider.strictness).toBe('strict')
  })
})

describe('strictness option', () => {
  it('starts lenient when created lenient, and reset keeps the option', async () => {
    const cogo = createCogo({ strictness: 'lenient' })
    const token = () =>
      cogo.handle(
        new Request(`${cogo.origins.auth}/oauth2/token`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'text/plain' },
          body: 'grant_type=client_credentials&grant_type=client_credentials',
        }),
        'auth',
      )
    expect((await token()).status).toBe(200)
    expect(cogo.journal.entries()[0].notes.violations).toEqual([
      { requirement: 'RFC6749A-B', message: 'the body was sent as text/plain, not application/x-www-form-urlencoded', error: 'invalid_request', served: true },
      { requirement: 'RFC6749-3.2', message: '"grant_type" was sent 2 times in the body', error: 'invalid_request', served: true },
    ])
    await cogo.reset()
    expect(cogo.strictness).toBe('lenient')
  })
})

describe('Params and the violation reporter', () => {
  const recorded: Array<[string, string]> = []
  const lenient: ReportViolation = (requirement, message) => void recorded.push([requirement, message])

  it('refuses a repeated parameter without a reporter (strict)', () => {
    expect(() => Params.fromSearch('state=a&state=b').get('state')).toThrow(/^invalid_request: The "state" parameter was included more than once\.$/)
  })

  it('reads the first value of a repeated parameter once the reporter lets it through (lenient), recording RFC6749-3.1 for the query', () => {
    expect(Params.fromSearch('state=a&state=b', lenient).get('state')).toBe('a')
    expect(recorded).toEqual([['RFC6749-3.1', '"state" was sent 2 times in the query']])
  })
})
