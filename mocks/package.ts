import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The oauth-dance package's folder: the nearest one up from this module whose
 * package.json is oauth-dance's. The same from the sources, from `dist/` and
 * from the bin's bundle (`dist/bundle/`), in this repository or installed
 * under `node_modules`; never the working directory.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && readManifest(manifest).name === 'oauth-dance') return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`Failed to find the oauth-dance package folder above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}

/** The installed oauth-dance's version (its package.json's). */
export function packageVersion(): string {
  return readManifest(join(packageRoot(), 'package.json')).version ?? 'unknown'
}

function readManifest(path: string): { name?: string; version?: string } {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string }
  } catch {
    return {}
  }
}
