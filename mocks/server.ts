import { createServer, IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Server as TlsServer, TLSSocket } from 'node:tls'
import type { AddressInfo } from 'node:net'
import { hostname as machineHostname, networkInterfaces } from 'node:os'
import { isLoopbackHostname, normalizeHostname, CONTROL_TOKEN_HEADER } from './core/control-guard.js'
import { CLIENT_CERT_HEADER, encodeClientCert, type TlsListenerOptions } from './core/client-cert.js'
import { Clock } from './core/clock.js'
import type { ProviderRuntime, ReadBody } from './core/provider.js'
import type { Reply } from './core/reply.js'
import { NodeRequest, RawHeaders } from './core/request.js'
import { manifestOf, PROVIDER_IDS, type ProviderId } from './manifests.js'
import type { ConfigFile, ConfigFileInput } from './config/config-schema.js'
import type { ProviderDefinition } from './core/define.js'
import { placeSeeded, type SeededDescriptions } from './seeded.js'
import { linkProviders } from './control/index-page.js'
import { withControlPaths } from './control/control-paths.js'

export interface ServeOptions {
  /** Ports are `portBase + 1` ... `portBase + 7` (DESIGN.md); 0 takes free ports. Default 4400. */
  portBase?: number
  /** Interface to listen on; default 127.0.0.1. */
  host?: string
  /** Which providers to start; default all. */
  providers?: ProviderId[]
  /** Where request log lines go; default standard error. `null` silences them. */
  log?: ((line: string) => void) | null
  /** Record exchanges for the journal (default true). */
  journal?: boolean
  /** One clock for every provider (so `advance` moves them together); default one each. */
  sharedClock?: boolean
  /** One given clock for every provider: the conformance runner passes a frozen one, so reports do not depend on wall time. */
  clock?: Clock
  /** Largest request body, bytes (default 64 KiB). */
  bodyLimit?: number
  /**
   * Socket timeouts, ms: the whole request (default 30 s), its headers
   * (default 10 s: a slowloris client is cut off), and an idle keep-alive
   * connection (default 5 s). Node checks them every `min(headers, request) / 4`
   * (its own default check is every 30 s, far coarser than the limits).
   */
  timeouts?: { requestMs?: number; headersMs?: number; keepAliveMs?: number }
  /**
   * HTTPS listeners: `true` for every provider with TLS fixtures in the
   * registry (Keystone), or per provider `true` (its fixtures) or explicit
   * options. A listener with `ca` asks for a client certificate and passes a
   * verified one to the provider in {@link CLIENT_CERT_HEADER}.
   */
  tls?: boolean | Partial<Record<ProviderId, boolean | TlsListenerOptions>>
  /**
   * A secret every control request must present (`Authorization: Bearer
   * <token>` or `x-oauth-dance-control-token: <token>`); the CLI takes it from
   * `--control-token` or `OAUTH_DANCE_CONTROL_TOKEN`.
   */
  controlToken?: string
  /** Where the warning for a non-loopback `host` goes; default standard error. */
  warn?: (line: string) => void
  /**
   * What an `oauth-dance.config.json` holds (validated here as `serve
   * --config` does): per provider its options, extra clients and users, and
   * strictness; and `portBase`, `host`, `sharedClock` where the options above
   * do not set them.
   */
  config?: ConfigFileInput
  /**
   * What the providers describe when built with their fixtures alone (the
   * bin reads them from beside its bundle: {@link readSeededDescriptions}).
   * A provider with one, and no section in the config nor TLS, is built on
   * its first request instead of at start: `describe()` gives its seeded
   * description until then, which is what it describes once built.
   */
  seeded?: SeededDescriptions
}

export interface Listener {
  /** Origin name of DESIGN.md's table: carina, keystone, cloud66, cogo-auth, cogo-api, gocd, standard. */
  name: string
  provider: ProviderId
  origin: string
  port: number
  url: string
  server: Server
}

