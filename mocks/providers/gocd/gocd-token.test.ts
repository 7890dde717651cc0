import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { formFields } from '../../../test/support/browser-like.js'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { GocdRuntime } from './config.js'
import {
  client,
  examples,
  REDIRECT,
  HEX64,
  ONE_HOUR,
  DOC,
  expectTokenError,
  expectRefused,
  expectErrorPage,
  gocdSuite,
} from '../../../test/support/gocd-suite.js'

describe.each(bothModes)('GoCD over $name', (mode) => {
  const suite = gocdSuite(mode)
  const { lastNotes, lastError, signedIn, freshCode, exchange, freshTokens, cctray } = suite
  let running: Running<GocdRuntime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

  describe('token endpoint', () => {
    const creds = { client_id: client.clientId, client_secret: client.clientSecret }

    it('uses a code once', async () => {
      const code = await freshCode()
      expect((await exchange({ code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT })).status).toBe(200)
      expectTokenError(
        await exchange({ code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT }),
        'invalid-grant',
        'Authorization expired or invalid!',
      )
    })

    it('honours a code for 3599 seconds, not 3600', async () => {
      const code = await freshCode()
      running.provider.clock.advance(3600)
      expectTokenError(
        await exchange({ code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT }),
        'invalid-grant',
        'Authorization expired or invalid!',
      )
      expect(lastError()?.detail).toBe('code expired')
      const next = await freshCode()
      running.provider.clock.advance(3599)
      expect((await exchange({ code: next, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT })).status).toBe(200)
    })

    it.each([
      [
        'the RFC grant name authorization_code',
        { grant_type: 'authorization_code' },
        'unsupported-grant-type',
        'Grant type authorization_code is not supported!',
      ],
      ['the RFC grant name refresh_token', { grant_type: 'refresh_token' }, 'unsupported-grant-type', 'Grant type refresh_token is not supported!'],
      ['client_credentials', { grant_type: 'client_credentials' }, 'unsupported-grant-type', 'Grant type client_credentials is not supported!'],
      ['no grant_type', { grant_type: undefined }, 'unsupported-grant-type', 'Grant type  is not supported!'],
      ['a wrong client_secret', { client_secret: 'wrong' }, 'invalid-client-credentials', 'Invalid client credentials!'],
      ['an unknown client_id', { client_id: 'nope' }, 'invalid-client-credentials', 'Invalid client credentials!'],
      ['no client credentials', { client_id: undefined, client_secret: undefined }, 'invalid-client-credentials', 'Invalid client credentials!'],
      ['no redirect_uri', { redirect_uri: undefined }, 'invalid-grant', 'Redirect uri mismatch!'],
      ['the redirect_uri with a trailing slash', { redirect_uri: `${REDIRECT}/` }, 'invalid-grant', 'Redirect uri mismatch!'],
    ] as const)('answers %s, and the code is burned all the same', async (_name, change, error, description) => {
      const code = await freshCode()
      const fields: Record<string, string> = { code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT }
      for (const [key, value] of Object.entries(change)) {
        if (value === undefined) delete fields[key]
        else fields[key] = value
      }
      expectTokenError(await exchange(fields), error, description)
      expect(lastNotes().codeBurned).toBe(true)
      expectTokenError(
        await exchange({ code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT }),
        'invalid-grant',
        'Authorization expired or invalid!',
      )
    })

    it.each([
      ['no code', {}, 'no code'],
      ['an unknown code', { code: 'nope' }, 'unknown or already used code'],
    ])('answers %s with invalid-grant', async (_name, change, detail) => {
      expectTokenError(
        await exchange({ grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT, ...change }),
        'invalid-grant',
        'Authorization expired or invalid!',
      )
      expect(lastError()?.detail).toBe(detail)
    })

    it("refuses another client's code, burning it", async () => {
      const code = await freshCode()
      await running.provider.store.clients.collection.create({
        clientId: 'other',
        clientSecret: 'other-secret',
        name: 'Other',
        redirectUris: ['https://other.example/cb'],
        createdAtMs: 0,
      })
      expectTokenError(
        await exchange({ code, grant_type: 'authorization-code', client_id: 'other', client_secret: 'other-secret', redirect_uri: 'https://other.example/cb' }),
        'invalid-grant',
        'Authorization expired or invalid!',
      )
      expect(lastError()?.detail).toBe('code of another client')
      expectTokenError(
        await exchange({ code, grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT }),
        'invalid-grant',
        'Authorization expired or invalid!',
      )
    })

    it('does not read HTTP Basic client authentication (GoCD never did)', async () => {
      const code = await freshCode()
      const res = await request(base)
        .post('/go/oauth/token')
        .set('Authorization', `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`)
        .type('form')
        .send(new URLSearchParams({ code, grant_type: 'authorization-code', redirect_uri: REDIRECT }).toString())
      expectTokenError(res, 'invalid-client-credentials', 'Invalid client credentials!')
      expect(lastError()?.detail).toBe('no client_id in the body (GoCD does not read HTTP Basic)')
    })

    it('refreshes with refresh-token (redirect_uri required), destroying the old pair', async () => {
      const first = await freshTokens()
      const res = await exchange({ grant_type: 'refresh-token', refresh_token: first.refresh_token, ...creds, redirect_uri: REDIRECT })
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ access_token: expect.stringMatching(HEX64), expires_in: ONE_HOUR, refresh_token: expect.stringMatching(HEX64) })
      expect(res.body.access_token).not.toBe(first.access_token)
      expectRefused(await cctray(`Token token="${first.access_token}"`), 401)
      expect((await cctray(`Token token="${res.body.access_token}"`)).status).toBe(200)
      expectTokenError(
        await exchange({ grant_type: 'refresh-token', refresh_token: first.refresh_token, ...creds, redirect_uri: REDIRECT }),
        'invalid-grant',
        'Refresh token is invalid!',
      )
    })

    it('burns a refresh token even when the refresh fails (no redirect_uri)', async () => {
      const first = await freshTokens()
      expectTokenError(await exchange({ grant_type: 'refresh-token', refresh_token: first.refresh_token, ...creds }), 'invalid-grant', 'Redirect uri mismatch!')
      expect(lastNotes().refreshTokenBurned).toBe(true)
      expectTokenError(
        await exchange({ grant_type: 'refresh-token', refresh_token: first.refresh_token, ...creds, redirect_uri: REDIRECT }),
        'invalid-grant',
        'Refresh token is invalid!',
      )
      expectRefused(await cctray(`Token token="${first.access_token}"`), 401)
    })

    it.each([
      ['no refresh_token', {}, 'no refresh_token'],
      ['an unknown refresh_token', { refresh_token: 'nope' }, 'unknown or already used refresh token'],
    ])('answers a refresh with %s', async (_name, change, detail) => {
      expectTokenError(
        await exchange({ grant_type: 'refresh-token', ...creds, redirect_uri: REDIRECT, ...change }),
        'invalid-grant',
        'Refresh token is invalid!',
      )
      expect(lastError()?.detail).toBe(detail)
    })

    it("deletes the user's earlier token for the client when a new code is exchanged", async () => {
      expect((await cctray(DOC.tokenHeader)).status).toBe(200)
      const fresh = await freshTokens()
      expect(lastNotes().earlierTokenDeleted).toBe(true)
      expectRefused(await cctray(DOC.tokenHeader), 401)
      expect((await cctray(`Token token="${fresh.access_token}"`)).status).toBe(200)
    })

    it('takes a JSON body too, as Rails parsed one into params', async () => {
      const res = await request(base)
        .post('/oauth/token')
        .set('Content-Type', 'application/json')
        .send({ code: await freshCode(), grant_type: 'authorization-code', ...creds, redirect_uri: REDIRECT })
      expect(res.status).toBe(200)
      expect(lastNotes().bodyFormat).toBe('json')
    })
  })

  describe("bad input gets a clear error in GoCD's format, never a 500", () => {
    it('takes the last of a repeated parameter, as Rails did, and records it for the rules (#12)', async () => {
      const res = await request(base)
        .post('/go/oauth/token')
        .type('form')
        .send(
          `grant_type=refresh-token&grant_type=authorization-code&code=a&code=${examples.code}&client_id=${client.clientId}&client_secret=${client.clientSecret}&redirect_uri=${REDIRECT}`,
        )
      expect(res.status).toBe(200)
      expect(res.body.access_token).toBe(examples.accessToken)
      expect(lastNotes().violations).toEqual([
        { requirement: 'RFC6749-3.2', message: '"code" was sent 2 times in the body', error: 'invalid_request', served: true },
        { requirement: 'RFC6749-3.2', message: '"grant_type" was sent 2 times in the body', error: 'invalid_request', served: true },
      ])
      const agent = await signedIn()
      const consent = await agent.get(`/go/oauth/authorize?${DOC.authorizeQuery}&state=first&state=last`)
      expect(consent.status).toBe(200)
      expect(formFields(consent.text).state).toBe('last')
    })

    it('refuses a body that is neither a form nor JSON, and malformed JSON', async () => {
      expectTokenError(
        await request(base).post('/go/oauth/token').set('Content-Type', 'text/plain').send('grant_type=authorization-code'),
        'invalid-request',
        'The request body must be application/x-www-form-urlencoded or application/json, not text/plain.',
      )
      expectTokenError(
        await request(base).post('/go/oauth/token').set('Content-Type', 'application/json').send('{"grant_type":'),
        'invalid-request',
        'The request body is not valid JSON.',
      )
    })

    it('answers an empty body as GoCD did: no grant type', async () => {
      expectTokenError(await request(base).post('/go/oauth/token'), 'unsupported-grant-type', 'Grant type  is not supported!')
    })

    it('answers 413 for an oversized body', async () => {
      const res = await request(base)
        .post('/go/oauth/token')
        .type('form')
        .send(`grant_type=authorization-code&code=${'a'.repeat(70 * 1024)}`)
      expect(res.status).toBe(413)
      expect(res.body).toEqual({ error: 'invalid-request', error_description: 'The request body exceeds the limit of 65536 bytes.' })
    })

    it('answers a consent post that is not a form with an error page', async () => {
      const agent = await signedIn()
      const res = await agent.post('/go/oauth/authorize').set('Content-Type', 'application/json').send('{}')
      expectErrorPage(res, 'invalid-request', 'The request body must be application/x-www-form-urlencoded, not application/json.')
    })

    it('answers an unknown path with a 404 page and a wrong method with 405 and Allow', async () => {
      const missing = await request(base).get('/go/nope')
      expect(missing.status).toBe(404)
      expect(missing.text).toContain('<p>Problem accessing /go/nope. Reason:\n<pre>    Not Found</pre></p>')
      const escaped = await request(base).get('/go/%3Cscript%3E')
      expect(escaped.text).not.toContain('<script>')
      const wrong = await request(base).get('/go/oauth/token')
      expect(wrong.status).toBe(405)
      expect(wrong.headers.allow).toBe('POST')
    })
  })
})
