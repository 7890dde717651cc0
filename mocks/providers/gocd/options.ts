import * as z from '../../store/zod.js'
import { positiveSeconds } from '../../core/options.js'

/** `EXPIRY_TIME = 90.days` of the oauth2_provider's token model (PROVIDERS §2.4): the real lifetime, an option. */
export const GOCD_TOKEN_TTL_SECONDS = 90 * 24 * 3600
/** The document's lifetime: its example answers `expires_in => 3529`, a token about an hour old. The default. */
export const GOCD_DOCUMENT_TOKEN_TTL_SECONDS = 3600
/** Authorization codes live one hour (PROVIDERS §2.3). */
export const GOCD_CODE_TTL_SECONDS = 3600

/** GoCD's options (`createGocd`, the config file, `serve --set gocd.<key>=<value>`, `/__oauth-dance/options`). */
export const gocdOptionsSchema = z.strictObject({
  /**
   * DANGEROUS, off by default. GoCD redirected authorization errors to the
   * `redirect_uri` as given, before (or without) checking it against the
   * client: an unknown `client_id` or a `redirect-uri-mismatch` sent the user to
   * any URL (an open redirect, RFC 6749 §4.1.2.1 / §10.15). By default the mock
   * redirects only to the client's registered URI and shows an error page
   * otherwise; `true` reproduces the real server, for testing a client against
   * it. Never expose a provider with this on.
   */
  faithfulOpenRedirect: z
    ._default(z.boolean(), false)
    .check(z.describe("DANGEROUS: reproduce GoCD's open redirect of authorization errors to any redirect_uri (RFC 6749 §10.15)")),
  /**
   * GoCD's security switch (PROVIDERS §7 #6). `on`: protected pages need a
   * valid `Token token="..."` (or Basic user) and answer anything else 401; an
   * unknown token counts as anonymous, and anonymous is refused. `off`: GoCD
   * without security, where everyone reads everything and a token, right or wrong, is ignored.
   */
  security: z._default(z.enum(['on', 'off']), 'on').check(z.describe('"on": protected pages need a valid token; "off": GoCD without security, tokens ignored')),
  /**
   * What an OAuth token may read with security on. `document`: the document's
   * last step, cctray with the token, works. `real`: GoCD's URL rules gave
   * OAuth principals only `ROLE_OAUTH_USER`, which reaches
   * `/go/api/pipelines/*\/*.xml` but not `/go/cctray.xml` (403).
   */
  oauthAccess: z
    ._default(z.enum(['document', 'real']), 'document')
    .check(z.describe('"document": a token reads /go/cctray.xml; "real": only /go/api/pipelines/*/*.xml, as GoCD\'s URL rules allowed')),
  /** GoCD never checked a token's expiry on use; a sweeper deleted expired rows later (PROVIDERS §2.5). */
  enforceTokenExpiry: z._default(z.boolean(), false).check(z.describe('Refuse expired access tokens with 401 (GoCD did not check expiry on use)')),
  /** The document's hour by default (its example: `expires_in => 3529`); GoCD's real `EXPIRY_TIME` was 90 days (7776000). */
  accessTokenTtlSeconds: positiveSeconds(
    "Seconds an access token lives (the document: one hour; GoCD's real EXPIRY_TIME: 7776000, 90 days)",
    GOCD_DOCUMENT_TOKEN_TTL_SECONDS,
  ),
  codeTtlSeconds: positiveSeconds('Seconds an authorization code lives (GoCD: one hour)', GOCD_CODE_TTL_SECONDS),
  /** GoCD's `mandatory_ssl`. Absent: on when the base URL is https (in-process), off when it is http (`serve`, which has no TLS). */
  requireHttps: z.optional(z.boolean()).check(z.describe("GoCD's mandatory_ssl on authorize and token (default: on for an https base URL, off under serve)")),
  /** So its lines run as a chain: exchanging the example code answers the example's access and refresh tokens, which its cctray call uses. Changed at run time, takes effect at once (index.ts). */
  documentExamples: z
    ._default(z.boolean(), true)
    .check(z.describe("Seed the document's example code and token pair (the example code answers the example tokens)")),
})

export type GocdOptions = z.input<typeof gocdOptionsSchema>
