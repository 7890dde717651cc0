import { OAuthError } from '../../core/errors.js'
import type { StandardClientMeta, StandardContext, StandardRuntime } from './config.js'
import { checkClientMetadata } from './registration.js'
import type { Client } from '../../store/index.js'

/** Largest document accepted (draft-ietf-oauth-client-id-metadata-document §6: "e.g. 5 kilobytes"). */
export const CLIENT_ID_DOCUMENT_MAX_BYTES = 5 * 1024
/** How long fetching a document may take before the request is refused. */
export const CLIENT_ID_DOCUMENT_TIMEOUT_MS = 5000
/** Most documents the `client-id-document` control path may hold. */
export const MAX_PROVIDED_DOCUMENTS = 100

const invalidClient = (description: string) => new OAuthError(400, 'invalid_client', description)

/**
 * The client ID metadata document URL rules (draft §3): https, a path, no
 * fragment, no user info, no dot segments. Returns the problem, or undefined.
 */
export function clientIdUrlProblem(clientId: string): string | undefined {
  let url: URL
  try {
    url = new URL(clientId)
  } catch {
    return 'it is not a URL'
  }
  if (url.protocol !== 'https:') return 'it must use https'
  if (clientId.includes('#')) return 'it must not have a fragment'
  if (url.username || url.password) return 'it must not contain a user name or password'
  if (url.pathname === '/' || url.pathname === '') return 'it must have a path'
  if (/\/\.{1,2}(\/|$|\?)/.test(clientId.slice(url.origin.length))) return 'it must not contain "." or ".." path segments'
  return undefined
}

/** The document for `url`: one given on the control path, else through the fetch hook, bounded in time and size. */
async function documentAt(provider: StandardRuntime, url: string): Promise<unknown> {
  const provided = provider.store.clientIdDocuments.get(url)
  if (provided !== undefined) return provided
  let response: Response
  try {
    response = await provider.config.fetchClientMetadata(url, {
      signal: AbortSignal.timeout(CLIENT_ID_DOCUMENT_TIMEOUT_MS),
      headers: { Accept: 'application/json' },
      redirect: 'error',
    })
  } catch (error) {
    throw invalidClient(`The client ID metadata document at ${url} could not be fetched (${(error as Error).message}).`)
  }
  if (response.status !== 200) throw invalidClient(`Fetching the client ID metadata document at ${url} answered ${response.status}, not 200.`)
  const text = await response.text()
  if (Buffer.byteLength(text) > CLIENT_ID_DOCUMENT_MAX_BYTES)
    throw invalidClient(`The client ID metadata document at ${url} is larger than ${CLIENT_ID_DOCUMENT_MAX_BYTES} bytes.`)
  try {
    return JSON.parse(text)
  } catch {
    throw invalidClient(`The client ID metadata document at ${url} is not JSON.`)
  }
}

/**
 * Whether `client` is one a client ID metadata document made while the option
 * was on, and the option is off now: its record is kept (until reset), but the
 * server treats it as unknown, as it treats any https client_id then.
 */
export function isDisabledDocumentClient(provider: StandardRuntime, client: Client): boolean {
  return !provider.config.clientIdMetadataDocuments && (client.meta as StandardClientMeta).clientIdDocument === true
}

/** The client of `clientId`, unless it is unknown for {@link isDisabledDocumentClient}. */
export function findStandardClient(provider: StandardRuntime, clientId: string): Client | undefined {
  const client = provider.store.clients.by('clientId', clientId)
  return client === undefined || isDisabledDocumentClient(provider, client) ? undefined : client
}

/**
 * Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document,
 * the MCP authorization spec's way for a client to need no registration):
 * when enabled and `client_id` is an https URL, the server gets the JSON
 * document there and keeps it as the client's record. `refresh` fetches it
 * again even if known (each authorization request does; the token endpoint
 * uses the record kept). Errors are `invalid_client`, never sent to a redirect URI.
 */
