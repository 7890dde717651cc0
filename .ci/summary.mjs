// Sums the vitest and Playwright JSON results into one closing line,
// "Tests: N passed, N failed, N skipped", so the run's outcome reads at a glance.
import { existsSync, readFileSync } from 'node:fs'

let passed = 0
let failed = 0
let skipped = 0
const parts = []

if (existsSync('.ci-results/vitest.json')) {
  const v = JSON.parse(readFileSync('.ci-results/vitest.json', 'utf8'))
  passed += v.numPassedTests
  failed += v.numFailedTests
  skipped += v.numPendingTests + v.numTodoTests
  parts.push(`vitest ${v.numPassedTests}/${v.numTotalTests}`)
} else parts.push('vitest: no result')

if (existsSync('.ci-results/playwright.json')) {
  const p = JSON.parse(readFileSync('.ci-results/playwright.json', 'utf8'))
  const s = p.stats
  passed += s.expected + s.flaky
  failed += s.unexpected
  skipped += s.skipped
  parts.push(`playwright ${s.expected + s.flaky}/${s.expected + s.flaky + s.unexpected + s.skipped}`)
} else parts.push('playwright: no result')

console.log(`[ci] ${parts.join(', ')}`)
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
