import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'
import { pathWithPythonFirst } from './test/support/python.js'
import SlowestFirstSequencer from './test/support/sequencer.js'

export default defineConfig({
  test: {
    include: ['bin/**/*.test.ts', 'mocks/**/*.test.ts', 'conformance/**/*.test.ts', 'fixtures/**/*.test.ts', 'playwright/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'test/browser/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Servers in tests listen on free ports on 127.0.0.1; files run in parallel workers.
    pool: 'forks',
    // One worker per core: vitest's default leaves one core out (a single worker on two cores), and
    // much of this suite waits on other processes (Python, Chromium, npm, the CLI) rather than computing.
    maxWorkers: availableParallelism(),
    // A worker keeps the modules it loaded from one file to the next, instead of importing the
    // project again for every file (most of a small file's time). Every file starts and stops its own
    // providers and servers, and nothing in the project keeps state at module level but caches.
    isolate: false,
    env: { PATH: pathWithPythonFirst() },
    sequence: { sequencer: SlowestFirstSequencer },
    // On CI, also a machine-readable result, which .ci/run sums into one closing line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci-results/vitest.json' }]] : ['default'],
  },
})
