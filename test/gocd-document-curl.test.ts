import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { gocdFixtures } from '../fixtures/gocd.js'
import { serve, type RunningServer } from '../mocks/server.js'

/**
 * gocd-oauth.txt's three example lines, run with curl against a fresh
 * `serve` (issue #12). The lines are copied verbatim from the document; the
 * test splits them as a shell would, points their origin at the server and
 * restores the scheme of the token request's `redirect_uri`, then adds only
 * `--write-out` to read the status.
 */
const DOCUMENT = {
  /** "Request for authorization code", Example Request (a URL the document has you open). */
  authorize:
    'https://www.your-go-server.com:8154/oauth/authorize?redirect_uri=http://www.my_redirect_uri.com&client_id=ac212ddea07c6ac009d26de8090f5918f73ae648dc3676b1f00aeeae4fca67e1&response_type=code',
  /** "Get access token", Example Request (in curl). */
  token:
    'curl  https://www.your-go-server:8154/go/oauth/token -d  "code=26a7dea5e7e121be5ad5832a4a5b09d505c234c7625de3f375971264688bdb51&grant_type=authorization-code&client_id=ac212ddea07c6ac009d26de8090f5918f73ae648dc3676b1f00aeeae4fca67e1&client_secret=d1b54df502f162108a6136ec584dc637a7ad5578832a5db364e0d7b47657c718&redirect_uri=www.my_redirect_uri.com" -v',
  /** "Use the access token", Example Request. */
  cctray: `curl -H 'Authorization: Token token="f180f7bb68d38531aac2f49e5b0cac0c5ed5ced9b72842a429e783747e819664"' https://www.your-go-server.com:8154/go/cctray.xml`,
}

/** Splits a command line as a POSIX shell does for these lines: blanks separate words, quotes group them (and are removed). */
function shellWords(line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  let quote: '"' | "'" | undefined
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = undefined
      else word += c
    } else if (c === '"' || c === "'") {
      quote = c
      word ??= ''
    } else if (c === ' ') {
      if (word !== undefined) words.push(word)
      word = undefined
    } else word = (word ?? '') + c
  }
  if (word !== undefined) words.push(word)
  return words
}

const DOCUMENT_ORIGINS = /^https:\/\/www\.your-go-server(\.com)?:8154/

async function curl(args: string[], origin: string): Promise<{ status: number; body: string; verbose: string }> {
  const pointed = args.map((a) => a.replace(DOCUMENT_ORIGINS, origin))
  const { stdout, stderr } = await promisify(execFile)('curl', [...pointed, '--write-out', '\n%{http_code}'], { timeout: 10_000 })
  const cut = stdout.lastIndexOf('\n')
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut), verbose: stderr }
}

describe("gocd-oauth.txt's example lines, with curl against a fresh serve", () => {
  let running: RunningServer | undefined
  const log: string[] = []
  afterEach(async () => {
    await running?.close()
    running = undefined
    log.length = 0
  })
  const start = async () => {
    running = await serve({ portBase: 0, providers: ['gocd'], log: (line) => log.push(line) })
    return running.providers.gocd!.baseUrl
  }

  it("runs the three lines in order (scheme restored): the authorize URL, the token request answering the document's tokens, cctray with them", async () => {
    const origin = await start()
    const tokenArgs = shellWords(DOCUMENT.token).slice(1)
    expect(tokenArgs).toEqual([
      'https://www.your-go-server:8154/go/oauth/token',
      '-d',
      expect.stringMatching(/^code=26a7.*&redirect_uri=www\.my_redirect_uri\.com$/),
      '-v',
    ])

    // 1. The authorize URL: an anonymous visitor is sent to GoCD's login first, as Spring Security did (a user then ticks the box).
    const authorize = await curl([DOCUMENT.authorize], origin)
    expect(authorize.status).toBe(302)

    // 2. The token request, with the scheme the registered redirect URI has.
    const token = await curl(
      tokenArgs.map((a) => a.replace('redirect_uri=www.', 'redirect_uri=http://www.')),
      origin,
    )
    expect(token.status).toBe(200)
    expect(JSON.parse(token.body)).toEqual({
      access_token: gocdFixtures.examples.accessToken,
      expires_in: 3600,
      refresh_token: gocdFixtures.examples.refreshToken,
    })
    expect(token.verbose).toContain('Content-Type: application/x-www-form-urlencoded')

    // 3. cctray with the document's token.
    const cctray = await curl(shellWords(DOCUMENT.cctray).slice(1), origin)
    expect(cctray.status).toBe(200)
    expect(cctray.body.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<Projects>\n')).toBe(true)
  })

  it("fails the token line as printed (scheme-less redirect_uri) as GoCD did, and serve's request log line carries the hint", async () => {
    const origin = await start()
    const token = await curl(shellWords(DOCUMENT.token).slice(1), origin)
    expect([token.status, JSON.parse(token.body)]).toEqual([400, { error: 'invalid-grant', error_description: 'Redirect uri mismatch!' }])
    const line = log.find((l) => l.startsWith('gocd POST /go/oauth/token 400 '))!
    expect(line).toMatch(
      /^gocd POST \/go\/oauth\/token 400 [\d.]+ms hint: The redirect_uri is the registered http:\/\/www\.my_redirect_uri\.com without its scheme, as in the document's token curl; the real GoCD compared the strings exactly and refused it, after destroying the code: get a new code and send redirect_uri=http:\/\/www\.my_redirect_uri\.com\.$/,
    )
    // The hint never carries the secret or the code the request held.
    expect(line).not.toContain(gocdFixtures.client.clientSecret)
    expect(line).not.toContain(gocdFixtures.examples.code)
  })
})