export interface RunningServer {
  /** The providers built so far: every one started, unless `seeded` let some wait for their first request. */
  providers: Partial<Record<ProviderId, ProviderRuntime>>
  listeners: Listener[]
  /** The `--json` description: every provider's base URL(s), clients and users. */
  describe(): { providers: Record<string, unknown> }
  close(): Promise<void>
}

/** What the requests of one listener share: the per-request state lives on the request itself ({@link ServedRequest}). */
interface Site {
  name: string
  origin: string
  url: string
  provider: ProviderRuntime
  log: ((line: string) => void) | null
  bodyLimit: number
}

/**
 * Node's request as `serve`'s listeners make it (createServer's
 * `IncomingMessage` option), carrying what answering it needs: its stream
 * listeners and callbacks are the class's own functions reading it from
 * `this`, rather than a set of closures made per request.
 */
class ServedRequest extends IncomingMessage {
  #site: Site | undefined = undefined
  #response: ServerResponse | undefined = undefined
  #request: NodeRequest | undefined = undefined
  #started = 0
  /** The usual body is one chunk: an array only for more. */
  #first: Buffer | undefined = undefined
  #more: Buffer[] | undefined = undefined
  #size = 0
  #done = false

  /**
   * Reads the request for the provider: method, URL and headers as they
   * arrived (no undici `Request`, see {@link NodeRequest}) and the body as
   * text, then answers it (at once for GET and HEAD, else once the body has
   * ended), or fails on the stream's error. At most `limit + 1` bytes are
   * buffered, so the provider can answer 413 in its own format without the
   * server holding an oversized body. Listeners rather than a promise: the
   * usual request is then answered without a microtask turn.
   */
  serve(res: ServerResponse, site: Site): void {
    this.#site = site
    this.#response = res
    this.#started = site.log ? performance.now() : 0
    const method = this.method ?? 'GET'
    // Only the listener's own TLS handshake may vouch for a client certificate.
    const headers = new RawHeaders(this.rawHeaders, CLIENT_CERT_HEADER)
    let path = this.url ?? '/'
    // The usual origin-form target as it is, without the object requestTarget returns.
    if (!path.startsWith('/')) {
      const target = requestTarget(path)
      path = target.path
      // RFC 9112 §3.2.2: with an absolute-form target the server uses its authority, not the Host header.
      if (target.authority !== undefined) headers.set('host', target.authority)
    }
    const socket = this.socket as Partial<TLSSocket>
    if (socket.encrypted && socket.authorized) {
      const cert = socket.getPeerX509Certificate?.()
      if (cert) headers.set(CLIENT_CERT_HEADER, encodeClientCert(cert))
    }
    this.#request = new NodeRequest(method, site.url + path, headers, res)
    if (method === 'GET' || method === 'HEAD') {
      this.resume()
      this.#answer(undefined)
      return
    }
    this.on('data', ServedRequest.#onData)
    this.on('end', ServedRequest.#onEnd)
    this.on('error', ServedRequest.#onError)
  }

  static #onData(this: ServedRequest, chunk: Buffer): void {
    if (this.#done) return
    if (this.#first === undefined) this.#first = chunk
    else (this.#more ??= [this.#first]).push(chunk)
    this.#size += chunk.length
    if (this.#size > this.#site!.bodyLimit) {
      this.#done = true
      this.pause()
      this.#answer({ tooLarge: true })
    }
  }

  static #onEnd(this: ServedRequest): void {
    if (this.#done) return
    this.#done = true
    const first = this.#first
    const more = this.#more
    this.#answer({ text: more ? Buffer.concat(more).toString('utf8') : first ? first.toString('utf8') : '' })
  }

  static #onError(this: ServedRequest, error: Error): void {
    if (!this.#done) {
      this.#done = true
      this.#failed(error)
    }
  }

  #answer(body: ReadBody | undefined): void {
    const site = this.#site!
    try {
      const answered = site.provider.answerNow(this.#request!, site.origin, body)
      // One reaction, not then + catch: respond's own throw still goes to `failed`.
      if (answered instanceof Promise)
        answered.then(
          (reply) => {
            try {
              this.#respond(reply, body)
            } catch (error) {
              this.#failed(error as Error)
            }
          },
          (error: Error) => this.#failed(error),
        )
      else this.#respond(answered, body)
    } catch (error) {
      this.#failed(error as Error)
    }
  }

  /** The request target as logged: no query, no code or token in the path (built only for the log line). */
  #logPath(): string {
    return this.#site!.provider.loggablePath(this.method ?? 'GET', requestTarget(this.url).path, this.#site!.origin)
  }

  #failed(error: Error): void {
    const res = this.#response!
    // Only a broken connection gets here; the provider itself never throws.
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' })
      res.end('Bad request\n')
    }
    this.#site!.log?.(`${this.#site!.name} ${this.method} ${this.#logPath()} aborted: ${error.message}`)
  }

  #respond(reply: Reply | null, body: ReadBody | undefined): void {
    const { log, name } = this.#site!
    if (!reply) {
      // An injected dropped connection.
      this.socket.destroy()
      log?.(`${name} ${this.method} ${this.#logPath()} dropped ${(performance.now() - this.#started).toFixed(1)}ms`)
      return
    }
    const truncated = body !== undefined && 'tooLarge' in body
    const res = this.#response!
    writeReply(res, reply, truncated)
    if (truncated) res.once('finish', () => this.socket.destroy())
    log?.(
      `${name} ${this.method} ${this.#logPath()} ${reply.status} ${(performance.now() - this.#started).toFixed(1)}ms${reply.hint ? ` hint: ${reply.hint}` : ''}`,
    )
  }
}

