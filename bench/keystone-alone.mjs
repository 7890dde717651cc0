// What "load only what the first request needs" would give `serve`'s start:
// the real bin, bundled as scripts/bundle-bin.mjs bundles it, but with a
// registry that lists Keystone alone, so the bundle holds serve's core, the
// store, zod and Keystone's code, and none of the other five providers. Started
// as the bin is (`serve --port-base 0 --json --quiet`) until it answers the same
// first Keystone token: the start of a `serve` that loaded each provider's code
// on its first request, less the other providers' lines in the JSON, which it
// would still have to print. Between it and the Keystone fidelity floor lies
// what the core, the store and zod cost that first token. A bench device: the
// package ships nothing of it.
import { build } from 'esbuild'
import { readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ROOT } from './lib.mjs'
import { binBundleOptions } from '../scripts/bundle-bin.mjs'

// Inside the package, where packageRoot() finds package.json and the externals resolve from node_modules.
export const KEYSTONE_ALONE_DIR = join(ROOT, 'dist', 'bench-keystone-alone')
const REGISTRY = join(ROOT, 'dist', 'mocks', 'registry.js')

/** dist/mocks/registry.js with Keystone's definition alone: every other provider's import and entry dropped. */
function keystoneOnlyRegistry() {
  const source = readFileSync(REGISTRY, 'utf8')
  const others = [...source.matchAll(/^import \{ (\w+Definition) \} from '\.\/providers\/(\w+)\/index\.js';\n/gm)].filter((m) => m[2] !== 'keystone')
  const list = /^export const PROVIDER_DEFINITIONS = \[[^\]]*\];$/m
  if (others.length !== 5 || !list.test(source)) throw new Error('dist/mocks/registry.js no longer has the shape bench/keystone-alone.mjs rewrites')
  let out = source.replace(list, 'export const PROVIDER_DEFINITIONS = [keystoneDefinition];')
  for (const m of others) out = out.replace(m[0], '')
  return out
}

/** Builds the bundle (after `npm run build`); returns the arguments node starts it with. */
export async function buildKeystoneAlone(dir = KEYSTONE_ALONE_DIR) {
  rmSync(dir, { recursive: true, force: true })
  const registry = keystoneOnlyRegistry()
  const options = binBundleOptions()
  const result = await build({
    ...options,
    absWorkingDir: ROOT,
    outdir: dir,
    plugins: [
      {
        name: 'keystone-only-registry',
        setup: (b) =>
          b.onLoad({ filter: /[\\/]dist[\\/]mocks[\\/]registry\.js$/ }, () => ({ contents: registry, loader: 'js', resolveDir: join(ROOT, 'dist', 'mocks') })),
      },
    ],
    metafile: true,
  })
  // Held to its claim: no other provider's code in what `serve` loads (the entry, the main chunk it imports,
  // and their static imports; the harness's chunks, which `check` loads, may name other providers).
  const outputs = result.metafile.outputs
  const entry = Object.keys(outputs).find((o) => outputs[o].entryPoint === options.entryPoints[0])
  const loaded = new Set()
  const load = (o) => {
    if (loaded.has(o)) return
    loaded.add(o)
    for (const i of outputs[o].imports) if (i.kind === 'import-statement' && outputs[i.path]) load(i.path)
  }
  load(entry)
  for (const i of outputs[entry].imports) if (i.kind === 'dynamic-import' && outputs[i.path]) load(i.path)
  const strays = [...loaded].flatMap((o) => Object.keys(outputs[o].inputs)).filter((input) => /dist\/mocks\/providers\/(?!keystone\/)/.test(input))
  if (strays.length) throw new Error(`serve's part of the Keystone-alone bundle still holds other providers' code: ${strays.slice(0, 3).join(', ')}`)
  const bin = join(dir, 'oauth-dance.js')
  return { args: [bin], bytes: servedBytes(bin) }
}

/**
 * Bytes of code `serve` loads from a bundled bin: the entry, the chunk it
 * imports dynamically (main) and every chunk they import statically, followed
 * through the bundles' own `from "./chunk.js"` lines. The same count for the
 * shipped bin and the Keystone-alone one.
 */
export function servedBytes(bin = join(ROOT, 'dist', 'bundle', 'oauth-dance.js')) {
  const seen = new Set()
  const visit = (file, dynamicToo) => {
    if (seen.has(file)) return
    seen.add(file)
    const source = readFileSync(file, 'utf8')
    for (const m of source.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"(\.\/[^"]+)"|^import\s*"(\.\/[^"]+)"/gm))
      visit(join(dirname(file), m[1] ?? m[2]), false)
    if (dynamicToo) for (const m of source.matchAll(/\bimport\("(\.\/[^"]+)"\)/g)) visit(join(dirname(file), m[1]), false)
  }
  visit(bin, true)
  return [...seen].reduce((sum, file) => sum + statSync(file).size, 0)
}

export function removeKeystoneAlone(dir = KEYSTONE_ALONE_DIR) {
  rmSync(dir, { recursive: true, force: true })
}
