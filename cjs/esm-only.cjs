'use strict'
// oauth-dance is an ES module package (so are its dependencies @msw/data and
// jose); `require()` resolves here so it fails with a message that says what
// to do, rather than deep inside a dependency.
const error = new Error(
  'oauth-dance is ESM-only and cannot be loaded with require(). ' +
    'Import it from an ES module ("type": "module" in package.json, or a .mjs/.mts file): ' +
    "import { createCarina } from 'oauth-dance'; " +
    "or, from CommonJS, load it asynchronously: const { createCarina } = await import('oauth-dance').",
)
error.code = 'ERR_OAUTH_DANCE_ESM_ONLY'
throw error
