// Bundles the CLI into dist/bundle/ (after tsc): Node 20 spent ~400 ms resolving
// and loading the several hundred ES modules `serve` imports (es-toolkit's alone
// are hundreds); one bundle loads in ~80 ms, so `serve` answers sooner.
// The harness and the browser adapter stay separate chunks, loaded on demand;
// Playwright and tsx stay outside (optional peers, loaded only when used).
import { build } from 'esbuild'

await build({
  entryPoints: ['dist/bin/oauth-dance.js'],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  external: ['@playwright/test', 'playwright-core', 'playwright', 'tsx', 'fsevents'],
  // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __oauthDanceCreateRequire } from 'node:module'; const require = __oauthDanceCreateRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
})
