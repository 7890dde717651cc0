// Runs before `npm test` (pretest): the browser tests need a Chromium. Uses
// one if there is one (OAUTH_DANCE_CHROMIUM, Debian's /usr/bin/chromium, or
// Playwright's own download); else, as root on Debian/Ubuntu (CI, containers),
// installs Debian's `chromium` with apt; else stops at once, before any test
// starts, with the one command to run.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const DEBIAN_CHROMIUM = '/usr/bin/chromium'
/** apt-get update and install together can take minutes on a slow mirror; never wait forever. */
const APT_TIMEOUT_MS = 10 * 60_000

function playwrightChromium() {
  try {
    const out = execFileSync(process.execPath, ['-e', "process.stdout.write(require('playwright-core').chromium.executablePath())"], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 30_000,
    })
    return out && existsSync(out) ? out : undefined
  } catch {
    return undefined
  }
}

function found() {
  const fromEnv = process.env.OAUTH_DANCE_CHROMIUM
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv
    fail(`OAUTH_DANCE_CHROMIUM is set to ${fromEnv}, which does not exist. Unset it, or point it at a Chromium or Chrome executable.`)
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM
  return playwrightChromium()
}

function fail(message) {
  process.stderr.write(`[oauth-dance] ${message}\n`)
  process.exit(1)
}

function run(command, args) {
  process.stderr.write(`[oauth-dance] ${command} ${args.join(' ')}\n`)
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: APT_TIMEOUT_MS,
  })
  if (result.status !== 0)
    fail(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}). Install a Chromium yourself: sudo apt-get install chromium (Debian/Ubuntu) or npx playwright install chromium.`,
    )
}

if (!found()) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const hasApt = existsSync('/usr/bin/apt-get')
  if (!(isRoot && hasApt)) {
    fail(
      'the browser tests need Chromium and there is none. Run, then npm test again:\n' +
        (hasApt ? '  sudo apt-get install -y chromium' : '  npx playwright install chromium') +
        '\n(or point OAUTH_DANCE_CHROMIUM at a Chromium or Chrome executable)',
    )
  }
  process.stderr.write("[oauth-dance] no Chromium found; installing Debian's chromium with apt (running as root)\n")
  run('apt-get', ['update', '-qq'])
  run('apt-get', ['install', '-y', '-qq', 'chromium'])
  if (!existsSync(DEBIAN_CHROMIUM))
    fail(`apt installed chromium but ${DEBIAN_CHROMIUM} is missing. Install a Chromium yourself: npx playwright install chromium.`)
}
