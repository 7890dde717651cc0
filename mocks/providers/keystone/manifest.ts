import { defineManifest } from '../../core/define.js'

/**
 * Documented production-like origin with devstack's Apache mount point: the
 * seed's `POST /identity/v3/OS-OAUTH2/token` (PROVIDERS.md §1.1). Routes are
 * relative to it, so `https://host:5000` (Keystone at the root) works as well.
 */
export const KEYSTONE_BASE_URL = 'https://keystone.example.com/identity'

/** What `serve` and the CLI know of Keystone before its code is loaded (mocks/manifests.ts); its definition (index.ts) spreads it. */
export const keystoneManifest = defineManifest({
  id: 'keystone',
  label: 'Keystone',
  origins: { default: { name: 'keystone', offset: 2, url: KEYSTONE_BASE_URL } },
  // keystone-os-oauth2.rst's URLs sit under /identity (a devstack deployment).
  basePath: '/identity',
})
