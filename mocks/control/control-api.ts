import { Reply } from '../core/reply.js'
import type { RequestHeaders } from '../core/request.js'
import { describeIssues, OptionsError, type OptionsSchema } from '../core/options.js'
import type { ProviderRuntime } from '../core/provider.js'
import { indexData, renderIndexPage } from './index-page.js'

/**
 * The control paths of issue 14, answered under `/__oauth-dance/` on every
 * origin beside the older ones in `ProviderRuntime` (reset, clock, faults...):
 *
 * | request | answer |
 * |---|---|
 * | `GET clients`, `POST clients`, `DELETE clients/<id>` | list, add (JSON, the provider's terms), remove |
 * | `GET users`, `POST users`, `DELETE users/<username>` | likewise for users |
 * | `GET options`, `POST options` | the options in force; change some (validated, undone by reset) |
 * | `POST authorize` | the authorization endpoint's redirect without its pages |
 * | `GET ` (the prefix itself), `GET index.json` | the index page, HTML or JSON |
 *
 * Bodies must be JSON (`Content-Type: application/json`): a form post from
 * another site cannot reach these paths without a CORS preflight.
 */

/** How a provider adds and removes clients and users, in its own terms. */
export interface AccountsDefinition<P> {
  /** What a client is called by the provider ("application credential", "OAuth client"). */
  clientNoun: string
  /** The store collection that holds the clients, when not `clients` (Keystone: `applicationCredentials`). */
  clientCollection?: string
  /** The JSON a new client is described by (strict: unknown keys are errors). */
  clientSchema: OptionsSchema
  /** Adds a client; returns it as `list()` shows it. Throws {@link AccountError} when it cannot be. */
  addClient(provider: P, input: Record<string, unknown>): Promise<unknown>
  /** The clients as `list()` shows them, when richer than `describe()`'s (a Keystone credential's user and project). */
  listClients?(provider: P): unknown[]
  /** Removes a client and what was issued to it; false when there is none with that id. */
  removeClient(provider: P, id: string): Promise<boolean>
  /** Absent when the provider has no users (Cogo): then `noUsers` says why. */
  userSchema?: OptionsSchema
  addUser?(provider: P, input: Record<string, unknown>): Promise<unknown>
  removeUser?(provider: P, username: string): Promise<boolean>
  noUsers?: string
}

/** A client or user that cannot be added as asked (its user unknown, its id taken): 409 when `conflict`, else 400. */
export class AccountError extends TypeError {
  constructor(
    message: string,
    readonly conflict = false,
  ) {
    super(message)
    this.name = 'AccountError'
  }
}

type Kind = 'clients' | 'users'

/** At most this many clients, and as many users, per provider: a runaway test loop gets 409s, not an ever larger store. */
export const MAX_ACCOUNTS = 10_000

/**
 * A provider's clients or users at run time.
 *
 * @example
 * await cloud66.clients.add({ name: 'CI app', redirectUris: ['http://127.0.0.1:8080/callback'] })
 * cloud66.clients.list()
 */
export class AccountsControl {
  constructor(
    readonly provider: ProviderRuntime,
    readonly kind: Kind,
    readonly definition: AccountsDefinition<ProviderRuntime> | undefined,
  ) {}

  get #noun(): string {
    return this.kind === 'clients' ? 'client' : 'user'
  }

  /** The schema of what `add` takes, or undefined when the provider has none of this kind. */
  get schema(): OptionsSchema | undefined {
    return this.kind === 'clients' ? this.definition?.clientSchema : this.definition?.userSchema
  }

  #unsupported(): never {
    const reason = this.kind === 'users' && this.definition?.noUsers
    throw new AccountError(reason || `${this.provider.id} cannot add ${this.kind}`)
  }

  /** As `describe()` lists them (the `serve --json` shape). */
  list(): unknown[] {
    if (this.kind === 'clients' && this.definition?.listClients) return this.definition.listClients(this.provider)
    return (this.provider.describe()[this.kind] as unknown[]) ?? []
  }

  /** Validates `input` against the provider's schema, then adds it; `label` names it in errors. */
  async add(input: Record<string, unknown>, label = `${this.provider.id}.${this.#noun}`): Promise<unknown> {
    const schema = this.schema
    const definition = this.definition
    if (!schema || !definition) this.#unsupported()
    const parsed = validateAgainst(schema, input, label, `Failed to add the ${this.#noun}`)
    if (this.#count() >= MAX_ACCOUNTS) throw new AccountError(`${this.provider.id} already has ${MAX_ACCOUNTS} ${this.kind}, the most it keeps; remove some or reset`, true)
    if (this.kind === 'clients') return definition.addClient(this.provider, parsed)
    if (!definition.addUser) this.#unsupported()
    return definition.addUser(this.provider, parsed)
  }

  /** How many there are, from the collection's index (O(1)). */
  #count(): number {
    const name = this.kind === 'clients' ? (this.definition?.clientCollection ?? 'clients') : 'users'
    const collection = (this.provider.store as Record<string, { size?: number } | undefined>)[name]
    return collection?.size ?? this.list().length
  }

  /** Removes one by client id or username; false when there is none. */
  async remove(key: string): Promise<boolean> {
    const definition = this.definition
    if (!definition) return false
    if (this.kind === 'clients') return definition.removeClient(this.provider, key)
    return definition.removeUser ? definition.removeUser(this.provider, key) : false
  }
}

