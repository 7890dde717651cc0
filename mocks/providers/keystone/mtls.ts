import { createHash, X509Certificate } from 'node:crypto'
import type { User } from '../../store/index.js'
import type { KeystoneRuntime } from './config.js'

/**
 * RFC 8705 §3.1 `x5t#S256` as Keystone computes it (keystone/common/utils.py
 * `get_certificate_thumbprint`): URL-safe base64 of the SHA-256 of the DER
 * certificate, padding kept.
 */
export function certificateThumbprint(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('base64url') + '='
}

/** A distinguished name as Keystone's `get_certificate_subject_dn` gives it: attribute short name → value. */
export function distinguishedName(dn: string): Record<string, string> {
  const attributes: Record<string, string> = {}
  for (const line of dn.split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) attributes[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return attributes
}

/**
 * The trusted CAs, parsed on the first mutual-TLS request after the options
 * name them (not as the provider is built or reset: a client-credentials
 * start needs none), by PEM, so a reset's fresh list parses nothing again.
 */
export function trustedCas(pems: readonly string[]): X509Certificate[] {
  return pems.map((pem) => {
    let ca = parsedCas.get(pem)
    if (!ca) {
      // Bounded: CAs set through the control path are the caller's choice.
      if (parsedCas.size >= 64) parsedCas.clear()
      parsedCas.set(pem, (ca = new X509Certificate(pem)))
    }
    return ca
  })
}
const parsedCas = new Map<string, X509Certificate>()

/**
 * Whether one of the trusted CAs issued the certificate and it is in its
 * validity period. Over `serve --tls` the handshake already checked this; in
 * process the emulated certificate is checked here instead.
 */
export function issuedByTrustedCa(cert: X509Certificate, cas: X509Certificate[], nowMs = Date.now()): boolean {
  if (nowMs < Date.parse(cert.validFrom) || nowMs > Date.parse(cert.validTo)) return false
  return cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))
}

/**
 * The federation mapping `oauth2_cert_dn_mapping_id` points at, fixed to the
 * one in Keystone's "OAuth2.0 Mutual-TLS Support" guide:
 * `SSL_CLIENT_SUBJECT_DN_CN` → user name, `_UID` → user id, `_EMAILADDRESS` →
 * e-mail, `_O` → domain name, `_DC` → domain id, and the issuer CN must be a
 * trusted one. The mapped values must equal the user named by `client_id`
 * (`_check_mapped_properties`). A certificate the rule does not match (no CN
 * or UID, another issuer) fails: the mock fails closed.
 */
export function certificateMatchesUser(provider: KeystoneRuntime, cert: X509Certificate, user: User): boolean {
  const subject = distinguishedName(cert.subject)
  const issuer = distinguishedName(cert.issuer)
  if (!issuer.CN || !trustedCas(provider.config.clientCas).some((ca) => distinguishedName(ca.subject).CN === issuer.CN)) return false
  if (!subject.CN || !subject.UID) return false
  const domain = provider.config.domain
  const checks: Array<[string | undefined, unknown]> = [
    [subject.CN, user.profile.name],
    [subject.UID, user.id],
    [subject.emailAddress, user.profile.email],
    [subject.O, user.profile.domainId === domain.id ? domain.name : undefined],
    [subject.DC, user.profile.domainId],
  ]
  return checks.every(([mapped, actual]) => mapped === undefined || mapped === actual)
}
