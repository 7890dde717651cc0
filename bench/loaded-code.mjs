// What code a start of the bin loads: every file Node loads as a CommonJS
// module (the bundle's chunks) or an ES module (what it imports from
// node_modules), recorded by a wrapper of `Module.prototype.load` and a module
// `load` hook (module.register) while `serve` starts, until
// it prints its JSON line, and then until what the caller asks is answered. The
// start-up rows give it in KiB; the bin's tests hold `serve` to loading no
// provider's chunk before its JSON line, and Keystone's alone for its token.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startProcess } from './lib.mjs'

const HOOKS = `import { appendFileSync } from 'node:fs'
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) appendFileSync(process.env.OAUTH_DANCE_MODULE_LOG, url + '\\n')
  return nextLoad(url, context)
}`
// Node 20's module hooks see no require(), so CommonJS files are recorded where Node's loader reads them.
const COMMONJS_HOOK = `const Module = require('node:module')
const { appendFileSync } = require('node:fs')
const { pathToFileURL } = require('node:url')
const load = Module.prototype.load
Module.prototype.load = function (filename) {
  appendFileSync(process.env.OAUTH_DANCE_MODULE_LOG, pathToFileURL(filename).href + '\\n')
  return load.call(this, filename)
}`
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)})`

/**
 * Starts the bin (`bin`, then `args`: `serve ... --json`) with the hook, waits
 * for its JSON line, runs `then(info)` (the first request, say), stops it: the
 * files it loaded by then, with their sizes, and the line parsed.
 */
export async function loadedCode(bin, args, { then } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-dance-loaded-'))
  const log = join(dir, 'modules.log')
  const commonJsHook = join(dir, 'commonjs-hook.cjs')
  writeFileSync(commonJsHook, COMMONJS_HOOK)
  try {
    const started = await startProcess(bin, args, {
      nodeArgs: ['--require', commonJsHook, '--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`],
      env: { ...process.env, OAUTH_DANCE_MODULE_LOG: log },
    })
    try {
      await then?.(started.info)
    } finally {
      await started.stop()
    }
    const files = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].map((url) => {
      const path = fileURLToPath(url)
      return { path, bytes: statSync(path).size }
    })
    return { info: started.info, files, bytes: files.reduce((sum, file) => sum + file.bytes, 0) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
