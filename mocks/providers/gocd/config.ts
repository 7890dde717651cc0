import type { ProviderRuntime } from '../../core/provider.js'
import type { RouteContext } from '../../core/routes.js'
import type { WebConfig } from '../../core/session.js'
import type { GocdStore } from './store.js'

/** The production origin of gocd-oauth.txt's text ("Send a request to: https://your-go-server.com:8154/oauth/authorize"). */
export const GOCD_BASE_URL = 'https://your-go-server.com:8154'

/**
 * The other spellings of the host in the document's examples (authorize and
 * cctray use `www.your-go-server.com`, the token curl `www.your-go-server`),
 * and GoCD's plain-HTTP port 8153. In-process, with the default base URL, msw
 * answers all of them; links and redirects follow the host a request came to.
 */
export const GOCD_HOST_ALIASES = ['https://www.your-go-server.com:8154', 'https://www.your-go-server:8154', 'http://your-go-server.com:8153']

/** `EXPIRY_TIME = 90.days` of the oauth2_provider's token model (PROVIDERS §2.4): the real lifetime, an option. */
export const GOCD_TOKEN_TTL_SECONDS = 90 * 24 * 3600
/** The document's lifetime: its example answers `expires_in => 3529`, a token about an hour old. The default. */
export const GOCD_DOCUMENT_TOKEN_TTL_SECONDS = 3600
/** Authorization codes live one hour (PROVIDERS §2.3). */
export const GOCD_CODE_TTL_SECONDS = 3600

export interface GocdOptions {
  /**
   * DANGEROUS, off by default. GoCD redirected authorization errors to the
   * `redirect_uri` as given, before (or without) checking it against the
   * client: an unknown `client_id` or a `redirect-uri-mismatch` sent the user to
   * any URL (an open redirect, RFC 6749 §4.1.2.1 / §10.15). By default the mock
   * redirects only to the client's registered URI and shows an error page
   * otherwise; `true` reproduces the real server, for testing a client against
   * it. Never expose a provider with this on.
   */
  faithfulOpenRedirect?: boolean
  /**
   * GoCD's security switch (PROVIDERS §7 #6). `on` (default): protected pages
   * need a valid `Token token="..."` (or Basic user) and answer anything else
   * 401; an unknown token counts as anonymous, and anonymous is refused.
   * `off`: GoCD without security, where everyone reads everything and a
   * token, right or wrong, is ignored.
   */
  security?: 'on' | 'off'
  /**
   * What an OAuth token may read with security on. `document` (default): the
   * document's last step, cctray with the token, works. `real`: GoCD's URL
   * rules gave OAuth principals only `ROLE_OAUTH_USER`, which reaches
   * `/go/api/pipelines/*\/*.xml` but not `/go/cctray.xml` (403).
   */
  oauthAccess?: 'document' | 'real'
  /**
   * Refuse expired access tokens (401). Default false: GoCD never checked a
   * token's expiry on use; a sweeper deleted expired rows later (PROVIDERS §2.5).
   */
  enforceTokenExpiry?: boolean
  /**
   * Access token lifetime. Default one hour, the document's (its example's
   * `expires_in => 3529`); GoCD's real `EXPIRY_TIME` was 90 days
   * (`GOCD_TOKEN_TTL_SECONDS`, 7776000).
   */
  accessTokenTtlSeconds?: number
  /** Authorization code lifetime; default one hour. */
  codeTtlSeconds?: number
  /**
   * GoCD's `mandatory_ssl` on authorize and token. Default: on when the base
   * URL is https (in-process), off when it is http (`serve`, which has no TLS).
   */
  requireHttps?: boolean
  /**
   * Seed the document's example code and token pair (default true), so its
   * lines run as a chain: exchanging the example code answers the example's
   * access and refresh tokens, which its cctray call then uses.
   */
  documentExamples?: boolean
}

export interface GocdConfig {
  web: WebConfig
  faithfulOpenRedirect: boolean
  security: 'on' | 'off'
  oauthAccess: 'document' | 'real'
  enforceTokenExpiry: boolean
  accessTokenTtlSeconds: number
  codeTtlSeconds: number
  requireHttps: boolean
  documentExamples: boolean
  /** Origins answered besides the base URL (the document's other host spellings), in-process only. */
  hostAliases: string[]
}

export type GocdRuntime = ProviderRuntime<GocdStore, GocdConfig>
export type GocdContext = RouteContext<GocdRuntime>
