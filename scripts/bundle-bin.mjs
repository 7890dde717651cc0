// Bundles the CLI into dist/bundle/ (after tsc), for `serve`'s start-up: Node 20
// spends ~400 ms resolving and loading the several hundred ES modules that
// @msw/data imports (es-toolkit's alone are hundreds); bundled, they load in a
// few milliseconds. Only the project's own code and @msw/data (with what it
// imports) go in: every other dependency is installed beside the package and
// imported from there, so the tarball does not carry copies of them.
// The harness and the browser adapter stay separate chunks, loaded on demand.
import { build } from 'esbuild'
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const INLINED = new Set(['@msw/data'])
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
})
