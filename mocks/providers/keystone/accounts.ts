import * as z from '../../store/zod.js'
import { clientIdentity, findUser, userIdentity } from '../../control/accounts.js'
import { AccountError, type AccountsDefinition } from '../../control/control-api.js'
import { randomBase64Url, randomHex } from '../../core/secrets.js'
import { keystoneFixtures } from '../../../fixtures/keystone.js'
import type { KeystoneRuntime } from './config.js'
import type { ApplicationCredential, KeystoneStore } from './store.js'

/** A project by id or name, or an error naming the known ones. */
function findProject(store: KeystoneStore, idOrName: string) {
  const project = store.projects.by('id', idOrName) ?? store.projects.collection.findFirst((q) => q.where({ name: idOrName }))
  if (!project)
    throw new AccountError(
      `no project "${idOrName}" (known: ${store.projects.collection
        .findMany()
        .map((p) => p.name)
        .join(', ')})`,
    )
  return project
}

function checkRoles(provider: KeystoneRuntime, roles: string[]): void {
  const known = provider.config.roles.map((r) => r.name)
  const unknown = roles.filter((r) => !known.includes(r))
  if (unknown.length) throw new AccountError(`no role ${unknown.map((r) => `"${r}"`).join(', ')} (known: ${known.join(', ')})`)
}

/** The entry `list()` and `serve --json` show for an application credential. */
export function listedCredential(store: KeystoneStore, credential: ApplicationCredential) {
  return {
    id: credential.id,
    secret: credential.secret,
    name: credential.name,
    redirectUris: [] as string[],
    scopes: [] as string[],
    user: store.users.by('id', credential.userId)?.username ?? credential.userId,
    userId: credential.userId,
    projectId: credential.projectId,
    roles: credential.roles,
  }
}

/**
 * Keystone's OAuth 2.0 clients are application credentials: each belongs to a
 * user and delegates some of that user's roles on one project (api-ref v3
 * "Application Credentials"); its id and secret are the client id and secret.
 */
export const keystoneAccounts: AccountsDefinition<KeystoneRuntime> = {
  clientNoun: 'application credential',
  clientCollection: 'applicationCredentials',
  clientSchema: z.strictObject({
    ...clientIdentity,
    name: clientIdentity.name.check(z.describe('The application credential name, unique per user')),
    user: z.string().check(z.minLength(1, { error: 'must not be empty' }), z.describe('Username of the user it belongs to')),
    project: z.optional(z.string()).check(z.describe("Project id or name it is scoped to (default: the user's default project)")),
    roles: z
      .optional(z.array(z.string()).check(z.minLength(1, { error: 'must name at least one role' })))
      .check(z.describe("Role names it delegates (default: the user's roles)")),
    description: z.optional(z.string()),
    expiresAt: z
      .optional(z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date and time' }))
      .check(z.describe('When it stops working (default: never)')),
  }),
  async addClient(provider, input) {
    const { store } = provider
    const user = findUser(store, input.user as string)
    const profile = user.profile as { defaultProjectId?: string; roles?: string[] }
    const project = findProject(store, (input.project as string | undefined) ?? profile.defaultProjectId ?? '')
    const roles = (input.roles as string[] | undefined) ?? profile.roles ?? ['member']
    checkRoles(provider, roles)
    const id = (input.id as string | undefined) ?? randomHex(16)
    const name = input.name as string
    if (store.applicationCredentials.by('id', id)) throw new AccountError(`an application credential with the id "${id}" already exists`, true)
    // Keystone answers 409 for a second credential of the same name for a user.
    if (store.applicationCredentials.by('userName', `${user.id}/${name}`))
      throw new AccountError(`user "${user.username}" already has an application credential named "${name}"`, true)
    const credential = await store.applicationCredentials.collection.create({
      id,
      name,
      userName: `${user.id}/${name}`,
      userId: user.id,
      projectId: project.id,
      // keystone/api/users.py _generate_secret: 64 random bytes, URL-safe base64 without padding.
      secret: (input.secret as string | undefined) ?? randomBase64Url(64),
      description: (input.description as string | undefined) ?? null,
      expiresAtMs: input.expiresAt ? Date.parse(input.expiresAt as string) : null,
      roles,
      unrestricted: false,
      accessRules: [],
      createdAtMs: provider.clock.nowMs(),
    })
    return listedCredential(store, credential)
  },
  listClients: (provider) =>
    provider.store.applicationCredentials.collection
      .findMany()
      .filter((c) => c.id !== keystoneFixtures.brokenApplicationCredential.id)
      .map((c) => listedCredential(provider.store, c)),
  async removeClient(provider, id) {
    const credential = provider.store.applicationCredentials.by('id', id)
    if (!credential) return false
    // Its tokens stop working at once, as after DELETE .../application_credentials/{id}.
    await provider.store.applicationCredentials.collection.delete(credential)
    return true
  },
  userSchema: z.strictObject({
    ...userIdentity,
    id: z
      .optional(z.string().check(z.regex(/^[0-9a-f]{32}$/, { error: 'must be 32 hex digits, as Keystone ids are' })))
      .check(z.describe('User id (default: random 32 hex digits); the client_id of mutual TLS')),
    email: z.optional(z.string()),
    defaultProject: z.optional(z.string()).check(z.describe('Project id or name (default: "demo")')),
    roles: z
      ._default(z.array(z.string()).check(z.minLength(1, { error: 'must name at least one role' })), ['member'])
      .check(z.describe('Role names on the default project')),
  }),
  async addUser(provider, input) {
    const { store } = provider
    const project = findProject(store, (input.defaultProject as string | undefined) ?? keystoneFixtures.user.defaultProjectId)
    checkRoles(provider, input.roles as string[])
    const username = input.username as string
    if (store.users.by('username', username)) throw new AccountError(`a user named "${username}" already exists`, true)
    const id = (input.id as string | undefined) ?? randomHex(16)
    if (store.users.by('id', id)) throw new AccountError(`a user with the id "${id}" already exists`, true)
    const user = await store.users.collection.create({
      id,
      username,
      password: input.password as string,
      profile: {
        name: username,
        email: (input.email as string | undefined) ?? `${username}@example.com`,
        domainId: provider.config.domain.id,
        defaultProjectId: project.id,
        roles: input.roles,
      },
    })
    return { username: user.username, password: user.password, id: user.id, defaultProjectId: project.id }
  },
  async removeUser(provider, username) {
    const { store } = provider
    const user = store.users.by('username', username)
    if (!user) return false
    // Deleting a Keystone user deletes their application credentials and revokes their tokens.
    store.applicationCredentials.collection.deleteMany((q) => q.where({ userId: user.id }))
    store.tokens.collection.deleteMany((q) => q.where({ userId: user.id }))
    store.users.collection.delete(user)
    return true
  },
}
