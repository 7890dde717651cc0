import { authorizeRequests, stepOf } from '../exchanges.js'
import { defineRule, fail, pass, skip } from '../verdict.js'

/**
 * An OpenID Connect authentication request carries an unguessable `nonce`,
 * new for every request, so an ID token cannot be replayed into another
 * sign-in (the client then checks it: check-id-token-nonce).
 *
 * @see [OIDC Core §3.1.2.1](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest) `nonce`
 * @see [OIDC Core §15.5.2](https://openid.net/specs/openid-connect-core-1_0.html#NonceNotes)
 */
export const sendNonce = defineRule({
  id: 'send-nonce',
  title: 'OpenID Connect authentication requests carry a fresh nonce',
  requirements: ['OIDCC-3.1.2.1', 'OIDCC-15.5.2'],
  evaluate(ctx) {
    const requests = authorizeRequests(ctx).filter((e) => (new URL(e.request.url).searchParams.get('scope') ?? '').split(' ').includes('openid'))
    if (requests.length === 0) return skip('no authentication request asked for the openid scope')
    const seen = new Map<string, { seq: number; step: number }>()
    for (const exchange of requests) {
      const nonce = new URL(exchange.request.url).searchParams.get('nonce')
      if (!nonce) return fail('the authentication request has no "nonce"', { expected: 'a nonce value', actual: '(absent)', exchange: exchange.seq })
      // @note as for state: 128 bits is the usual floor, and 16 characters the least a random value of any alphabet can be.
      if (nonce.length < 16)
        return fail('"nonce" is too short to be unguessable', {
          expected: 'at least 16 characters',
          actual: `${nonce.length} characters`,
          exchange: exchange.seq,
        })
      // @note the user agent visits one authorization URL twice around a login page, so "again" means in another step.
      const step = stepOf(ctx, exchange.seq) ?? -1
      const earlier = seen.get(nonce)
      if (earlier !== undefined && earlier.step !== step)
        return fail(`"nonce" repeats the value of authentication request #${earlier.seq}`, {
          expected: 'a fresh nonce for every authentication request',
          actual: 'the same nonce again',
          exchange: exchange.seq,
        })
      if (earlier === undefined) seen.set(nonce, { seq: exchange.seq, step })
    }
    return pass(`every authentication request (${requests.length}) carried a nonce${requests.length > 1 ? ', each a new one' : ''}`)
  },
})
