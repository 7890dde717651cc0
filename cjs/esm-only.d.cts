/**
 * oauth-dance is ESM-only: `require('oauth-dance')` throws
 * ERR_OAUTH_DANCE_ESM_ONLY at run time. Import it from an ES module
 * (`"type": "module"` in package.json, or a .mts file), or load it with
 * `await import('oauth-dance')` from CommonJS.
 */
export declare const OAUTH_DANCE_IS_ESM_ONLY: 'use import, or await import("oauth-dance"), instead of require'
