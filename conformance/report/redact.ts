import type { Exchange } from '../../mocks/core/journal.js'
import { parseTokenResponse } from '../rules/exchanges.js'
import { registrations } from '../rules/rfc9728/resource-exchanges.js'
import type { ClientConfig, StepRecord } from '../types.js'

/**
 * Replaces secrets in report text with stable placeholders: the client
 * secret, every access, refresh and ID token, authorization code and state, in
 * order of first appearance (`<access_token#1>`). Reports then hold no
 * credential and read the same on every run although tokens are random.
 */
export class Redactor {
  readonly #replacements: Array<[string, string]> = []

  static from(exchanges: Exchange[], client: ClientConfig, steps: StepRecord[] = []): Redactor {
    const redactor = new Redactor()
    redactor.#add(client.clientSecret, '<client_secret>')
    const basic = (id: string, secret: string) => Buffer.from(`${id}:${secret}`).toString('base64')
    redactor.#add(basic(client.clientId, client.clientSecret), '<basic_credentials>')
    redactor.#add(basic(encodeURIComponent(client.clientId), encodeURIComponent(client.clientSecret)), '<basic_credentials>')
    const counters = new Map<string, number>()
    const seen = new Set<string>()
    const name = (kind: string, value: string | null | undefined) => {
      if (!value || seen.has(value)) return
      seen.add(value)
      const n = (counters.get(kind) ?? 0) + 1
      counters.set(kind, n)
      redactor.#add(value, `<${kind}#${n}>`)
    }
    for (const exchange of exchanges) {
      const url = new URL(exchange.request.url)
      name('state', url.searchParams.get('state'))
      const location = exchange.response.headers.location
      if (location) {
        try {
          const to = new URL(location, exchange.request.url)
          name('code', to.searchParams.get('code'))
          const oob = /\/oauth\/authorize\/([0-9a-f]{16,})$/.exec(to.pathname)?.[1]
          name('code', oob)
        } catch {
          // not a URL: nothing to redact
        }
      }
      const tokens = parseTokenResponse(exchange)
      if (tokens) {
        name('access_token', tokens.access_token)
        name('refresh_token', tokens.refresh_token)
        // An ID token is a bearer credential for the sign-in it proves; OpenID Connect clients also report the one they accepted.
        name('id_token', tokens.id_token)
      }
    }
    for (const step of steps) name('code', step.forgedCode)
    // A client that registered (RFC 7591) holds the secret it was issued; its client id is random too, so it is named, for reports that read the same on every run.
    for (const { clientId, clientSecret } of registrations({ exchanges })) {
      if (clientSecret) redactor.#add(clientSecret, '<client_secret>')
      name('registered_client_id', clientId)
    }
    // Longest first, so a value that contains another is replaced whole.
    redactor.#replacements.sort((a, b) => b[0].length - a[0].length)
    return redactor
  }

  #add(value: string, placeholder: string): void {
    if (value.length < 6) return
    this.#replacements.push([value, placeholder])
    const encoded = encodeURIComponent(value)
    if (encoded !== value) this.#replacements.push([encoded, placeholder])
    const form = new URLSearchParams({ v: value }).toString().slice(2)
    if (form !== value && form !== encoded) this.#replacements.push([form, placeholder])
  }

  text(value: string): string {
    let out = value
    for (const [secret, placeholder] of this.#replacements) if (out.includes(secret)) out = out.split(secret).join(placeholder)
    return out
  }

  /** Any JSON-like value with every string redacted. */
  value<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T
    if (Array.isArray(value)) return value.map((v) => this.value(v)) as T
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(v)])) as T
    return value
  }
}