function validateAgainst(schema: OptionsSchema, input: unknown, label: string, context: string): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new OptionsError(`${context}: ${label} must be an object`, [`${label} must be an object`])
  const result = schema.safeParse(input)
  if (result.success) return result.data as Record<string, unknown>
  const problems = describeIssues(schema, input, result.error.issues, (path) => [label, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/\.\[/g, '['))
  throw new OptionsError(`${context}: ${problems.join('; ')}`, problems)
}

/** Adds what the provider's options (a config file) declare, after the fixtures, on every seeding (so `reset()` keeps them). */
export async function seedDeclaredAccounts(
  provider: ProviderRuntime,
  declared: { clients: ReadonlyArray<Record<string, unknown>>; users: ReadonlyArray<Record<string, unknown>> },
): Promise<void> {
  // Users first: a Keystone application credential names its user.
  for (const [i, user] of declared.users.entries()) await labelled(`${provider.id}.users[${i}]`, () => provider.users.add(user, `${provider.id}.users[${i}]`))
  for (const [i, client] of declared.clients.entries()) await labelled(`${provider.id}.clients[${i}]`, () => provider.clients.add(client, `${provider.id}.clients[${i}]`))
}

/** Errors of a declared client or user name it as the config file does: `keystone.clients[0]: no user "bob" (...)`. */
async function labelled(label: string, add: () => Promise<unknown>): Promise<void> {
  try {
    await add()
  } catch (error) {
    const message = (error as Error).message.replace(/^Failed to add the (client|user): /, '')
    const problem = message.startsWith(label) ? message : `${label}: ${message}`
    throw new OptionsError(problem, [problem])
  }
}

/** The authorize shortcut's input: who approves or denies what, as the pages would have been filled in. */
export interface AuthorizeShortcutInput {
  /** Client id. */
  client: string
  /** Username; default the provider's first user (the seeded one). */
  user?: string
  /** As the `scope` parameter (a string) or a list; absent: none sent. */
  scope?: string | string[]
  /** As the `redirect_uri` parameter; absent: none sent (the provider decides, as its page would). */
  redirectUri?: string
  state?: string
  /** `approve` (default) or `deny`. */
  decision?: 'approve' | 'deny'
  /** PKCE (RFC 7636), where the provider supports it. */
  codeChallenge?: string
  codeChallengeMethod?: string
}

/** What the authorization endpoint answered: its redirect (with the code or the error), or an error shown on a page. */
export interface AuthorizeShortcutResult {
  /** Where the browser would have been sent; null when the provider shows the error on a page instead (unknown client, unregistered redirect). */
  redirect: string | null
  code?: string
  state?: string
  error?: string
  errorDescription?: string
}

/** A provider's authorize shortcut (Carina and Cloud 66 through the core's endpoint, GoCD its own). */
export type AuthorizeShortcut<P> = (provider: P, input: AuthorizeShortcutInput) => Promise<AuthorizeShortcutResult>

/** Checks the shortcut's JSON before any provider sees it. */
export function readAuthorizeInput(body: unknown): AuthorizeShortcutInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new OptionsError('give an object', ['give an object'])
  const input = body as Record<string, unknown>
  const allowed = ['client', 'user', 'scope', 'redirectUri', 'state', 'decision', 'codeChallenge', 'codeChallengeMethod']
  const problems: string[] = []
  for (const key of Object.keys(input)) if (!allowed.includes(key)) problems.push(`"${key}" is not a known key (allowed: ${allowed.join(', ')})`)
  if (typeof input.client !== 'string' || !input.client) problems.push('"client" must be a client id')
  for (const key of ['user', 'redirectUri', 'state', 'codeChallenge', 'codeChallengeMethod']) {
    if (input[key] !== undefined && typeof input[key] !== 'string') problems.push(`"${key}" must be a string`)
  }
  if (input.scope !== undefined && typeof input.scope !== 'string' && !(Array.isArray(input.scope) && input.scope.every((s) => typeof s === 'string'))) {
    problems.push('"scope" must be a string or a list of strings')
  }
  if (input.decision !== undefined && input.decision !== 'approve' && input.decision !== 'deny') problems.push('"decision" must be "approve" or "deny"')
  if (problems.length) throw new OptionsError(problems.join('; '), problems)
  return input as unknown as AuthorizeShortcutInput
}

/** The username the shortcut acts as: the one given, else the provider's first user; throws naming the known ones. */
export function shortcutUser<U extends { username: string }>(users: U[], given: string | undefined): U {
  const user = given === undefined ? users[0] : users.find((u) => u.username === given)
  if (!user) throw new AccountError(`no user "${given}" (known: ${users.map((u) => u.username).join(', ') || 'none'})`)
  return user
}

