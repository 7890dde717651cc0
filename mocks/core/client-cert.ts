import { X509Certificate } from 'node:crypto'
import type { ProviderRequest } from './request.js'

/**
 * Request header carrying the TLS client certificate a listener verified, as a
 * URL-encoded PEM (nginx's `$ssl_client_escaped_cert`, the way a TLS-terminating
 * proxy hands a certificate to the application behind it, like Apache's
 * `SSL_CLIENT_CERT`).
 *
 * `serve` removes any copy a client sent on every listener and sets it only
 * after its own TLS handshake verified the certificate. In-process (msw) there
 * is no TLS at all, so a test sets the header itself to emulate mutual TLS.
 */
export const CLIENT_CERT_HEADER = 'x-oauth-dance-client-cert'

/** The header value for a certificate (PEM or X509Certificate). */
export function encodeClientCert(cert: string | X509Certificate): string {
  return encodeURIComponent(typeof cert === 'string' ? cert : cert.toString())
}

/**
 * The certificate a request carries in {@link CLIENT_CERT_HEADER}: undefined
 * when there is none, `null` when the value is not a certificate.
 */
export function readClientCert(request: Pick<ProviderRequest, 'headers'>): X509Certificate | null | undefined {
  const value = request.headers.get(CLIENT_CERT_HEADER)
  if (!value) return undefined
  try {
    return new X509Certificate(value.includes('%') ? decodeURIComponent(value) : value)
  } catch {
    return null
  }
}

/** An HTTPS listener of `serve`: its key and certificate, and the CAs whose client certificates it verifies. */
export interface TlsListenerOptions {
  key: string
  cert: string
  /** CAs trusted for client certificates; with them the listener asks for one (optional for the client). */
  ca?: string | string[]
}