/**
 * The headers {@link writeReply} hands to `writeHead`, in Node's flat [name,
 * value, name, value...] form: one array for every reply, as `writeHead`
 * renders them at once and keeps no reference to it (the next reply
 * overwrites the strings it holds).
 */
const flatHeaders: string[] = []

function writeReply(res: ServerResponse, reply: Reply, closeAfter: boolean): void {
  const headers = flatHeaders
  let n = 0
  for (const name in reply.headers) {
    const value = reply.headers[name]
    if (typeof value === 'string') {
      headers[n++] = name
      headers[n++] = value
    } else
      for (const v of value) {
        headers[n++] = name
        headers[n++] = v
      }
  }
  if (closeAfter) {
    headers[n++] = 'connection'
    headers[n++] = 'close'
  }
  // A text body goes to `end` as a string: Node then sends the head and body in one write, where a Buffer costs a writev of two.
  const body = reply.body ?? undefined
  if (body !== undefined && reply.headers['content-length'] === undefined) {
    headers[n++] = 'content-length'
    headers[n++] = lengthText(typeof body === 'string' ? (reply.bodyBytes ?? Buffer.byteLength(body)) : body.byteLength)
  }
  headers.length = n
  res.writeHead(reply.status, headers)
  res.end(body)
}

/** `String(length)`, kept for the last length: the answers of one endpoint are mostly the same size. */
function lengthText(length: number): string {
  if (length !== lastLength) {
    lastLength = length
    lastLengthText = String(length)
  }
  return lastLengthText
}
let lastLength = -1
let lastLengthText = ''

const CLIENT_ERROR_STATUS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
}

/**
 * The origin-form path of a request target. An absolute-form target
 * (`GET http://host/path HTTP/1.1`, RFC 9112 §3.2.2, which a proxy-minded
 * client may send) is routed by its path, its authority (without user
 * information) standing for the Host; `*` and anything else is `/`.
 */
