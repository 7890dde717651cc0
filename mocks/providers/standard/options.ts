import * as z from '../../store/zod.js'
import { positiveInteger, positiveSeconds } from '../../core/options.js'

/** The most `maxRegisteredClients` may allow. */
export const MAX_REGISTERED_CLIENTS = 10_000

/** standard's options (`createStandard`, the config file, `serve --set standard.<key>=<value>`, `/__oauth-dance/options`). */
export const standardOptionsSchema = z.strictObject({
  idTokenSigningAlg: z
    ._default(z.enum(['RS256', 'ES256', 'EdDSA']), 'RS256')
    .check(z.describe('Algorithm of ID tokens and signed UserInfo for clients that registered none')),
  accessTokenTtlSeconds: positiveSeconds('Seconds an access token lives', 3600),
  idTokenTtlSeconds: positiveSeconds('Seconds an ID token is valid', 3600),
  refreshTokenTtlSeconds: positiveSeconds('Seconds a refresh token lives (each rotation starts a new one)', 30 * 24 * 3600),
  codeTtlSeconds: positiveSeconds('Seconds an authorization code lives (RFC 6749 §4.1.2: at most 10 minutes recommended)', 60),
  deviceCodeTtlSeconds: positiveSeconds('Seconds a device code lives (RFC 8628 expires_in)', 600),
  devicePollIntervalSeconds: positiveSeconds('The polling interval the device authorization response asks for (RFC 8628 §3.2)', 5),
  accessTokenFormat: z
    ._default(z.enum(['opaque', 'jwt']), 'opaque')
    .check(
      z.describe(
        'Access tokens as random strings, or as JWTs signed like the ID tokens (RFC 9068: typ at+jwt, iss, aud, sub, client_id, scope, jti) that a resource server can validate with the JWKS',
      ),
    ),
  dpopNonce: z
    ._default(z.boolean(), false)
    .check(
      z.describe(
        'Require a server-provided nonce in DPoP proofs (RFC 9449 §8 at the token endpoint, §9 at the resource and UserInfo): a proof without the current one is answered use_dpop_nonce with a DPoP-Nonce header',
      ),
    ),
  movedEndpoints: z
    ._default(z.boolean(), false)
    .check(
      z.describe(
        'Serve the token, registration, UserInfo, revocation and introspection endpoints under /oauth2/v1 (the metadata lists them there; their usual paths answer 404): a client that hard-codes paths instead of reading discovery fails',
      ),
    ),
  clientIdMetadataDocuments: z
    ._default(z.boolean(), false)
    .check(z.describe('Take an https client_id as the URL of a client ID metadata document (draft-ietf-oauth-client-id-metadata-document)')),
  // A count, not a duration; bounded, as the memory the registered clients hold is (README, What stays bounded).
  maxRegisteredClients: positiveInteger('Most clients Dynamic Client Registration may add before a reset', 1000, {
    max: MAX_REGISTERED_CLIENTS,
    tooLarge: `must be at most ${MAX_REGISTERED_CLIENTS}`,
  }),
})

export type StandardOptionsInput = z.input<typeof standardOptionsSchema>
