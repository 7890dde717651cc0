// Bundles the CLI into dist/bundle/ (after tsc), for `serve`'s start-up: Node 20
// spends ~400 ms resolving and loading the several hundred ES modules that
// @msw/data imports (es-toolkit's alone are hundreds); bundled, they load in a
// few milliseconds. Every runtime dependency goes in (zod's and jose's own
// module graphs cost a third of `serve`'s start-up when imported from
// node_modules: docs/performance.md, "Startup: every dependency bundled"); the
// peers (msw) and optional tools stay outside. The tarball carries those
// copies (about 1 MB); the library entry points (dist/mocks/) still import the
// installed packages. The harness and the browser adapter stay separate
// chunks, loaded on demand.
import { build } from 'esbuild'
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const INLINED = new Set(Object.keys(pkg.dependencies))
const external = [
  ...Object.keys(pkg.dependencies).filter((name) => !INLINED.has(name)),
  ...Object.keys(pkg.peerDependencies),
  // Optional, loaded only when used: tsx (`--client module:x.ts`), Playwright's internals.
  'tsx',
  'playwright-core',
  'playwright',
  'fsevents',
]

await build({
  entryPoints: ['dist/bin/oauth-dance.js'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  external,
  // No source maps: the package ships no TypeScript sources for them to point to.
  sourcemap: false,
  logLevel: 'warning',
  // The CommonJS dependencies (commander) require Node's built-ins; an ES module has no `require` of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
})
