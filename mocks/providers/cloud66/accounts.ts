import { z } from 'zod'
import { clientIdentity, createClient, createUser, findUser, listedClient, redirectUrisChecked, removeClient, removeUser, userIdentity } from '../../control/accounts.js'
import type { AccountsDefinition } from '../../control/control-api.js'
import { validateCallbackUrl } from './applications.js'
import { CLOUD66_SCOPES, type Cloud66Runtime } from './config.js'

/** Cloud 66's applications (Account > Developers) and users, added without the pages. */
export const cloud66Accounts: AccountsDefinition<Cloud66Runtime> = {
  clientNoun: 'application',
  clientSchema: z
    .object({
      ...clientIdentity,
      redirectUris: redirectUrisChecked(
        (uris) => (uris.length > 1 ? ['a Cloud 66 application has one OAuth 2.0 callback URL'] : uris.map(validateCallbackUrl).filter((e): e is string => e !== undefined)),
        'The one OAuth 2.0 callback URL: http(s) or urn:ietf:wg:oauth:2.0:oob (what the New Application page accepts)',
      ),
      scopes: z.array(z.enum(Object.keys(CLOUD66_SCOPES) as [string, ...string[]])).optional().describe('Scopes it may request (default: all)'),
      owner: z.string().optional().describe('Username of the developer who registered it (default: the first user)'),
    })
    .strict(),
  async addClient(provider, input) {
    const { store } = provider
    const owner = typeof input.owner === 'string' ? findUser(store, input.owner) : store.users.collection.findFirst()
    const client = await createClient(store, provider.clock.nowMs(), input as never, { ownerId: owner?.id ?? null })
    return listedClient(client, Object.keys(CLOUD66_SCOPES))
  },
  removeClient: (provider, id) => removeClient(provider.store, id),
  userSchema: z
    .object({
      ...userIdentity,
      email: z.string().optional().describe('The account email'),
      developer: z.boolean().default(true).describe('Developer mode on (Account > Apps), which registering applications needs'),
    })
    .strict(),
  async addUser(provider, input) {
    const user = await createUser(provider.store, input as never, { profile: { email: input.email ?? `${input.username}@example.com`, developer: input.developer } })
    return { username: user.username, password: user.password }
  },
  removeUser: (provider, username) => removeUser(provider.store, username),
}