export function resolveClientIdDocument(ctx: StandardContext, clientId: string | undefined, options: { refresh?: boolean } = {}): Promise<void> | undefined {
  const { provider } = ctx
  // No document to get: no promise, so that a token request without one can be answered synchronously.
  if (!provider.config.clientIdMetadataDocuments || clientId === undefined || !/^https:\/\//i.test(clientId)) return undefined
  const known = provider.store.clients.by('clientId', clientId)
  if (known && !options.refresh) return undefined
  return getClientIdDocument(ctx, clientId, known)
}

/** The rest of {@link resolveClientIdDocument} once a document is to be got: checked, then kept as the client's record (`known` patched, else created). */
async function getClientIdDocument(ctx: StandardContext, clientId: string, known: Client | undefined): Promise<void> {
  const { provider } = ctx
  const problem = clientIdUrlProblem(clientId)
  if (problem) throw invalidClient(`The client_id ${clientId} is not a client ID metadata document URL: ${problem}.`)
  const document = await documentAt(provider, clientId)
  const fail = (why: string) => invalidClient(`The client ID metadata document at ${clientId} ${why}`)
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw fail('is not a JSON object.')
  const metadata = document as Record<string, unknown>
  // @see draft §4.1: the document names itself; no shared secret can be published in it.
  if (metadata.client_id !== clientId) throw fail(`names the client_id ${JSON.stringify(metadata.client_id)}, not its own URL.`)
  for (const member of ['client_secret', 'client_secret_expires_at']) if (member in metadata) throw fail(`must not contain "${member}".`)
  if (typeof metadata.token_endpoint_auth_method === 'string' && metadata.token_endpoint_auth_method.startsWith('client_secret'))
    throw fail(`must not use ${metadata.token_endpoint_auth_method}: a published document has no secret.`)
  let checked: ReturnType<typeof checkClientMetadata>
  try {
    checked = checkClientMetadata(metadata, 'none')
  } catch (error) {
    if (error instanceof OAuthError) throw fail(`is refused: ${error.description}`)
    throw error
  }
  const meta: StandardClientMeta = { token_endpoint_auth_method: checked.authMethod, registered: true, clientIdDocument: true, ...checked.flags }
  if (checked.jwks) meta.jwks = checked.jwks
  if (checked.idTokenAlg) meta.id_token_signed_response_alg = checked.idTokenAlg
  if (checked.userinfoAlg) meta.userinfo_signed_response_alg = checked.userinfoAlg
  const record = {
    name: checked.name ?? new URL(clientId).host,
    redirectUris: checked.redirectUris,
    scopes: checked.scopes,
    grantTypes: checked.grantTypes,
    meta,
  }
  ctx.notes.clientIdDocument = clientId
  if (known) {
    provider.store.clients.patch(known, record)
    return
  }
  const registered = provider.store.clients.collection.findMany((q) => q.where((c) => (c.meta as StandardClientMeta).registered === true)).length
  if (registered >= provider.config.maxRegisteredClients)
    throw invalidClient(
      `This server holds at most ${provider.config.maxRegisteredClients} registered clients; reset it (POST /__oauth-dance/reset) to add more.`,
    )
  await provider.store.clients.collection.create({ clientId, clientSecret: '', createdAtMs: provider.clock.nowMs(), ...record })
}

/** The `client-id-document` control: the document the server is to find at `url` (for `serve`, where no fetch hook can be given). */
export function provideClientIdDocument(provider: StandardRuntime, body: { url?: unknown; document?: unknown }): { url: string } {
  if (typeof body.url !== 'string') throw new TypeError('"url" must be the client_id URL the document is served at')
  const problem = clientIdUrlProblem(body.url)
  if (problem) throw new TypeError(`"url" is not a client ID metadata document URL: ${problem}`)
  if (body.document === null || typeof body.document !== 'object' || Array.isArray(body.document))
    throw new TypeError('"document" must be the JSON object served at "url"')
  const documents = provider.store.clientIdDocuments
  if (!documents.has(body.url) && documents.size >= MAX_PROVIDED_DOCUMENTS)
    throw new TypeError(`At most ${MAX_PROVIDED_DOCUMENTS} documents can be provided; reset to provide more`)
  documents.set(body.url, body.document)
  return { url: body.url }
}
