import { X509Certificate } from 'node:crypto'
import * as z from '../../store/zod.js'
import { positiveSeconds } from '../../core/options.js'

/**
 * Keystone's options (`createKeystone`, the config file's
 * `providers.keystone.options`, `serve --set keystone.<key>=<value>`,
 * `/__oauth-dance/options`).
 */
export const keystoneOptionsSchema = z.strictObject({
  /** `[token] expiration`: seconds a token lives and the `expires_in` of every OAuth 2.0 answer. */
  tokenExpirationSeconds: positiveSeconds('Seconds a token lives ([token] expiration) and the expires_in of every OAuth 2.0 answer', 3600),
  /** `[oauth2] oauth2_authn_methods` (keystone/conf/oauth2.py). */
  authnMethods: z
    ._default(z.array(z.enum(['client_secret_basic', 'tls_client_auth'])), ['client_secret_basic', 'tls_client_auth'])
    .check(z.describe('[oauth2] oauth2_authn_methods: client authentication methods the token endpoint accepts')),
  /**
   * A repeated form parameter: `first` takes the first value, as Keystone's
   * `flask.request.form.get` does; `reject` answers invalid_request as RFC 6749 §3.2 asks.
   */
  repeatedParameters: z
    ._default(z.enum(['first', 'reject']), 'first')
    .check(z.describe('A repeated form parameter: "first" takes the first value (Keystone), "reject" answers invalid_request (RFC 6749 §3.2)')),
  /**
   * How the HTTP Basic user and password are read. `raw`, as Keystone does:
   * werkzeug only base64-decodes them, so a client that form-urlencodes them
   * first (RFC 6749 §2.3.1, e.g. oauth4webapi, which turns the `-` and `_` of
   * Keystone's secrets into `%2D` and `%5F`) fails as it would against the
   * real service. `lenient`: also try them percent-decoded (PROVIDERS.md §6).
   */
  basicCredentials: z
    ._default(z.enum(['raw', 'lenient']), 'raw')
    .check(z.describe('HTTP Basic credentials: "raw" as Keystone reads them, "lenient" also percent-decoded (RFC 6749 §2.3.1)')),
  /**
   * CAs whose client certificates are trusted (PEM). In-process there is no
   * TLS handshake, so the provider itself checks that an emulated certificate
   * was issued by one of them. Absent: the test CA in `fixtures/keystone-test-only/`.
   */
  clientCas: z
    .optional(
      z.array(
        z
          .string()
          // Parsed here, so a CA that is no certificate is refused with the options rather than failing the handshakes and requests after.
          .check(
            z.startsWith('-----BEGIN CERTIFICATE-----', { error: 'must be a PEM certificate', abort: true }),
            z.refine(isCertificate, { error: 'must be a PEM certificate' }),
          ),
      ),
    )
    .check(z.describe('PEM CAs whose client certificates are trusted for mutual TLS (default: fixtures/keystone-test-only/ca.pem)')),
})

export type KeystoneOptions = z.input<typeof keystoneOptionsSchema>
export type KeystoneParsedOptions = z.output<typeof keystoneOptionsSchema>

function isCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem)
    return true
  } catch {
    return false
  }
}
