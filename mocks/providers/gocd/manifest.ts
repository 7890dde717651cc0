import { defineManifest } from '../../core/define.js'

/** The production origin of gocd-oauth.txt's text ("Send a request to: https://your-go-server.com:8154/oauth/authorize"). */
export const GOCD_BASE_URL = 'https://your-go-server.com:8154'

/** What `serve` and the CLI know of GoCD before its code is loaded (mocks/manifests.ts); its definition (index.ts) spreads it. */
export const gocdManifest = defineManifest({
  id: 'gocd',
  label: 'GoCD',
  origins: { default: { name: 'gocd', offset: 6, url: GOCD_BASE_URL } },
  basePath: '',
})
