import { createHash } from 'node:crypto'
import { authorizeRequests, param, tokenRequests } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * Where the provider supports PKCE, the client sends an S256 code challenge
 * and the verifier with the code. Where it does not (Carina ran Doorkeeper 3,
 * which had no PKCE), the rule is skipped and says so.
 *
 * @see [RFC 7636 §4.3](https://www.rfc-editor.org/rfc/rfc7636.html#section-4.3)
 * @see [RFC 9700 §2.1.1](https://www.rfc-editor.org/rfc/rfc9700.html#section-2.1.1)
 * @see [RFC 7636 §4.6](https://www.rfc-editor.org/rfc/rfc7636.html#section-4.6)
 */
export const sendPkce = defineRule({
  id: 'send-pkce',
  title: 'PKCE (S256) is used where the provider supports it',
  requirements: ['RFC7636-4.3', 'RFC7636-4.6', 'RFC9700-2.1.1'],
  evaluate(ctx) {
    if (!ctx.profile.pkce.supported) return skip(ctx.profile.pkce.why)
    const requests = authorizeRequests(ctx)
    if (requests.length === 0) return skip('no authorization request was made')
    for (const exchange of requests) {
      const query = new URL(exchange.request.url).searchParams
      if (!query.get('code_challenge') || query.get('code_challenge_method') !== 'S256') {
        return fail('the authorization request has no S256 code_challenge', {
          expected: 'code_challenge_method=S256',
          actual: query.get('code_challenge_method') ?? '(absent)',
          exchange: exchange.seq,
        })
      }
    }
    const exchanges = tokenRequests(ctx).filter((e) => param(e, 'code') !== undefined)
    const missing = exchanges.find((e) => !param(e, 'code_verifier'))
    if (missing) return fail('the code exchange has no code_verifier', { expected: 'code_verifier', actual: '(absent)', exchange: missing.seq })
    // RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) equals the challenge of the authorization request the code answers (the latest one before the exchange).
    for (const exchange of exchanges) {
      const challenge = requests.filter((r) => r.seq < exchange.seq).at(-1)
      const sent = challenge && new URL(challenge.request.url).searchParams.get('code_challenge')
      if (sent && createHash('sha256').update(param(exchange, 'code_verifier')!).digest('base64url') !== sent) {
        return fail('the code_verifier does not match the code_challenge of the authorization request', {
          expected: 'BASE64URL(SHA256(code_verifier)) = code_challenge',
          actual: 'another verifier',
          exchange: exchange.seq,
        })
      }
    }
    return pass('S256 challenge sent and its verifier matched')
  },
})
