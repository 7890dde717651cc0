import * as z from '../../store/zod.js'
import { clientIdentity, createClient, listedClient, removeClient } from '../../control/accounts.js'
import type { AccountsDefinition } from '../../control/control-api.js'
import type { CogoRuntime } from './config.js'

/** Cogo's machine-to-machine clients (client credentials only); Cogo has no users. */
export const cogoAccounts: AccountsDefinition<CogoRuntime> = {
  clientNoun: 'client',
  clientSchema: z.strictObject(clientIdentity),
  async addClient(provider, input) {
    const client = await createClient(provider.store, provider.clock.nowMs(), input as never, { grantTypes: ['client_credentials'] })
    return { ...listedClient(client, []), redirectUris: [] }
  },
  removeClient: (provider, id) => removeClient(provider.store, id),
  noUsers: 'cogo has no users: its only grant is client credentials (machine to machine)',
}
