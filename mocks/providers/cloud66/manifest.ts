import { defineManifest } from '../../core/define.js'

/** The production origin of `cloud66-api-basics.md` (2013; the service later moved to app.cloud66.com). */
export const CLOUD66_BASE_URL = 'https://www.cloud66.com'

/** What `serve` and the CLI know of Cloud 66 before its code is loaded (mocks/manifests.ts); its definition (index.ts) spreads it. */
export const cloud66Manifest = defineManifest({
  id: 'cloud66',
  label: 'Cloud 66',
  origins: { default: { name: 'cloud66', offset: 3, url: CLOUD66_BASE_URL } },
  basePath: '',
})
