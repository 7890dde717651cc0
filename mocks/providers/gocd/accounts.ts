import * as z from '../../store/zod.js'
import {
  clientIdentity,
  createClient,
  createUser,
  findUser,
  listedClient,
  redirectUrisChecked,
  removeClient,
  removeUser,
  userIdentity,
} from '../../control/accounts.js'
import { AccountError, type AccountsDefinition } from '../../control/control-api.js'
import { REDIRECT_URI } from './admin-clients.js'
import type { GocdRuntime } from './config.js'

/** GoCD's OAuth clients (Admin > OAuth Clients, registered by an administrator) and users, added without the pages. */
export const gocdAccounts: AccountsDefinition<GocdRuntime> = {
  clientNoun: 'OAuth client',
  clientSchema: z.strictObject({
    ...clientIdentity,
    redirectUris: redirectUrisChecked(
      (uris) =>
        uris.length > 1
          ? ['a GoCD OAuth client has one Redirect URL']
          : uris.filter((u) => !REDIRECT_URI.test(u) || /\s/.test(u)).map((u) => `Redirect uri "${u}" is invalid`),
      'The one Redirect URL, http(s) (what the New OAuth Client page accepts)',
    ),
    registeredBy: z.optional(z.string()).check(z.describe('Username of the administrator who registers it (default: the first administrator)')),
  }),
  async addClient(provider, input) {
    const { store } = provider
    const admin =
      typeof input.registeredBy === 'string' ? findUser(store, input.registeredBy) : store.users.collection.findFirst((q) => q.where({ admin: true }))
    if (!admin?.admin)
      throw new AccountError(`OAuth clients are registered by a GoCD administrator, and ${admin ? `"${admin.username}" is not one` : 'there is none'}`)
    const client = await createClient(store, provider.clock.nowMs(), input as never, { ownerId: admin.id })
    return listedClient(client, [])
  },
  removeClient: (provider, id) => removeClient(provider.store, id),
  userSchema: z.strictObject({ ...userIdentity, admin: z._default(z.boolean(), false).check(z.describe('A Go administrator (manages OAuth clients)')) }),
  async addUser(provider, input) {
    const id = Math.max(0, ...provider.store.users.collection.findMany().map((u) => Number(u.id) || 0)) + 1
    const user = await createUser(provider.store, input as never, { id: String(id), admin: input.admin === true, profile: { name: input.username } })
    return { username: user.username, password: user.password }
  },
  removeUser: (provider, username) => removeUser(provider.store, username),
}