export function requestTarget(url: string | undefined): { path: string; authority?: string } {
  const target = url ?? '/'
  if (target.startsWith('/')) return { path: target }
  const absolute = /^https?:\/\/(?:[^/?#@]*@)?([^/?#]*)([^#]*)/i.exec(target)
  if (!absolute) return { path: '/' }
  const rest = absolute[2]
  return { path: rest.startsWith('/') ? rest : '/' + rest, authority: absolute[1] }
}

/**
 * A listener with the provider's TLS fixtures starts trusting the fixtures'
 * client CA; once the provider's options name other CAs (the config file,
 * `options.set`, the control path, and back on reset), its handshakes trust
 * those, from the next connection on, as the in-process check does. Unchanged
 * CAs leave the listener's secure context as it is.
 */
function followClientCas(provider: ProviderRuntime, definition: ProviderDefinition, servers: TlsServer[]): void {
  const tls = definition.tls!
  let trusted = casText(tls().ca)
  const trust = () => {
    const context = tls(provider)
    const cas = casText(context.ca)
    if (cas === trusted) return
    trusted = cas
    for (const server of servers) server.setSecureContext(context)
  }
  trust()
  provider.options.onChange(trust)
}

const casText = (ca: TlsListenerOptions['ca']) => (Array.isArray(ca) ? ca.join('\n') : (ca ?? ''))

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '', '::0'])

/**
 * The `Host` names the control paths answer to besides loopback ones: the
 * address listened on, or for a wildcard every interface's address and the
 * machine's name (what another machine would type). Never an arbitrary name:
 * that is what DNS rebinding sends.
 */
function hostsAnsweredTo(host: string): Set<string> {
  const name = normalizeHostname(host)
  if (!WILDCARD_HOSTS.has(name)) return new Set([name])
  const names = new Set<string>([machineHostname().toLowerCase()])
  for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) names.add(normalizeHostname(a.address.replace(/%.*$/, '')))
  return names
}

/** What `serve` says on standard error when it listens beyond loopback. */
export function exposureWarning(host: string, tokenRequired: boolean): string {
  return (
    `[oauth-dance] warning: listening on ${host}, not a loopback address: every machine that can reach it can sign in as the seeded users and use the seeded clients, ` +
    `and the control paths (/__oauth-dance/) answer to this machine's addresses: ` +
    (tokenRequired
      ? `they require the control token (Authorization: Bearer <token> or ${CONTROL_TOKEN_HEADER}).`
      : 'anyone who reaches them can read client secrets, passwords and recorded Authorization headers, reset state and inject faults. Give --control-token <secret> (or OAUTH_DANCE_CONTROL_TOKEN) to require a token.')
  )
}

/**
 * The configuration validated as `serve --config` validates it. None, or an
 * empty one (every key is optional), is taken as it is, without loading the
 * config file's schema.
 */
async function validConfig(input: ConfigFileInput | undefined): Promise<ConfigFile> {
  if (input === undefined) return {}
  if (typeof input === 'object' && input !== null && Object.getPrototypeOf(input) === Object.prototype && Object.keys(input).length === 0) return {}
  // Only the named providers' sections: their option schemas are in their chunks.
  const { parseConfigNamed } = await import('./config/config-schema.js')
  return parseConfigNamed(input, 'the config option')
}

/**
 * Starts the providers on 127.0.0.1, one listener per origin (DESIGN.md's
 * port table), answering with the same route tables as the msw handlers.
 *
 * @example
 * const running = await serve({ portBase: 0 })
 * console.log(running.describe())
 * await running.close()
 */
