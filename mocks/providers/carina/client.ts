import { readJsonToken, RFC_GRANT_TYPES, type ClientProfile } from '../../core/define.js'

// carina-oauth.txt: "Poll the cluster credentials endpoint at a reasonable interval, such as every 30 seconds, until the cluster is active."
const clusterCredentialsPoll = {
  notReady: (status: number, body: string) => status === 404 && body.includes('not yet active'),
  everySeconds: 30,
  maxWaitSeconds: 600,
}
const clusterPath = (a: Record<string, string>) => `/clusters/${encodeURIComponent(a.name)}`
// carina-oauth.txt: "All requests must include an authorization header, `Authorization: bearer <access_token>`".
const presentToken = (_url: URL, headers: Headers, token: string) => headers.set('authorization', `bearer ${token}`)

/** A Carina client written from carina-oauth.txt. */
export const carinaClient: ClientProfile = {
  api: {
    grant: 'authorization_code',
    grantTypes: RFC_GRANT_TYPES,
    clientAuth: 'basic',
    // Doorkeeper 3 had no PKCE; the parameters would be ignored.
    pkce: false,
    presentToken,
    rejectedTokenStatuses: [401],
    operations: {
      me: { method: 'GET', path: () => '/me' },
      'create-cluster': { method: 'PUT', path: clusterPath, body: '{}' },
      'cluster-credentials': { method: 'GET', path: clusterPath, poll: clusterCredentialsPoll },
    },
  },
  exampleApp: {
    label: 'Carina',
    authorizePath: '/oauth/authorize',
    tokenPath: '/oauth/token',
    scope: 'identity',
    grantTypes: { code: 'authorization_code', refresh: 'refresh_token' },
    // carina-oauth.txt: a JSON body carrying the client id and secret.
    tokenRequest: ({ params, clientId, clientSecret }) => ({
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ client_id: clientId, client_secret: clientSecret, ...params }),
    }),
    readToken: readJsonToken,
    presentToken,
    dataOperation: 'me',
    dataPath: '/me',
    async readData(response) {
      const profile = (await response.json()) as Record<string, unknown>
      return {
        heading: 'Your Carina profile',
        fields: [
          { key: 'username', label: 'Username', value: String(profile.username) },
          { key: 'full-name', label: 'Full name', value: String(profile.full_name) },
          { key: 'email', label: 'Email', value: String(profile.email) },
        ],
      }
    },
    operations: {
      'create-cluster': {
        label: 'Create a cluster',
        method: 'PUT',
        path: clusterPath,
        fields: ['name'],
        body: '{}',
        async describe(response) {
          const cluster = (await response.json()) as Record<string, unknown>
          return `Cluster ${String(cluster.cluster_name)} is ${String(cluster.status)}.`
        },
      },
      'cluster-credentials': {
        label: 'Download cluster credentials',
        method: 'GET',
        path: clusterPath,
        fields: ['name'],
        poll: clusterCredentialsPoll,
        async describe(response) {
          const zip = new Uint8Array(await response.arrayBuffer())
          return `Credentials ready: ${zip.byteLength} bytes of ${response.headers.get('content-type') ?? 'data'}.`
        },
      },
    },
  },
}
