import request from 'supertest'
import { beforeAll, describe, expect, it } from 'vitest'
import { bothModes, type Running } from '../../../test/support/modes.js'
import type { Cloud66Runtime } from './config.js'
import { app, basic, FORMATS, Format, cloud66Suite } from '../../../test/support/cloud66-suite.js'

describe.each(bothModes)('Cloud 66 over $name', (mode) => {
  const suite = cloud66Suite(mode)
  const { lastExchange, authorize, codeFor, exchange, expectTokenError, expectApiError } = suite
  let running: Running<Cloud66Runtime>
  let base: string
  beforeAll(() => void ({ running, base } = suite))

  describe('token endpoint errors, in every negotiated format', () => {
    const formats = Object.keys(FORMATS) as Format[]

    it.each(formats)('%s: a wrong client secret is invalid_client', async (format) => {
      const res = await exchange({ client_id: app.clientId, client_secret: 'wrong', code: 'x' }, FORMATS[format].accept)
      expectTokenError(res, 'invalid_client', format)
    })

    it.each(formats)('%s: no client credentials is invalid_client', async (format) => {
      const res = await exchange({ code: 'x' }, FORMATS[format].accept)
      expectTokenError(res, 'invalid_client', format)
    })

    it.each(formats)('%s: an unknown code is invalid_grant', async (format) => {
      const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code: 'nope' }, FORMATS[format].accept)
      expectTokenError(res, 'invalid_grant', format)
    })

    it.each(formats)('%s: a missing code is invalid_request', async (format) => {
      const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret }, FORMATS[format].accept)
      expectTokenError(res, 'invalid_request', format)
      expect(lastExchange().error!.detail).toBe('missing code')
    })

    it.each(formats)('%s: a repeated parameter is served with its last value, as Rails did', async (format) => {
      const req = request(base).post('/oauth/token').type('form')
      if (FORMATS[format].accept) req.set('Accept', FORMATS[format].accept!)
      const res = await req.send(`client_id=${app.clientId}&client_secret=${app.clientSecret}&code=a&code=b`)
      // Rails took the last value (#12): served, so the unknown code "b" is what is refused.
      expectTokenError(res, 'invalid_grant', format)
      expect(lastExchange().error!.detail).toBe('unknown code')
      expect(lastExchange().notes.violations).toEqual([
        { requirement: 'RFC6749-3.2', message: '"code" was sent 2 times in the body', error: 'invalid_request', served: true },
      ])
    })

    it.each(formats)('%s: another grant type is unsupported_grant_type', async (format) => {
      const res = await exchange(
        { grant_type: 'refresh_token', refresh_token: 'x', client_id: app.clientId, client_secret: app.clientSecret },
        FORMATS[format].accept,
      )
      expectTokenError(res, 'unsupported_grant_type', format)
    })

    it.each(formats)('%s: a body that is neither urlencoded nor JSON is invalid_request', async (format) => {
      const req = request(base).post('/oauth/token').set('Content-Type', 'text/plain')
      if (FORMATS[format].accept) req.set('Accept', FORMATS[format].accept!)
      const res = await req.send(`client_id=${app.clientId}`)
      expectTokenError(res, 'invalid_request', format)
      expect(lastExchange().error!.description).toBe('The request body must be application/x-www-form-urlencoded or application/json, not text/plain.')
    })

    it.each(formats)('%s: malformed JSON is invalid_request', async (format) => {
      const req = request(base).post('/oauth/token').set('Content-Type', 'application/json')
      if (FORMATS[format].accept) req.set('Accept', FORMATS[format].accept!)
      const res = await req.send('{"code": ')
      expectTokenError(res, 'invalid_request', format)
      expect(lastExchange().error!.detail).toBe('malformed JSON')
    })

    it.each(formats)('%s: an oversized body is 413', async (format) => {
      const req = request(base).post('/oauth/token').type('form')
      if (FORMATS[format].accept) req.set('Accept', FORMATS[format].accept!)
      const res = await req.send(`code=${'a'.repeat(70 * 1024)}`)
      expect(res.status).toBe(413)
      expect(res.headers['content-type']).toBe(FORMATS[format].contentType)
      expect(res.text).toBe(FORMATS[format].error('invalid_request', 'The request body exceeds the limit of 65536 bytes.'))
    })

    it('a replayed code is invalid_grant and keeps the token the first exchange issued, as Doorkeeper did (#12)', async () => {
      const code = await codeFor()
      const first = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/json')
      expect(first.status).toBe(200)
      const replay = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/json')
      expectTokenError(replay, 'invalid_grant', 'json')
      expect(lastExchange().error!.detail).toBe('code already used')
      expect((await request(base).get(`/api/2/stacks.json?access_token=${first.body.access_token}`)).status).toBe(200)
    })

    it('with revokeTokensOnCodeReplay, a replayed code revokes the token the first exchange issued (RFC 6749 §10.5)', async () => {
      running.provider.config.revokeTokensOnCodeReplay = true
      const code = await codeFor()
      const first = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/json')
      expect(first.status).toBe(200)
      expect((await request(base).get(`/api/2/stacks.json?access_token=${first.body.access_token}`)).status).toBe(200)
      const replay = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/json')
      expectTokenError(replay, 'invalid_grant', 'json')
      const revoked = await request(base).get(`/api/2/stacks.json?access_token=${first.body.access_token}`)
      expectApiError(
        revoked,
        401,
        'unauthenticated',
        'The access token was revoked.',
        'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked."',
      )
    })

    it('a code issued to another client is invalid_grant', async () => {
      await running.provider.store.clients.collection.create({
        clientId: 'other',
        clientSecret: 'other-secret',
        name: 'Other',
        redirectUris: ['http://example.com'],
        ownerId: null,
        createdAtMs: 0,
      })
      const code = await codeFor()
      expectTokenError(await exchange({ client_id: 'other', client_secret: 'other-secret', code }), 'invalid_grant')
      expect(lastExchange().error!.detail).toBe('code issued to another client')
    })

    it('a code expires after 600 seconds (Doorkeeper default)', async () => {
      const code = await codeFor()
      running.provider.clock.advance(600)
      expectTokenError(await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }), 'invalid_grant')
      expect(lastExchange().error!.detail).toBe('code expired')
    })

    it('accepts HTTP Basic client authentication and a JSON body, and serves Basic with client_secret in the body as Doorkeeper did (#12)', async () => {
      const code = await codeFor()
      const both = await request(base)
        .post('/oauth/token')
        .set('Authorization', basic(app.clientId, app.clientSecret))
        .set('Accept', 'application/json')
        .type('form')
        .send({ code, client_secret: 'ignored' })
      expect(both.status).toBe(200)
      expect(lastExchange().notes).toMatchObject({
        clientAuthMethod: 'client_secret_basic',
        violations: [
          {
            requirement: 'RFC6749-2.3',
            message: 'the client authenticated with HTTP Basic and with "client_secret" in the body',
            error: 'invalid_request',
            served: true,
          },
        ],
      })
      const res = await request(base)
        .post('/oauth/token')
        .set('Authorization', basic(app.clientId, app.clientSecret))
        .set('Accept', 'application/json')
        .send({ code: await codeFor() })
      expect(res.status).toBe(200)
      expect(lastExchange().notes).toMatchObject({ clientAuthMethod: 'client_secret_basic', bodyFormat: 'json' })
    })

    it('a wrong Basic secret is invalid_client', async () => {
      const res = await request(base).post('/oauth/token').set('Authorization', basic(app.clientId, 'wrong')).type('form').send({ code: 'x' })
      expectTokenError(res, 'invalid_client')
    })

    it('requiredParams "doorkeeper": grant_type and redirect_uri are required', async () => {
      running.provider.config.requiredParams = 'doorkeeper'
      const noGrant = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code: 'x' })
      expectTokenError(noGrant, 'invalid_request')
      expect(lastExchange().error!.detail).toBe('missing grant_type')
      const location = await authorize(`client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://example.com')}`)
      const code = location.searchParams.get('code')!
      const noRedirect = await exchange({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code })
      expectTokenError(noRedirect, 'invalid_request')
      expect(lastExchange().error!.detail).toBe('missing redirect_uri')
      const ok = await exchange({
        grant_type: 'authorization_code',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        code,
        redirect_uri: 'http://example.com',
      })
      expect(ok.status).toBe(200)
    })

    it('tokenErrorStatus "rfc6749": 400, and 401 only for invalid_client', async () => {
      running.provider.config.tokenErrorStatus = 'rfc6749'
      expectTokenError(
        await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code: 'nope' }, 'application/json'),
        'invalid_grant',
        'json',
        400,
      )
      expectTokenError(await exchange({ client_id: app.clientId, client_secret: 'bad', code: 'nope' }, 'application/json'), 'invalid_client', 'json', 401)
    })

    it('tokenResponse "json": always JSON, as Doorkeeper answered', async () => {
      running.provider.config.tokenResponse = 'json'
      const code = await codeFor()
      const res = await exchange({ client_id: app.clientId, client_secret: app.clientSecret, code }, 'application/xml')
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(res.body).toEqual({ access_token: expect.stringMatching(/^[0-9a-f]{40}$/), token_type: 'bearer' })
      expectTokenError(await exchange({ client_id: app.clientId, client_secret: 'bad', code }), 'invalid_client', 'json')
    })

    it.each([
      ['*/*', 'form'],
      ['text/html', 'form'],
      ['application/json, text/plain, */*', 'json'],
      ['application/xml;q=0.5, application/json;q=0.9', 'json'],
      ['application/json;q=0.4, application/*;q=0.8', 'form'],
      ['text/xml', 'xml'],
      ['application/json;q=0', 'form'],
      ['application/x-www-form-urlencoded, application/json', 'form'],
      ['garbage;;;, application/xml', 'xml'],
    ] as Array<[string, Format]>)('Accept: %s negotiates %s', async (accept, format) => {
      const res = await exchange({ client_id: app.clientId, client_secret: 'wrong', code: 'x' }, accept)
      expectTokenError(res, 'invalid_client', format)
    })

    it('answers another method on /oauth/token with the 404 page, as Rails routing does', async () => {
      const res = await request(base).get('/oauth/token')
      expect(res.status).toBe(404)
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(res.text).toContain("The page you were looking for doesn't exist.")
    })
  })
})
