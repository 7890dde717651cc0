import { formTokenRequest, readJsonToken, type ClientProfile } from '../../core/define.js'

const presentToken = (_url: URL, headers: Headers, token: string) => headers.set('authorization', `Token token="${token}"`)

function decodeXml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!)
}

/** A GoCD client written from gocd-oauth.txt. */
export const gocdClient: ClientProfile = {
  api: {
    grant: 'authorization_code',
    // gocd-oauth.txt: "Should be 'authorization-code' for this request."
    grantTypes: { code: 'authorization-code', refresh: 'refresh-token', clientCredentials: 'client_credentials' },
    clientAuth: 'body',
    refreshNeedsRedirectUri: true,
    pkce: false,
    presentToken,
    rejectedTokenStatuses: [401],
    operations: { cctray: { method: 'GET', path: () => '/go/cctray.xml' } },
  },
  exampleApp: {
    label: 'GoCD',
    authorizePath: '/go/oauth/authorize',
    tokenPath: '/go/oauth/token',
    scope: '',
    grantTypes: { code: 'authorization-code', refresh: 'refresh-token' },
    refreshNeedsRedirectUri: true,
    // gocd-oauth.txt: a form body with the hyphenated grant type.
    tokenRequest: formTokenRequest,
    readToken: readJsonToken,
    presentToken,
    dataOperation: 'cctray',
    dataPath: '/go/cctray.xml',
    async readData(response) {
      const xml = await response.text()
      const projects = [...xml.matchAll(/<Project\b[^>]*\bname="([^"]*)"[^>]*\blastBuildStatus="([^"]*)"/g)]
      return {
        heading: 'Your GoCD pipelines',
        fields: projects.map((m, i) => ({ key: `project-${i}`, label: decodeXml(m[1]), value: decodeXml(m[2]) })),
      }
    },
  },
}
