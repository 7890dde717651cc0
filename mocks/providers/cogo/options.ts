import * as z from '../../store/zod.js'
import { positiveSeconds } from '../../core/options.js'

/** "Access tokens will expire after 1 hour" and `"expires_in": 3600` (PROVIDERS.md §7 #22). */
export const COGO_TOKEN_TTL_SECONDS = 3600
/** `aud` of the document's sample token: an API identifier, the same for every env. */
export const COGO_AUDIENCE = 'https://api.cogo.co'

/** Cogo's options (`createCogo`, the config file, `serve --set cogo.<key>=<value>`, `/__oauth-dance/options`). */
export const cogoOptionsSchema = z.strictObject({
  accessTokenTtlSeconds: positiveSeconds('Seconds a token lives (expires_in and exp - iat)', COGO_TOKEN_TTL_SECONDS),
  audience: z
    ._default(z.string().check(z.minLength(1, { error: 'must not be empty' })), COGO_AUDIENCE)
    .check(z.describe("aud of issued tokens, and the one the API requires (default: the sample's)")),
  /**
   * Pin `iss` (e.g. the sample's `https://cogo.eu.auth0.com/`). By default it is
   * the auth origin the token was requested from, with a trailing slash as Auth0 writes it.
   */
  issuer: z
    .optional(z.string().check(z.minLength(1, { error: 'must not be empty' })))
    .check(z.describe('Pin iss (default: the auth origin with a trailing slash, as Auth0 writes it)')),
})

export type CogoOptions = z.input<typeof cogoOptionsSchema>
