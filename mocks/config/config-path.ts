import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

/** The file `oauth-dance serve` reads from its working directory when given no `--config`. */
export const DEFAULT_CONFIG_FILE = 'oauth-dance.config.json'

/**
 * The config file `serve` reads: `--config`'s (resolved against `cwd`), else
 * `oauth-dance.config.json` in `cwd` when there is one. Apart from the config
 * file's schema, so `serve` without one does not load every provider's options.
 */
export function configFileIn(cwd: string, configPath?: string): string | undefined {
  if (configPath !== undefined) return resolve(cwd, configPath)
  const defaultPath = resolve(cwd, DEFAULT_CONFIG_FILE)
  return existsSync(defaultPath) ? defaultPath : undefined
}
