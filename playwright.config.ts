import { defineConfig } from '@playwright/test'
import { chooseChromium } from './conformance/adapters/chromium.js'

// Throws, saying how to install one, when there is no Chromium: the browser tests fail rather than skip.
const chromium = chooseChromium()

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  // Prints which browser runs, once per run.
  globalSetup: './test/browser/global-setup.ts',
  // Every worker starts its own providers on free ports, so tests of one file can run side by side.
  fullyParallel: true,
  // CI machines have 2 cores: one worker each.
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'playwright-report' }],
    // On CI, also a machine-readable result, which .ci/run sums into one closing line.
    ...(process.env.CI ? [['json', { outputFile: '.ci-results/playwright.json' }] as ['json', { outputFile: string }]] : []),
  ],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: chromium.launchOptions,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
})