export async function serve(options: ServeOptions = {}): Promise<RunningServer> {
  const config = await validConfig(options.config)
  const host = options.host ?? config.host ?? '127.0.0.1'
  const portBase = options.portBase ?? config.portBase ?? 4400
  if (options.controlToken !== undefined && options.controlToken.length < 8)
    throw new Error('Failed to start the providers: the control token must be at least 8 characters')
  const controlHosts = hostsAnsweredTo(host)
  if (!isLoopbackHostname(normalizeHostname(host)))
    (options.warn ?? ((line) => process.stderr.write(line + '\n')))(exposureWarning(host, options.controlToken !== undefined))
  const ids = options.providers ?? [...PROVIDER_IDS]
  const known = () => PROVIDER_IDS.join(', ')
  for (const id of ids) if (!manifestOf(id)) throw new Error(`Failed to start "${id}": no such provider (known: ${known()})`)
  const tlsOf = (id: ProviderId) => (typeof options.tls === 'object' ? options.tls[id] : options.tls)
  // Built on its first request: a provider with a seeded description that the config and TLS leave as it is.
  const deferred = new Set(ids.filter((id) => options.seeded?.[id] && config.providers?.[id] === undefined && !tlsOf(id)))
  // The others' code now (the bin's bundle keeps each provider's code in a chunk of its own, loaded here or on its first request).
  const definitions = Object.fromEntries(
    await Promise.all(ids.filter((id) => !deferred.has(id)).map(async (id) => [id, await manifestOf(id)!.load()] as const)),
  ) as Partial<Record<ProviderId, ProviderDefinition>>
  const log = options.log === undefined ? (line: string) => process.stderr.write(line + '\n') : options.log
  const bodyLimit = options.bodyLimit ?? 64 * 1024
  const clock = options.clock ?? ((options.sharedClock ?? config.sharedClock) ? new Clock() : undefined)

  // node:https (and node:tls with it) only when a listener serves TLS: loading them costs every other start a few ms.
  const https = ids.some((id) => tlsOf(id)) ? await import('node:https') : undefined
  const secured = new Set<Server>()
  const pending: Array<Omit<Listener, 'url'> & { url?: string }> = []
  for (const id of ids) {
    const tlsOption = tlsOf(id)
    const tls = tlsOption === true ? definitions[id]!.tls?.() : tlsOption || undefined
    if (tlsOption === true && !tls && typeof options.tls === 'object')
      throw new Error(`Failed to start "${id}" with TLS: it has no TLS fixtures (give key and cert)`)
    for (const [origin, { name, offset }] of Object.entries(manifestOf(id)!.origins)) {
      // rejectUnauthorized false: a client without a certificate (or with an unverified one) still gets an answer; only verified ones reach the provider.
      const requestTimeout = options.timeouts?.requestMs ?? 30_000
      const headersTimeout = Math.min(options.timeouts?.headersMs ?? 10_000, requestTimeout)
      const timing = { requestTimeout, headersTimeout, connectionsCheckingInterval: Math.max(50, Math.floor(headersTimeout / 4)) }
      const server = tls
        ? // A handshake gets as long as a request's headers (Node's default is 120 s): one process serves every provider, so stalled handshakes would hold descriptors for all of them.
          https!.createServer({
            ...timing,
            handshakeTimeout: headersTimeout,
            key: tls.key,
            cert: tls.cert,
            ca: tls.ca,
            requestCert: tls.ca !== undefined,
            rejectUnauthorized: false,
            IncomingMessage: ServedRequest,
          })
        : createServer({ ...timing, IncomingMessage: ServedRequest })
      server.keepAliveTimeout = options.timeouts?.keepAliveMs ?? 5_000
      if (tls) secured.add(server)
      pending.push({ name, provider: id, origin, port: portBase === 0 ? 0 : portBase + offset, server })
    }
  }

  const started: Server[] = []
  const closeAll = () => Promise.all(started.map((s) => new Promise((r) => s.close(r))))
  try {
    for (const listener of pending) {
      await new Promise<void>((resolve, reject) => {
        listener.server.once('error', reject)
        listener.server.listen(listener.port, host, () => {
          listener.server.off('error', reject)
          resolve()
        })
      })
      started.push(listener.server)
      listener.port = (listener.server.address() as AddressInfo).port
      listener.url = `${secured.has(listener.server) ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${listener.port}`
    }
  } catch (error) {
    await closeAll()
    const e = error as NodeJS.ErrnoException
    throw new Error(
      `Failed to start the providers: ${e.code === 'EADDRINUSE' ? `port ${(e as { port?: number }).port} is in use (try --port-base 0 for free ports)` : e.message}`,
      { cause: error },
    )
  }
  const listeners = pending as Listener[]
  const listenersOf = (id: ProviderId) => listeners.filter((l) => l.provider === id)
  const basePath = (id: ProviderId) => manifestOf(id)!.basePath
  const seededDescription = (id: ProviderId) => placeSeeded(options.seeded![id]!, Object.fromEntries(listenersOf(id).map((l) => [l.name, l.url])))

  const providers: Partial<Record<ProviderId, ProviderRuntime>> = {}
  // The index pages' links: every provider started, built or not, at its `default` (else first) origin, as its `baseUrl` is.
  const beside = () =>
    ids.map((id) => {
      const own = listenersOf(id)
      return { id, baseUrl: (own.find((l) => l.origin === 'default') ?? own[0]!).url + basePath(id) }
    })

  /** Builds a provider as the config sets it up, and serves its listeners' requests from then on. */
  const build = (id: ProviderId, definition: ProviderDefinition): ProviderRuntime => {
    const baseUrl = Object.fromEntries(listenersOf(id).map((l) => [l.origin, l.url + basePath(id)]))
    const section = config.providers?.[id]
    const provider = withControlPaths(
      definition.create({
        ...section?.options,
        baseUrl,
        clock,
        journal: options.journal ?? true,
        bodyLimit,
        strictness: section?.strictness,
        clients: section?.clients,
        users: (section as { users?: Array<Record<string, unknown>> } | undefined)?.users,
        control: { hosts: controlHosts, token: options.controlToken },
      }),
    )
    providers[id] = provider
    if (tlsOf(id) === true && definition.tls)
      followClientCas(
        provider,
        definition,
        listenersOf(id).flatMap((l) => (secured.has(l.server) ? [l.server as unknown as TlsServer] : [])),
      )
    linkProviders(provider, beside)
    for (const listener of listenersOf(id)) {
      const site: Site = { name: listener.name, origin: listener.origin, url: listener.url, provider, log, bodyLimit }
      listener.server.removeAllListeners('request')
      listener.server.on('request', (req, res) => (req as ServedRequest).serve(res, site))
    }
    return provider
  }

  for (const id of ids) {
    if (deferred.has(id)) continue
    try {
      build(id, definitions[id]!)
    } catch (error) {
      await closeAll()
      throw error
    }
  }

  // A deferred provider: its first request loads its code and builds it; those arriving meanwhile wait (their bodies unread).
  const building = new Map<ProviderId, Promise<void>>()
  const whenBuilt = (id: ProviderId) => {
    let promise = building.get(id)
    if (!promise) {
      promise = manifestOf(id)!
        .load()
        .then((definition) => build(id, definition).ready)
      building.set(id, promise)
    }
    return promise
  }
  for (const listener of listeners) {
    if (deferred.has(listener.provider))
      listener.server.on('request', (req: ServedRequest, res: ServerResponse) =>
        whenBuilt(listener.provider).then(
          () => listener.server.emit('request', req, res),
          (error: Error) => {
            // Not expected (the fixtures alone build every provider at start in the tests): say so rather than hang.
            log?.(`${listener.name} failed to build ${listener.provider}: ${error.message}`)
            if (!res.headersSent)
              res.writeHead(500, { 'content-type': 'text/plain', connection: 'close' }).end(`oauth-dance could not start ${listener.provider}\n`)
          },
        ),
      )
    // A handshake that timed out or failed: the connection goes, whatever Node's default for this event does.
    listener.server.on('tlsClientError', (_error: Error, socket: TLSSocket) => socket.destroy())
    listener.server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      // The status Node's own default handler would pick: a client that took too
      // long gets 408, oversized headers 431, anything else unparsable 400.
      const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? '400 Bad Request'
      if (socket.writable && error.code !== 'ECONNRESET') socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      else socket.destroy()
    })
  }
  try {
    await Promise.all(Object.values(providers).map((p) => p!.ready))
  } catch (error) {
    // A declared client or user that cannot be added (its user unknown, its id taken): nothing keeps listening.
    await closeAll()
    throw new Error(`Failed to start: ${(error as Error).message}`, { cause: error })
  }

  return {
    providers,
    listeners,
    describe() {
      const out: Record<string, unknown> = {}
      for (const id of ids) out[id] = providers[id]?.describe() ?? seededDescription(id)
      return { providers: out }
    },
    async close() {
      await Promise.all(
        listeners.map(
          (l) =>
            new Promise<void>((resolve) => {
              l.server.close(() => resolve())
              l.server.closeAllConnections()
            }),
        ),
      )
    },
  }
}
