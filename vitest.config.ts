import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['bin/**/*.test.ts', 'mocks/**/*.test.ts', 'conformance/**/*.test.ts', 'scenarios/**/*.test.ts', 'fixtures/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'test/browser/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Servers in tests listen on free ports on 127.0.0.1; files run in parallel workers.
    pool: 'forks',
    // On CI, also a machine-readable result, which .ci/run sums into one closing line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci-results/vitest.json' }]] : ['default'],
  },
})
