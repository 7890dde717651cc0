import { InvalidClient, InvalidRequest, OAuthError } from './errors.js'
import type { Params } from './params.js'
import type { ReportViolation } from './violations.js'
import { secretsEqual } from './secrets.js'
import type { Client, Store } from '../store/index.js'
import type { ProviderRequest } from './request.js'

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post'

export interface BasicCredentials {
  /** As sent, before form-urlencoding is undone. */
  rawId: string
  rawSecret: string
}

/**
 * The last well-formed Basic header read and its credentials (frozen, so
 * callers share them safely): a client sends the same header with every
 * request, and decoding it again (base64, UTF-8) was most of reading it.
 * Malformed and non-Basic headers are never kept, so their answers are
 * reached as before. A one-entry Map rather than `===`: the header carries a
 * secret, and a Map compares the strings' hashes before their characters, so
 * the lookup's time does not tell how much of a guess matches it.
 *
 * A new header gets a new Map rather than `clear()` and `set()`: V8's
 * `clear()` allocates the long-lived Map's next table in the old generation
 * and links it from the previous one, so every header and credentials ever
 * stored stay reachable from the old generation until a full collection, and
 * each scavenge copies them there (one whole set a request when many clients
 * take turns). A replaced Map is referenced by nothing and dies young.
 */
let lastBasic = new Map<string, BasicCredentials>()

/**
 * Splits `Authorization: Basic <base64(id:secret)>` at the first colon.
 * Returns undefined when the header is absent or uses another scheme, and
 * throws invalid_client when it is Basic but malformed.
 *
 * @see [RFC 6749 §2.3.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-2.3.1)
 */
export function readBasicCredentials(request: Pick<ProviderRequest, 'headers'>): BasicCredentials | undefined {
  const header = request.headers.get('authorization')
  if (!header) return undefined
  const known = lastBasic.get(header)
  if (known) return known
  const match = /^basic +([^ ]*) *$/i.exec(header)
  if (!match) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(match[1]) || colon === -1) {
    throw withBasicChallenge(new InvalidClient('Client authentication failed: the Basic credentials are malformed.', 'malformed Basic header'))
  }
  const credentials: BasicCredentials = Object.freeze({ rawId: decoded.slice(0, colon), rawSecret: decoded.slice(colon + 1) })
  lastBasic = new Map([[header, credentials]])
  return credentials
}

/** Undoes `application/x-www-form-urlencoded` (RFC 6749 §2.3.1, Appendix B); undefined for a malformed percent-encoding. */
export function formUrlDecode(value: string): string | undefined {
  // Nothing to undo (the usual id and secret): the string itself, without a copy by replace and decodeURIComponent.
  if (value.indexOf('%') === -1 && value.indexOf('+') === -1) return value
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '))
  } catch {
    return undefined
  }
}

/** RFC 6749 §5.2: a failed Authorization-header authentication is answered with a challenge in the scheme the client used. */
export function withBasicChallenge<E extends OAuthError>(error: E, realm = 'oauth-dance'): E {
  error.headers['WWW-Authenticate'] = `Basic realm="${realm}"`
  return error
}

export interface AuthenticateClientOptions {
  /** Methods the provider accepts. */
  methods: readonly ClientAuthMethod[]
  /** Look up a client by id. */
  findClient(clientId: string): Client | undefined
  /** RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request." Default true. */
  rejectMultipleMethods?: boolean
  /**
   * Doorkeeper's `from_basic`, then `from_params`: with Basic credentials the
   * body's `client_id` and `client_secret` are ignored and the request served,
   * strict or not, as the real server did; the second method is still
   * recorded (`notes.violations`) for the conformance rules.
   */
  basicWins?: boolean
  /** The route context's reporter: a lenient provider records two methods at once and authenticates by the Basic header. */
  violation?: ReportViolation
}

export interface AuthenticatedClient {
  client: Client
  method: ClientAuthMethod
}

