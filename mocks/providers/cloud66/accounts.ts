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
import { validateCallbackUrl } from './applications.js'
import { CLOUD66_SCOPES, type Cloud66Runtime } from './config.js'

/** Cloud 66's applications (Account > Developers) and users, added without the pages. */
export const cloud66Accounts: AccountsDefinition<Cloud66Runtime> = {
  clientNoun: 'application',
  clientSchema: developerApplicationSchema(
    CLOUD66_SCOPES,
    redirectUrisChecked(
      (uris) =>
        uris.length > 1 ? ['a Cloud 66 application has one OAuth 2.0 callback URL'] : uris.map(validateCallbackUrl).filter((e): e is string => e !== undefined),
      'The one OAuth 2.0 callback URL: http(s) or urn:ietf:wg:oauth:2.0:oob (what the New Application page accepts)',
    ),
  ),
  addClient: (provider, input) => addDeveloperApplication(provider, input, CLOUD66_SCOPES),
  removeClient: (provider, id) => removeClient(provider.store, id),
  userSchema: z.strictObject({
    ...userIdentity,
    email: z.optional(z.string()).check(z.describe('The account email')),
    developer: z._default(z.boolean(), true).check(z.describe('Developer mode on (Account > Apps), which registering applications needs')),
  }),
  async addUser(provider, input) {
    const user = await createUser(provider.store, input as never, {
      profile: { email: input.email ?? `${input.username}@example.com`, developer: input.developer },
    })
    return { username: user.username, password: user.password }
  },
  removeUser: (provider, username) => removeUser(provider.store, username),
}
