// Bundles the CLI into dist/bundle/ (after tsc), for `serve`'s start-up. What
// `serve` needs at start goes in, so Node does not resolve, read and compile it
// file by file: @msw/data (es-toolkit's hundreds of ES modules, ~0.4 s on Node
// 20), zod (~60 ES modules), commander and cookie; and jose's parts the bin
// uses, as the chunks are CommonJS (below) and jose is ES modules only. The
// other dependencies, which `serve` does not load, and the peers are imported
// from where npm installed them beside the package.
//
// CommonJS chunks (.cjs), so that the bin compiles them from V8's code cache
// (bin/compile-cache.ts), which Node 20 offers no ES module.
//
// Rollup, for its manual chunks: serve's core (server, store, control paths,
// the core modules providers share, the manifests) is one chunk, zod one (and
// its JSON Schema printer, for the config file's schema, another),
// commander one, and each provider one, which the core loads only when `serve`
// builds that provider (mocks/manifests.ts): on its first request, unless the
// configuration sets it up. The browser flows' shared code (and cookie) is a
// chunk the providers with a browser flow import, and Keystone does not.
// Beside them, seeded-descriptions.json: what each provider describes when
// built with its fixtures (mocks/seeded.ts), which `serve` prints before
// building them. The harness and the browser adapter are chunks of their own,
// loaded on demand.
import { rollup } from 'rollup'
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import { transform } from 'esbuild'
import { readFileSync, rmSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replaceAll('\\', '/')
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
// jose too: it is ES modules only, and the bin's chunks are CommonJS (below), which Node 20 cannot require ES modules from.
const INLINED = new Set(['@msw/data', 'zod', 'commander', 'cookie', 'jose'])
const EXTERNAL = [
  ...Object.keys(pkg.dependencies).filter((name) => !INLINED.has(name)),
  ...Object.keys(pkg.peerDependencies),
  // Optional, loaded only when used: tsx (`--client module:x.ts`), Playwright's internals.
  'tsx',
  'playwright-core',
  'playwright',
  'fsevents',
]
const PROVIDER_MODULE = /^\/dist\/(?:mocks\/providers\/([a-z0-9]+)\/(?!manifest\.js$)|fixtures\/(carina|keystone|cloud66|cogo|gocd|standard)[-.])/
// The browser flows' shared code (authorization endpoint, login sessions and their cookies, bearer checks, JWKs): the
// providers with a browser flow import it, a client-credentials provider such as Keystone does not, nor does serve's start.
const FLOWS_MODULE = /^\/dist\/mocks\/(?:core\/(?:authorize|session|bearer|jwk)|control\/authorize-shortcut)\.js$/
const CORE_MODULE = /^\/dist\/mocks\/(?:(?:core|store|control)\/|providers\/[a-z0-9]+\/manifest\.js$|(?:server|manifests|package|config\/config-path)\.js$)/

/** The chunk a module goes in (undefined: where rollup puts it), by its path in the package. */
function chunkOf(path) {
  // From the package's root, with a leading slash: `/dist/mocks/server.js`, `/node_modules/zod/...`.
  const inPackage = path.replaceAll('\\', '/').slice(ROOT.length - 1)
  const provider = PROVIDER_MODULE.exec(inPackage)
  if (provider) return `provider-${provider[1] ?? provider[2]}`
  // zod's JSON Schema printer is for the config file's schema and help only, not serve's path.
  if (/\/node_modules\/zod\/v4\/core\/(?:to-json-schema|json-schema-processors|json-schema-generator)\.js$/.test(inPackage)) return 'zod-json-schema'
  if (inPackage.includes('/node_modules/zod/')) return 'zod'
  if (inPackage.includes('/node_modules/commander/')) return 'commander'
  if (FLOWS_MODULE.test(inPackage) || inPackage.includes('/node_modules/cookie/')) return 'flows'
  if (CORE_MODULE.test(inPackage) || /\/node_modules\/(?:@msw\/data|es-toolkit)\//.test(inPackage)) return 'core'
  return undefined
}

/**
 * Holds the bundle to what the chunks promise: no provider's code outside its
 * own chunk; nothing `serve` loads at start (the entry, main and what they
 * import statically) importing a provider's chunk or the browser flows'
 * statically; and Keystone, a client-credentials provider, built without the
 * browser flows.
 */
function checkChunks(output) {
  const chunks = output.filter((item) => item.type === 'chunk')
  for (const chunk of chunks) {
    const strays = Object.keys(chunk.modules).filter((id) => chunkOf(id)?.startsWith('provider-') && chunkOf(id) !== chunk.name)
    if (strays.length) throw new Error(`bundle-bin: ${chunk.fileName} holds another chunk's provider code: ${strays.slice(0, 3).join(', ')}`)
  }
  const byFile = new Map(chunks.map((chunk) => [chunk.fileName, chunk]))
  /** The chunks loaded with these, through static imports. */
  const loadedWith = (...starts) => {
    const loaded = new Set()
    const visit = (fileName) => {
      if (loaded.has(fileName)) return
      loaded.add(fileName)
      for (const imported of byFile.get(fileName)?.imports ?? []) visit(imported)
    }
    for (const chunk of starts) if (chunk) visit(chunk.fileName)
    return [...loaded].map((fileName) => byFile.get(fileName)?.name)
  }
  const named = (name) => chunks.find((chunk) => chunk.name === name)
  const atStart = loadedWith(
    chunks.find((chunk) => chunk.isEntry),
    named('main'),
  )
  const eager = atStart.filter((name) => name?.startsWith('provider-') || name === 'flows')
  if (eager.length) throw new Error(`bundle-bin: serve loads provider or browser-flow chunks at start: ${eager.join(', ')}`)
  if (loadedWith(named('provider-keystone')).includes('flows')) throw new Error('bundle-bin: Keystone loads the browser flows')
}

/**
 * Each chunk reprinted by esbuild, minified but for its names: rollup keeps
 * every comment and indent of the sources (zod's JSDoc was a quarter of its
 * chunk, commander's indentation half of its), and Node reads, decodes and
 * scans every byte at every start. Names are kept, so a stack trace from the
 * bin still names its functions (the library in dist/mocks/ is not bundled).
 */
const minified = {
  name: 'minified',
  async renderChunk(code) {
    const options = { format: 'cjs', target: 'node20', legalComments: 'none', minifyWhitespace: true, minifySyntax: true }
    return { code: (await transform(code, options)).code, map: null }
  },
}

/**
 * commander's `require('node:process')` as the `process` global itself rather
 * than an import of Node's `node:process` module, whose ES module facade reads
 * every property of `process` as it loads, and so loads what their getters
 * load (the diagnostic report's module among them), at every start.
 */
const PROCESS_GLOBAL = '\0process-global'
const processGlobal = {
  name: 'process-global',
  resolveId: (id) => (id === 'node:process' || id === 'process' ? PROCESS_GLOBAL : null),
  load: (id) => (id === PROCESS_GLOBAL ? 'export default process' : null),
}

/**
 * The chunks' `import()`s. A Node built-in's becomes a `require`, as rollup
 * writes one of the bundle's own chunks. What is installed beside the package
 * (msw, tsx, a client's module, Playwright) is imported through one small
 * CommonJS file, `import-module.cjs`, beside the chunks: the compile cache
 * (bin/compile-cache.ts) compiles every other chunk with `vm.Script`, where an
 * `import()` needs a loader of its own, and leaves that file to Node.
 */
const IMPORT_MODULE = 'import-module.cjs'
const importsOutside = {
  name: 'imports-outside',
  generateBundle() {
    this.emitFile({
      type: 'asset',
      fileName: IMPORT_MODULE,
      source: `"use strict";exports.importModule=(specifier)=>import(specifier);\n`,
    })
  },
  renderDynamicImport({ targetModuleId, targetChunk }) {
    if (targetChunk) return null
    if (targetModuleId && (targetModuleId.startsWith('node:') || builtinModules.includes(targetModuleId))) {
      return { left: 'Promise.resolve().then(() => require(', right: '))' }
    }
    return { left: `require("./${IMPORT_MODULE}").importModule(`, right: ')' }
  },
}

/** Bundles the bin into `outDir` (default dist/bundle/, cleared first: chunk names carry content hashes). */
export async function bundleBin(outDir = fileURLToPath(new URL('../dist/bundle', import.meta.url))) {
  rmSync(outDir, { recursive: true, force: true })
  const bundle = await rollup({
    input: fileURLToPath(new URL('../dist/bin/oauth-dance.js', import.meta.url)),
    external: (id) =>
      id !== 'node:process' &&
      id !== 'process' &&
      (id.startsWith('node:') || builtinModules.includes(id) || EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`))),
    plugins: [
      processGlobal,
      nodeResolve({ preferBuiltins: true }),
      commonjs({ requireReturnsDefault: (id) => id === PROCESS_GLOBAL }),
      json(),
      importsOutside,
      minified,
    ],
    onwarn(warning, warn) {
      // zod places some @__PURE__ comments where rollup cannot read them (it drops them, and says so per comment); commander's CommonJS has `this` at the top level.
      if (warning.code === 'INVALID_ANNOTATION' || warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return
      warn(warning)
    },
  })
  try {
    // CommonJS, so that the compile cache can compile each chunk (bin/compile-cache.ts); Node 20 caches no ES module's
    // code. No source maps: the package ships no TypeScript sources for them to point to.
    const { output } = await bundle.write({
      dir: outDir,
      format: 'cjs',
      manualChunks: chunkOf,
      entryFileNames: '[name].cjs',
      chunkFileNames: '[name]-[hash].cjs',
      sourcemap: false,
    })
    checkChunks(output)
  } finally {
    await bundle.close()
  }
  // Beside the chunks: what each provider describes when built with its fixtures (mocks/seeded.ts), for serve's JSON line.
  // tsc's output, by URL: it exists only once built (`npm run deps` checks this file before any build).
  const built = (path) => import(new URL(`../dist/${path}`, import.meta.url).href)
  const { PROVIDER_DEFINITIONS } = await built('mocks/registry.js')
  const { writeSeededDescriptions } = await built('mocks/seeded.js')
  await writeSeededDescriptions(outDir, PROVIDER_DEFINITIONS)
}

// Run as a script (npm run build, npm run bench); imported, it only lends bundleBin.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleBin()
