// Bundles the CLI into dist/bundle/ (after tsc), for `serve`'s start-up. What
// `serve` needs at start goes in, so Node does not resolve, read and compile it
// file by file: @msw/data (es-toolkit's hundreds of ES modules, ~0.4 s on Node
// 20), zod (~60 ES modules; imported as `import * as z`, so esbuild keeps only
// the parts the CLI uses), commander and cookie. The other dependencies, which
// `serve` does not load (jose's few modules aside), and the peers are imported
// from where npm installed them beside the package.
// The harness and the browser adapter stay separate chunks, loaded on demand.
import { build } from 'esbuild'
import { readFileSync, rmSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const INLINED = new Set(['@msw/data', 'zod', 'commander', 'cookie'])

/** esbuild's options for the bin's bundle (bench/keystone-alone.mjs bundles with them too). */
export function binBundleOptions() {
  return {
    entryPoints: ['dist/bin/oauth-dance.js'],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: 'dist/bundle',
    external: [
      ...Object.keys(pkg.dependencies).filter((name) => !INLINED.has(name)),
      ...Object.keys(pkg.peerDependencies),
      // Optional, loaded only when used: tsx (`--client module:x.ts`), Playwright's internals.
      'tsx',
      'playwright-core',
      'playwright',
      'fsevents',
    ],
    // commander is CommonJS and requires Node's built-ins: give the ES chunks a `require`.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    // No source maps: the package ships no TypeScript sources for them to point to.
    sourcemap: false,
    logLevel: 'warning',
  }
}

// Run as a script (npm run build, npm run bench); imported, it only lends its options.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Chunk names carry content hashes: clear the old ones (`npm run bench` bundles without `npm run build`).
  rmSync(new URL('../dist/bundle', import.meta.url), { recursive: true, force: true })
  await build(binBundleOptions())
}
