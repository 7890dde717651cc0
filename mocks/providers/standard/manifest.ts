import { defineManifest } from '../../core/define.js'

/**
 * `standard`: a modern OAuth 2.1 / OpenID Connect server built to today's RFCs
 * rather than to a legacy document. Its in-process origin is under the
 * reserved `.example` TLD (RFC 2606), so it can never collide with a real host.
 */
export const STANDARD_BASE_URL = 'https://auth.standard.example'

/** What `serve` and the CLI know of standard before its code is loaded (mocks/manifests.ts); its definition (index.ts) spreads it. */
export const standardManifest = defineManifest({
  id: 'standard',
  label: 'standard',
  origins: { default: { name: 'standard', offset: 7, url: STANDARD_BASE_URL } },
  basePath: '',
})
