import { createHash } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

/**
 * V8's code cache for the bin's own chunks. Node 20 keeps no compiled code
 * between runs (Node 22's `module.enableCompileCache` does), so every start
 * parsed and compiled the bundle again. The bin's chunks are CommonJS so that
 * they can be compiled here, through `vm.Script` with the cache an earlier run
 * left; the cache is taken at exit, after the run, so it holds the functions
 * the start compiled lazily as well as the top level. Written only when a chunk
 * had no cache or V8 refused it (another Node, other flags): a warm start
 * writes nothing.
 *
 * Where: `<os.tmpdir()>/oauth-dance-compile-cache-<uid>/`, one file per
 * installed bundle, Node version and set of Node options; at most 32 files, none
 * unused for 30 days. The folder must be the user's own and closed to others,
 * or no cache is read or written (V8 runs what a cache holds).
 * `NODE_DISABLE_COMPILE_CACHE=1`, the variable Node 22 reads for its own cache,
 * turns it off.
 */
export function useCompileCache(entryUrl: string): void {
  // From the sources (tsx, dist/bin/) there is no bundle of CommonJS chunks to cache.
  if (!entryUrl.endsWith('.cjs') || process.env.NODE_DISABLE_COMPILE_CACHE) return
  const bundleDir = dirname(fileURLToPath(entryUrl))
  const folder = cacheFolder()
  if (!folder) return
  // V8 refuses a cache made under other flags: runs with other Node options (`node --max-semi-space-size=…`,
  // NODE_OPTIONS) keep a file of their own, rather than each rewriting the one the others left.
  const options = `${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`
  const key = createHash('sha256').update(`${bundleDir}\0${process.version}\0${process.arch}\0${options}`).digest('hex').slice(0, 24)
  const file = join(folder, `${key}.bin`)
  const cached = readEntries(file)
  const compiled = new Map<string, Script>()
  let stale = false
  const prototype = Module.prototype as unknown as ModuleInternals
  const compile = prototype._compile
  prototype._compile = function compileFromCache(this: ModuleInternals, content: string, filename: string) {
    // import-module.cjs, through which the chunks import msw, tsx and Playwright (scripts/bundle-bin.mjs), and any file
    // with an `import()` compile as Node compiles them: an `import()` in a vm.Script needs a loader of its own (Node
    // 20's default one prints an experimental warning).
    if (dirname(filename) !== bundleDir || !filename.endsWith('.cjs') || content.includes('import(')) return compile.call(this, content, filename)
    const name = basename(filename)
    const script = new Script(Module.wrap(content), { filename, cachedData: cached.get(name) })
    // undefined when there was no cache for it, true when V8 refused the one given.
    if (script.cachedDataRejected !== false) stale = true
    compiled.set(name, script)
    const wrapper = script.runInThisContext() as (...args: unknown[]) => unknown
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, bundleDir)
  }
  process.once('exit', () => {
    if (!stale) return
    // Caches of chunks a rebuild has replaced (their names carry their content's hash) are dropped, or they would pile up.
    for (const name of cached.keys()) if (!existsSync(join(bundleDir, name))) cached.delete(name)
    writeEntries(folder, file, cached, compiled)
  })
}

interface ModuleInternals {
  exports: unknown
  _compile(content: string, filename: string): unknown
}

/** The user's cache folder under the temporary directory, made if missing; undefined unless it is theirs alone. */
function cacheFolder(): string | undefined {
  const uid = process.getuid?.()
  const folder = join(tmpdir(), uid === undefined ? 'oauth-dance-compile-cache' : `oauth-dance-compile-cache-${uid}`)
  try {
    mkdirSync(folder, { mode: 0o700 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined
  }
  try {
    const stats = lstatSync(folder)
    if (!stats.isDirectory()) return undefined
    if (uid !== undefined && (stats.uid !== uid || (stats.mode & 0o077) !== 0)) return undefined
    return folder
  } catch {
    return undefined
  }
}

// The file: MAGIC, then per chunk its name's length and the cache's (UInt32LE), its name (the chunk's file name,
// which carries a hash of its content) and the cache.
const MAGIC = Buffer.from('oauth-dance compile cache 1\n', 'latin1')

function readEntries(file: string): Map<string, Buffer> {
  const entries = new Map<string, Buffer>()
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch {
    return entries
  }
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return entries
  let at = MAGIC.length
  while (at + 8 <= bytes.length) {
    const nameLength = bytes.readUInt32LE(at)
    const dataLength = bytes.readUInt32LE(at + 4)
    const end = at + 8 + nameLength + dataLength
    if (end > bytes.length) return new Map()
    entries.set(bytes.toString('latin1', at + 8, at + 8 + nameLength), bytes.subarray(at + 8 + nameLength, end))
    at = end
  }
  return at === bytes.length ? entries : new Map()
}

// Caches for bundles and Node versions no longer run are removed after this long without a write.
const UNUSED_CACHE_MS = 30 * 24 * 3600 * 1000
// And the folder keeps at most this many files, the most recently written: every installed copy of the package (each
// test run of a packed tarball in a fresh folder, each fresh clone) writes one of its own, up to about 1 MiB.
const MAX_CACHE_FILES = 32

/** The cache of every chunk compiled in this run, beside those kept for chunks it did not load; written whole, then renamed into place. */
function writeEntries(folder: string, file: string, cached: Map<string, Buffer>, compiled: Map<string, Script>): void {
  try {
    const entries = new Map(cached)
    for (const [name, script] of compiled) entries.set(name, script.createCachedData())
    const parts: Buffer[] = [MAGIC]
    for (const [name, data] of entries) {
      const head = Buffer.alloc(8)
      head.writeUInt32LE(Buffer.byteLength(name, 'latin1'), 0)
      head.writeUInt32LE(data.length, 4)
      parts.push(head, Buffer.from(name, 'latin1'), data)
    }
    const partial = `${file}.${process.pid}.tmp`
    writeFileSync(partial, Buffer.concat(parts), { mode: 0o600 })
    renameSync(partial, file)
    pruneFolder(folder, file)
  } catch {
    // The cache only saves time: a run that cannot write it (a full disk, a read-only folder) still exits as it would have.
  }
}

/** Removes the folder's files unused for {@link UNUSED_CACHE_MS}, then the oldest beyond {@link MAX_CACHE_FILES}; never `kept`. */
function pruneFolder(folder: string, kept: string): void {
  const others: Array<{ path: string; mtimeMs: number }> = []
  for (const name of readdirSync(folder)) {
    const path = join(folder, name)
    if (path === kept) continue
    try {
      others.push({ path, mtimeMs: statSync(path).mtimeMs })
    } catch {
      // Removed meanwhile by another run's pruning.
    }
  }
  others.sort((a, b) => b.mtimeMs - a.mtimeMs)
  const now = Date.now()
  for (const [i, { path, mtimeMs }] of others.entries()) {
    if (i >= MAX_CACHE_FILES - 1 || now - mtimeMs > UNUSED_CACHE_MS) rmSync(path, { force: true })
  }
}
