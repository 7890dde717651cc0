import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tokenRequest } from '../../bench/scenarios.mjs'

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The bundle `npm run build` writes and the package's `bin` names: what an installed oauth-dance runs. */
export const BUNDLED_CLI = join(ROOT, 'dist/bundle/oauth-dance.cjs')
const SOURCE_CLI = join(ROOT, 'bin/oauth-dance.ts')
/** What `tsc -p .` compiles into dist/, as tsconfig.json lists it. */
const SOURCE_FOLDERS = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] }).include

/** The newest modification time of the code the bundle is built from (tests excluded), or Infinity when the bundle is missing. */
function newestSourceMs(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path))
    else if (/\.(ts|mts|js|mjs|json)$/.test(entry.name) && !/\.(test|spec)\.ts$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

/** Whether `dist/` (the bundle and what it is built from) is at least as new as every source file: `npm test` builds it first. */
export function buildIsCurrent(): boolean {
  let built: number
  try {
    built = statSync(BUNDLED_CLI).mtimeMs
  } catch {
    return false
  }
  return SOURCE_FOLDERS.every((folder) => !existsSync(join(ROOT, folder)) || newestSourceMs(join(ROOT, folder)) <= built)
}

/**
 * The command that starts the CLI: `node dist/bundle/oauth-dance.cjs` when the
 * bundle is at least as new as every source file (`npm test` builds it first),
 * otherwise the sources through tsx, which compiles the project on each start
 * (seconds on a busy machine) but never runs stale code.
 */
export const CLI: readonly string[] = buildIsCurrent()
  ? [process.execPath, BUNDLED_CLI]
  : [process.execPath, '--import', createRequire(import.meta.url).resolve('tsx'), SOURCE_CLI]

/** `CLI` followed by `args`, split for `spawn(command, args)`. */
export function cliArgs(args: readonly string[]): [string, string[]] {
  return [CLI[0]!, [...CLI.slice(1), ...args]]
}

/** What `serve --json` describes of Keystone, for `keystoneTokenStatus`. */
export interface ServedKeystone {
  providers: { keystone: { baseUrl: string; clients: Array<{ id: string; secret: string }> } }
}

/** Asks `serve`'s Keystone for a client-credentials token with its first seeded client (the bench's request): the answer's status. */
export async function keystoneTokenStatus(info: ServedKeystone): Promise<number> {
  const request = tokenRequest('keystone', info.providers.keystone)
  const answer = await fetch(request.url, request)
  await answer.arrayBuffer()
  return answer.status
}
