import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '../../playwright/index.js'

test.use({ provider: 'standard', oauthDanceProviders: ['standard'] })

/**
 * A single-page app served from another origin than the issuer's: another
 * port on 127.0.0.1, a real server (an origin the browser answers itself
 * would count as public, and Chromium refuses its requests to loopback).
 */
let app: Server
let appUrl: string
test.beforeAll(async () => {
  app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>spa</title>'))
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve))
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/`
})
test.afterAll(() => new Promise<void>((resolve) => app.close(() => resolve())))

test('a page on another origin reads the metadata, gets a token with a preflighted request, and reads a token error (CORS)', async ({
  page,
  oauthProvider,
}) => {
  expect(new URL(appUrl).origin).not.toBe(new URL(oauthProvider.baseUrl).origin)
  await page.goto(appUrl)
  const results = await page.evaluate(async (issuer) => {
    const metadata = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()
    // Authorization and a form body: a non-simple request, preflighted by the browser.
    const token = (body: string) =>
      fetch(metadata.token_endpoint, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${btoa('standard-confidential-client:standard-confidential-secret')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body,
      })
    const issued = await token('grant_type=client_credentials&scope=api%3Aread')
    const refused = await token('grant_type=refresh_token&refresh_token=nope')
    const userinfo = await fetch(metadata.userinfo_endpoint)
    return {
      issuer: metadata.issuer,
      issued: [issued.status, typeof (await issued.json()).access_token],
      refused: [refused.status, (await refused.json()).error],
      challenge: [userinfo.status, userinfo.headers.get('www-authenticate')?.split(' ')[0]],
    }
  }, oauthProvider.baseUrl)
  expect(results).toEqual({ issuer: oauthProvider.baseUrl, issued: [200, 'string'], refused: [400, 'invalid_grant'], challenge: [401, 'Bearer'] })
})
