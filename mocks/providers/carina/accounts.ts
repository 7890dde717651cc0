import * as z from '../../store/zod.js'
import {
  addDeveloperApplication,
  createUser,
  developerApplicationSchema,
  redirectUrisChecked,
  removeClient,
  removeUser,
  userIdentity,
} from '../../control/accounts.js'
import type { AccountsDefinition } from '../../control/control-api.js'
import { parseRedirectUris } from './applications.js'
import type { CarinaRuntime } from './config.js'
import { CARINA_SCOPES } from './options.js'

/** Carina's developer applications and Rackspace users, added without the pages (`/__oauth-dance/clients`, the config file). */
export const carinaAccounts: AccountsDefinition<CarinaRuntime> = {
  clientNoun: 'developer application',
  clientSchema: developerApplicationSchema(
    CARINA_SCOPES,
    redirectUrisChecked(
      (uris) => parseRedirectUris(uris.join('\n')).errors,
      'https redirect URIs, or urn:ietf:wg:oauth:2.0:oob (what the New Application page accepts)',
    ),
  ),
  addClient: (provider, input) => addDeveloperApplication(provider, input, CARINA_SCOPES),
  removeClient: (provider, id) => removeClient(provider.store, id),
  userSchema: z.strictObject({
    ...userIdentity,
    email: z.optional(z.string()).check(z.describe('Shown by GET /me')),
    fullName: z.optional(z.string()).check(z.describe('full_name of GET /me')),
  }),
  async addUser(provider, input) {
    const { store } = provider
    // Rackspace user ids are numbers (GET /me shows "id": 123).
    const id = Math.max(0, ...store.users.collection.findMany().map((u) => Number(u.id) || 0)) + 1
    const username = input.username as string
    const user = await createUser(store, input as never, {
      id: String(id),
      profile: { id, username, email: input.email ?? null, full_name: input.fullName ?? username },
    })
    return { username: user.username, password: user.password }
  },
  removeUser: (provider, username) => removeUser(provider.store, username),
}