/**
 * Authenticates the client of a token request by HTTP Basic or by body
 * parameters, comparing secrets in constant time.
 *
 * The Basic user and password are form-urlencoded by RFC 6749 §2.3.1, yet the
 * real servers emulated here compared them raw (Doorkeeper) and real clients
 * send them raw (keystoneauth), so both readings are tried.
 */
export function authenticateClient(request: Pick<ProviderRequest, 'headers'>, params: Params, options: AuthenticateClientOptions): AuthenticatedClient {
  const basic = readBasicCredentials(request)
  const bodyId = params.value('client_id')
  const bodySecret = params.value('client_secret')

  if (basic && bodySecret !== undefined && (options.basicWins || (options.rejectMultipleMethods ?? true))) {
    const error = new InvalidRequest('The client used more than one authentication method.', 'Basic header and client_secret both present')
    if (!options.violation) {
      if (!options.basicWins) throw error
    } else
      options.violation('RFC6749-2.3', 'the client authenticated with HTTP Basic and with "client_secret" in the body', error, {
        servedByRealProvider: options.basicWins,
      })
  }

  if (basic) {
    if (!options.methods.includes('client_secret_basic')) {
      throw withBasicChallenge(new InvalidClient('Client authentication failed: HTTP Basic is not accepted here.', 'Basic not allowed'))
    }
    const candidates: Array<[string, string]> = [[basic.rawId, basic.rawSecret]]
    const decodedId = formUrlDecode(basic.rawId)
    const decodedSecret = formUrlDecode(basic.rawSecret)
    if (decodedId !== undefined && decodedSecret !== undefined && (decodedId !== basic.rawId || decodedSecret !== basic.rawSecret)) {
      candidates.push([decodedId, decodedSecret])
    }
    if (!options.basicWins && bodyId !== undefined && !candidates.some(([id]) => id === bodyId)) {
      throw new InvalidRequest('The "client_id" parameter does not match the authenticated client.', 'client_id mismatch with Basic')
    }
    for (const [id, secret] of candidates) {
      const client = id ? options.findClient(id) : undefined
      if (client && secretsEqual(secret, client.clientSecret, client)) return { client, method: 'client_secret_basic' }
    }
    throw withBasicChallenge(new InvalidClient(undefined, `Basic credentials for "${basic.rawId}" rejected`))
  }

  if (bodyId !== undefined && bodySecret !== undefined) {
    if (!options.methods.includes('client_secret_post')) {
      throw new InvalidClient('Client authentication failed: credentials in the request body are not accepted here.', 'client_secret_post not allowed')
    }
    const client = options.findClient(bodyId)
    if (client && secretsEqual(bodySecret, client.clientSecret, client)) return { client, method: 'client_secret_post' }
    throw new InvalidClient(undefined, `body credentials for "${bodyId}" rejected`)
  }

  throw new InvalidClient('Client authentication failed: no client authentication included.', 'no client credentials')
}

/** The part of a route context {@link authenticateTokenClient} uses. */
export interface TokenClientContext {
  request: Pick<ProviderRequest, 'headers'>
  provider: { store: Pick<Store, 'clients'> }
  notes: Record<string, unknown>
  violation: ReportViolation
}

/**
 * {@link authenticateClient} at a token endpoint (Carina, Cloud 66, Cogo):
 * clients from the provider's store, one method at a time (RFC 6749 §2.3,
 * strictness deciding through the route's reporter), and the method and
 * client recorded in the journal notes.
 */
export function authenticateTokenClient(
  ctx: TokenClientContext,
  params: Params,
  options: Pick<AuthenticateClientOptions, 'methods' | 'basicWins'>,
): AuthenticatedClient {
  const auth = authenticateClient(ctx.request, params, {
    methods: options.methods,
    findClient: (id) => ctx.provider.store.clients.by('clientId', id),
    rejectMultipleMethods: true,
    basicWins: options.basicWins,
    violation: ctx.violation,
  })
  ctx.notes.clientAuthMethod = auth.method
  ctx.notes.clientId = auth.client.clientId
  return auth
}
