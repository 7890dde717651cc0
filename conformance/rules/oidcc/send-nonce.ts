import { authorizeRequests } from '../exchanges.js'
import { checkFreshParameter } from '../fresh-parameter.js'
import { defineRule, skip } from '../verdict.js'

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
    return checkFreshParameter(ctx, requests, 'nonce', 'authentication request')
  },
})
