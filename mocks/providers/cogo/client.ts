import type { ClientProfile } from '../../core/define.js'

/** A Cogo client written from cogo-carbon-engine-auth.txt. */
export const cogoClient: ClientProfile = {
  api: {
    grant: 'client_credentials',
    grantTypes: { code: 'authorization_code', refresh: 'refresh_token', clientCredentials: 'client_credentials' },
    // "The client must pass their client_id and client_secret in the Authorization header using Basic HTTP authorization."
    clientAuth: 'basic',
    pkce: false,
    presentToken: (_url, headers, token) => headers.set('authorization', `Bearer ${token}`),
    // "Requests which do not have a valid Authorization header will fail with a 403 HTTP status code."
    rejectedTokenStatuses: [401, 403],
    operations: { categories: { method: 'GET', path: () => '/api/v2/categories' } },
  },
}