/** Other providers on the same `serve`, for the index page's links. */
const siblings = new WeakMap<ProviderRuntime, ProviderRuntime[]>()

/** Called by `serve`: each provider's index page then lists every provider it runs beside. */
export function linkProviders(providers: ProviderRuntime[]): void {
  for (const provider of providers) siblings.set(provider, providers)
}

export function providersBeside(provider: ProviderRuntime): ProviderRuntime[] {
  return siblings.get(provider) ?? [provider]
}

export interface ControlRequest {
  method: string
  /** After the prefix, without a trailing slash. */
  path: string
  url: URL
  headers: RequestHeaders
  readText(): string | Promise<string>
}

const json = (value: unknown, status = 200) => Reply.json(status, value, { 'Cache-Control': 'no-store' })
const fail = (status: number, message: string, problems?: string[]) => json(problems && problems.length > 1 ? { error: message, problems } : { error: message }, status)

/** Requires a JSON body (`application/json` or `+json`) and parses it; a refusal is an answer. */
async function readJsonBody(request: ControlRequest): Promise<{ body: unknown } | Reply> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    return fail(415, 'the body must be JSON, sent with "Content-Type: application/json"')
  }
  let text: string
  try {
    text = await request.readText()
  } catch {
    return fail(413, 'the body is too large')
  }
  try {
    return { body: JSON.parse(text) }
  } catch {
    return fail(400, 'the body is not valid JSON')
  }
}

function problemAnswer(error: unknown): Reply {
  if (error instanceof OptionsError) return fail(400, error.message, error.problems)
  if (error instanceof AccountError) return fail(error.conflict ? 409 : 400, error.message)
  throw error
}

/**
 * Answers the control paths above, or returns undefined for any other (the
 * runtime answers the rest, and 404 for unknown ones).
 */
export async function answerControlRequest(provider: ProviderRuntime, request: ControlRequest): Promise<Reply | undefined> {
  const { method, path } = request
  const read = () => readJsonBody(request)
  try {
    if (path === '' || path === 'index.json' || path === 'index.html') {
      if (method !== 'GET' && method !== 'HEAD') return fail(405, 'the index is read with GET')
      const wantsJson = path === 'index.json' || (path === '' && prefersJson(request.headers.get('accept')))
      return wantsJson ? json(indexData(provider)) : renderIndexPage(provider)
    }
    if (path === 'options') {
      if (method === 'GET') return json({ options: provider.options.get() })
      if (method !== 'POST') return fail(405, 'options are read with GET and changed with POST')
      const body = await read()
      if (body instanceof Reply) return body
      return json({ options: provider.options.set(body.body as Record<string, unknown>) })
    }
    if (path === 'authorize') {
      if (method !== 'POST') return fail(405, 'the authorize shortcut is a POST')
      if (!hasAuthorize(provider)) return fail(404, `${provider.id} has no authorization endpoint: its only grant is client credentials`)
      const body = await read()
      if (body instanceof Reply) return body
      const result = await provider.authorize(readAuthorizeInput(body.body))
      return json(result, result.redirect === null ? 400 : 200)
    }
    const match = /^(clients|users)(?:\/(.+))?$/.exec(path)
    if (match) {
      const kind = match[1] as Kind
      const accounts = provider[kind]
      if (match[2] !== undefined) {
        if (method !== 'DELETE') return fail(405, `one of the ${kind} is removed with DELETE`)
        let key: string
        try {
          key = decodeURIComponent(match[2])
        } catch {
          return fail(400, 'the path is not valid percent-encoding')
        }
        return (await accounts.remove(key)) ? new Reply(204, {}, null) : fail(404, `no ${kind === 'clients' ? 'client' : 'user'} "${key}"`)
      }
      if (method === 'GET') return json({ [kind]: accounts.list() })
      if (method !== 'POST') return fail(405, `${kind} are listed with GET, added with POST and removed with DELETE ${kind}/<id>`)
      if (!accounts.schema) return fail(404, (kind === 'users' && accounts.definition?.noUsers) || `${provider.id} cannot add ${kind}`)
      const body = await read()
      if (body instanceof Reply) return body
      return json(await accounts.add(body.body as Record<string, unknown>), 201)
    }
    return undefined
  } catch (error) {
    return problemAnswer(error)
  }
}

function hasAuthorize(provider: ProviderRuntime): boolean {
  return provider.routes.some((route) => route.id.endsWith('.authorize'))
}

/** Whether an `Accept` header asks for JSON before HTML (a browser's asks for HTML first). */
function prefersJson(accept: string | null): boolean {
  if (!accept) return false
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase())
  const jsonAt = types.findIndex((t) => t === 'application/json' || t.endsWith('+json'))
  const htmlAt = types.findIndex((t) => t === 'text/html')
  return jsonAt !== -1 && (htmlAt === -1 || jsonAt < htmlAt)
}
