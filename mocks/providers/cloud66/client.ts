import { formTokenRequest, readJsonToken, RFC_GRANT_TYPES, type ClientProfile } from '../../core/define.js'

// cloud66-api-basics.md passes the token as the access_token query parameter.
const presentToken = (url: URL, _headers: Headers, token: string) => url.searchParams.set('access_token', token)

/** A Cloud 66 client written from cloud66-api-basics.md. */
export const cloud66Client: ClientProfile = {
  api: {
    grant: 'authorization_code',
    grantTypes: RFC_GRANT_TYPES,
    clientAuth: 'body',
    pkce: false,
    presentToken,
    rejectedTokenStatuses: [401],
    operations: { stacks: { method: 'GET', path: () => '/stacks.json' } },
  },
  exampleApp: {
    label: 'Cloud 66',
    authorizePath: '/oauth/authorize',
    tokenPath: '/oauth/token',
    scope: 'public',
    grantTypes: { code: 'authorization_code', refresh: 'refresh_token' },
    // Cloud 66 answers urlencoded unless asked for JSON by Accept.
    tokenRequest: formTokenRequest,
    readToken: readJsonToken,
    // The browser adapter's run found the app sending a Bearer header instead: the query it is.
    presentToken,
    dataOperation: 'stacks',
    dataPath: '/api/2/stacks.json',
    async readData(response) {
      const body = (await response.json()) as { response: Array<{ name: string; environment: string }> }
      return {
        heading: 'Your Cloud 66 stacks',
        fields: body.response.map((stack, i) => ({ key: `stack-${i}`, label: stack.name, value: stack.environment })),
      }
    },
  },
}
