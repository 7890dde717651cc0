import { XMLBuilder } from 'fast-xml-parser'
import type { RunResult } from '../runner.js'

/**
 * JUnit XML for CI: one test suite per scenario, one test case per check. A
 * failed MUST check is a `<failure>`; a warning passes with a
 * `<system-out>`; a skipped check is `<skipped>` with why.
 */
export function formatJUnit(result: RunResult): string {
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: true, suppressEmptyNode: true })
  const suites = result.scenarios.map((scenario) => ({
    '@name': scenario.scenario,
    '@tests': scenario.checks.length,
    '@failures': scenario.checks.filter((c) => c.result === 'fail').length,
    '@skipped': scenario.checks.filter((c) => c.result === 'skip').length,
    testcase: scenario.checks.map((check) => {
      const detail = [check.message, check.expected !== undefined ? `expected: ${JSON.stringify(check.expected)}` : '', check.actual !== undefined ? `actual: ${JSON.stringify(check.actual)}` : '', check.exchange ? `exchange: #${check.exchange.seq} ${check.exchange.method} ${check.exchange.url} → ${check.exchange.status}` : '', `requirements: ${check.requirements.join(' ')}`]
        .filter(Boolean)
        .join('\n')
      return {
        '@classname': scenario.scenario,
        '@name': `${check.rule} [${check.severity}]`,
        ...(check.result === 'fail' ? { failure: { '@message': check.message, '#text': detail } } : {}),
        ...(check.result === 'skip' ? { skipped: { '@message': check.message } } : {}),
        ...(check.result === 'warning' ? { 'system-out': `WARNING ${detail}` } : {}),
      }
    }),
  }))
  const xml = builder.build({
    testsuites: {
      '@name': `oauth-dance ${result.provider} (${result.client})`,
      '@tests': result.checks.length,
      '@failures': result.checks.filter((c) => c.result === 'fail').length,
      testsuite: suites,
    },
  })
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`
}
