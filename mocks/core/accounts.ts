import { describeIssues, OptionsError, type OptionsSchema } from './options.js'
import type { ProviderRuntime } from './provider.js'

/**
 * A provider's clients and users at run time (`provider.clients`,
 * `provider.users`), in its own terms, and those its options declare; the
 * control API (`mocks/control/`) answers `/__oauth-dance/clients` and
 * `/__oauth-dance/users` through them.
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
    if (this.#count() >= MAX_ACCOUNTS)
      throw new AccountError(`${this.provider.id} already has ${MAX_ACCOUNTS} ${this.kind}, the most it keeps; remove some or reset`, true)
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
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new OptionsError(`${context}: ${label} must be an object`, [`${label} must be an object`])
  const result = schema.safeParse(input)
  if (result.success) return result.data as Record<string, unknown>
  const problems = describeIssues(schema, input, result.error.issues, (path) =>
    [label, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/\.\[/g, '['),
  )
  throw new OptionsError(`${context}: ${problems.join('; ')}`, problems)
}

/** Adds what the provider's options (a config file) declare, after the fixtures, on every seeding (so `reset()` keeps them). */
export async function seedDeclaredAccounts(
  provider: ProviderRuntime,
  declared: { clients: ReadonlyArray<Record<string, unknown>>; users: ReadonlyArray<Record<string, unknown>> },
): Promise<void> {
  // Users first: a Keystone application credential names its user.
  for (const [i, user] of declared.users.entries()) await labelled(`${provider.id}.users[${i}]`, () => provider.users.add(user, `${provider.id}.users[${i}]`))
  for (const [i, client] of declared.clients.entries())
    await labelled(`${provider.id}.clients[${i}]`, () => provider.clients.add(client, `${provider.id}.clients[${i}]`))
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
