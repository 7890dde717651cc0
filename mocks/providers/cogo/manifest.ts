import { defineManifest } from '../../core/define.js'

/**
 * Concrete defaults for the document's `https://auth.[env].[name].carbonengine.co`
 * and `https://api.[env].[name].carbonengine.co` (env `sandbox`, name `example`).
 */
export const COGO_AUTH_BASE_URL = 'https://auth.sandbox.example.carbonengine.co'
export const COGO_API_BASE_URL = 'https://api.sandbox.example.carbonengine.co'

/** What `serve` and the CLI know of Cogo before its code is loaded (mocks/manifests.ts); its definition (index.ts) spreads it. */
export const cogoManifest = defineManifest({
  id: 'cogo',
  label: 'Cogo',
  // The token host and the API host differ (cogo-carbon-engine-auth.txt).
  origins: { auth: { name: 'cogo-auth', offset: 4, url: COGO_AUTH_BASE_URL }, api: { name: 'cogo-api', offset: 5, url: COGO_API_BASE_URL } },
  basePath: '',
})
