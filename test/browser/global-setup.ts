import { execFileSync } from 'node:child_process'
import { chooseChromium } from '../../conformance/adapters/chromium.js'

/** Says plainly which Chromium runs the browser tests (every test also carries it as a `browser` annotation). */
export default function globalSetup(): void {
  const choice = chooseChromium()
  let version: string
  try {
    version = execFileSync(choice.executablePath, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim()
  } catch {
    version = 'version unknown'
  }
  // Standard error: standard output belongs to reporters (`--reporter=json` prints the report there).
  process.stderr.write(`[oauth-dance] browser tests run on ${choice.description}: ${version}\n`)
}
