import { RFC_GRANT_TYPES, presentBearerHeader, type ClientProfile } from '../../core/define.js'

/** A Cogo client written from cogo-carbon-engine-auth.txt. */
export const cogoClient: ClientProfile = {
  api: {
    grant: 'client_credentials',
    grantTypes: RFC_GRANT_TYPES,
    // "The client must pass their client_id and client_secret in the Authorization header using Basic HTTP authorization."
    clientAuth: 'basic',
    pkce: false,
    presentToken: presentBearerHeader,
    // "Requests which do not have a valid Authorization header will fail with a 403 HTTP status code."
    rejectedTokenStatuses: [401, 403],
    operations: { categories: { method: 'GET', path: () => '/api/v2/categories' } },
  },
}
