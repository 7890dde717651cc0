import * as z from '../store/zod.js'
import { randomHex } from '../core/secrets.js'
import type { Client, Store, User } from '../store/index.js'
import { AccountError } from './control-api.js'

/**
 * Helpers for the providers' `accounts` (mocks/providers/<id>/accounts.ts):
 * the fields every client and user has, and adding and removing them in the
 * core store's collections.
 */

/** `id` and `secret` of a new client: given, or random as the provider's registration page makes them. */
export const clientIdentity = {
  id: z
    .optional(z.string().check(z.minLength(1, { error: 'must not be empty' })))
    .check(z.describe('client_id (default: random, as the registration page makes it)')),
  secret: z.optional(z.string().check(z.minLength(1, { error: 'must not be empty' }))).check(z.describe('client_secret (default: random)')),
  name: z.string().check(z.minLength(1, { error: 'must not be empty' }), z.describe('The name the consent page shows')),
}

export const userIdentity = {
  username: z.string().check(z.minLength(1, { error: 'must not be empty' }), z.describe('The login name')),
  password: z.string().check(z.minLength(1, { error: 'must not be empty' }), z.describe('The password the login page takes')),
}

/** A zod check over a list of redirect URIs with the provider's own validator (the words its registration page shows). */
export function redirectUrisChecked(validate: (uris: string[]) => string[], description: string) {
  return z.array(z.string()).check(
    z.minLength(1, { error: 'must list at least one redirect URI' }),
    z.superRefine((uris, ctx) => {
      for (const message of validate(uris)) ctx.addIssue({ code: 'custom', message })
    }),
    z.describe(description),
  )
}

/** The users and clients of the core store; codes, grants, tokens and sessions are removed with them where the provider keeps them. */
type CoreStore = Pick<Store, 'users' | 'clients'>

/** The user named `username`, or an error naming the known ones. */
export function findUser(store: Pick<Store, 'users'>, username: string): User {
  const user = store.users.by('username', username)
  if (!user)
    throw new AccountError(
      `no user "${username}" (known: ${
        store.users.collection
          .findMany()
          .map((u) => u.username)
          .join(', ') || 'none'
      })`,
    )
  return user
}

export async function createClient(
  store: CoreStore,
  nowMs: number,
  input: { id?: string; secret?: string; name: string; redirectUris?: string[]; scopes?: string[] },
  extra: Partial<Pick<Client, 'ownerId' | 'grantTypes' | 'meta'>> = {},
): Promise<Client> {
  const clientId = input.id ?? randomHex(32)
  if (store.clients.by('clientId', clientId)) throw new AccountError(`a client with the id "${clientId}" already exists`, true)
  return store.clients.collection.create({
    clientId,
    clientSecret: input.secret ?? randomHex(32),
    name: input.name,
    redirectUris: input.redirectUris ?? [],
    scopes: input.scopes ?? [],
    createdAtMs: nowMs,
    ...extra,
  })
}

/** The query a collection's `deleteMany` hands its predicate, as used here. */
interface RecordQuery {
  where(fields: Record<string, string>): unknown
}

/** Removes a client with its codes, grants and tokens (as its Destroy button does); false when there is none. */
export async function removeClient(store: CoreStore, clientId: string): Promise<boolean> {
  const client = store.clients.by('clientId', clientId)
  if (!client) return false
  for (const name of ['codes', 'grants', 'tokens'] as const) {
    const collection = (store as unknown as Record<string, { collection?: unknown } | undefined>)[name]?.collection as
      { deleteMany(predicate: (q: RecordQuery) => unknown): unknown } | undefined
    collection?.deleteMany((q) => q.where({ clientId }))
  }
  store.clients.collection.delete(client)
  return true
}

export async function createUser(
  store: CoreStore,
  input: { username: string; password: string },
  extra: Partial<Pick<User, 'id' | 'profile' | 'admin'>> = {},
): Promise<User> {
  if (store.users.by('username', input.username)) throw new AccountError(`a user named "${input.username}" already exists`, true)
  const id = extra.id ?? randomHex(16)
  if (store.users.by('id', id)) throw new AccountError(`a user with the id "${id}" already exists`, true)
  return store.users.collection.create({ id, username: input.username, password: input.password, profile: extra.profile ?? {}, admin: extra.admin ?? false })
}

/** Removes a user with their sessions, grants, codes and tokens; false when there is none. */
export async function removeUser(store: CoreStore, username: string): Promise<boolean> {
  const user = store.users.by('username', username)
  if (!user) return false
  for (const name of ['sessions', 'codes', 'grants', 'tokens'] as const) {
    const collection = (store as unknown as Record<string, { collection?: unknown } | undefined>)[name]?.collection as
      { deleteMany(predicate: (q: RecordQuery) => unknown): unknown } | undefined
    collection?.deleteMany((q) => q.where({ userId: user.id }))
  }
  store.users.collection.delete(user)
  return true
}

/**
 * A developer application (Carina, Cloud 66): its fields, with the redirect
 * URIs checked by the provider's page rule and the scopes limited to its own.
 */
export function developerApplicationSchema(scopes: Record<string, string>, redirectUris: ReturnType<typeof redirectUrisChecked>) {
  return z.strictObject({
    ...clientIdentity,
    redirectUris,
    scopes: z.optional(z.array(z.enum(Object.keys(scopes) as [string, ...string[]]))).check(z.describe('Scopes it may request (default: all)')),
    owner: z.optional(z.string()).check(z.describe('Username of the developer who registered it (default: the first user)')),
  })
}

/** Adds a developer application for its `owner` (default the first user), listed with the provider's scopes. */
export async function addDeveloperApplication(
  provider: { store: CoreStore; clock: { nowMs(): number } },
  input: Record<string, unknown>,
  scopes: Record<string, string>,
) {
  const { store } = provider
  const owner = typeof input.owner === 'string' ? findUser(store, input.owner) : store.users.collection.findFirst()
  const client = await createClient(store, provider.clock.nowMs(), input as never, { ownerId: owner?.id ?? null })
  return listedClient(client, Object.keys(scopes))
}

/** A core store's clients and users as `describe()` (and `serve --json`) lists them; `scopes` for a client registered without any. */
export function listedAccounts(store: CoreStore, scopes: string[]) {
  return {
    clients: store.clients.collection.findMany().map((c) => listedClient(c, scopes)),
    users: store.users.collection.findMany().map((u) => ({ username: u.username, password: u.password })),
  }
}

/** The entry `list()` and `serve --json` show for a core client. */
export function listedClient(client: Client, scopes: string[]) {
  return {
    id: client.clientId,
    secret: client.clientSecret,
    name: client.name,
    redirectUris: client.redirectUris,
    scopes: client.scopes.length ? client.scopes : scopes,
  }
}
