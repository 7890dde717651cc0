import { defineManifest } from '../../core/define.js'

/** The production origin named in carina-oauth.txt. */
export const CARINA_BASE_URL = 'https://oauth.getcarina.com'

/** What `serve` and the CLI know of Carina before its code is loaded (mocks/manifests.ts); its definition (index.ts) spreads it. */
export const carinaManifest = defineManifest({
  id: 'carina',
  label: 'Carina',
  origins: { default: { name: 'carina', offset: 1, url: CARINA_BASE_URL } },
  basePath: '',
})
