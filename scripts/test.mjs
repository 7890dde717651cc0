// `npm test` (after pretest's build): vitest and the Playwright browser tests side by side.
// Both spend much of their time waiting on other processes (Chromium, Python, npm, the CLI),
// so together they take little more than the longer of the two. vitest's output streams as it
// comes; Playwright's is held and printed whole once vitest is done, so the two never interleave.
// Exits 1 if either fails (both always run to the end).
// OAUTH_DANCE_TEST_SEQUENTIAL=1 runs vitest, then Playwright, as before.
import { spawn } from 'node:child_process'

const sequential = process.env.OAUTH_DANCE_TEST_SEQUENTIAL === '1'
const children = new Set()

/** Runs `npx <args>`; resolves with its exit code. `hold` buffers its output until `release()`. */
function run(args, { hold = false } = {}) {
  const child = spawn('npx', ['--no', '--', ...args], { stdio: ['ignore', hold ? 'pipe' : 'inherit', hold ? 'pipe' : 'inherit'] })
  children.add(child)
  const held = []
  let released = !hold
  if (hold) {
    child.stdout.on('data', (d) => (released ? process.stdout.write(d) : held.push([process.stdout, d])))
    child.stderr.on('data', (d) => (released ? process.stderr.write(d) : held.push([process.stderr, d])))
  }
  const done = new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`[test] could not start ${args[0]}: ${error.message}\n`)
      resolve(1)
    })
    child.on('exit', (code, signal) => {
      children.delete(child)
      resolve(code ?? (signal ? 1 : 0))
    })
  })
  return {
    done,
    release() {
      for (const [stream, chunk] of held.splice(0)) stream.write(chunk)
      released = true
    },
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal)
  })
}

let codes
if (sequential) {
  const vitest = await run(['vitest', 'run']).done
  const playwright = vitest === 0 ? await run(['playwright', 'test']).done : 1
  codes = [vitest, playwright]
} else {
  const playwright = run(['playwright', 'test'], { hold: true })
  const vitest = await run(['vitest', 'run']).done
  process.stdout.write('\n[test] vitest done; the Playwright browser tests (they ran alongside):\n')
  playwright.release()
  codes = [vitest, await playwright.done]
}
process.exit(codes.some((code) => code !== 0) ? 1 : 0)
