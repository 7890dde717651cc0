import { relative } from 'node:path'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The files that take longest, longest first (as measured in a whole run). Vitest orders files by the
 * durations it cached from the last run, but a fresh clone (CI) has no cache
 * and would take them in path order, leaving the longest (the install test,
 * the Python example client) to start last while the other worker idles at
 * the end. Longest first, the short files fill in around them.
 */
export const SLOWEST_FIRST = [
  'test/package/install.test.ts',
  'conformance/clients/python/example-client.test.ts',
  'conformance/adapters/browser.test.ts',
  'conformance/adapters/browser-app.test.ts',
  'test/hardening/concurrency.test.ts',
  'conformance/clients/broken/gocd.test.ts',
  'conformance/clients/broken/standard.test.ts',
  'conformance/clients/broken/carina.test.ts',
  'conformance/clients/broken/cloud66.test.ts',
  'test/hardening/fuzz-endpoints.test.ts',
  'conformance/check.test.ts',
  'conformance/clients/broken/cogo.test.ts',
  'conformance/runner.test.ts',
  'conformance/cli.test.ts',
  'bin/oauth-dance.test.ts',
  'test/configure-without-code.test.ts',
  'mocks/providers/standard/standard.test.ts',
  'test/hardening/fuzz-control-paths.test.ts',
  'test/hardening/soak.test.ts',
]

export default class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const root = this.ctx.config.root
    const cached = sorted.every((spec) => this.ctx.cache.getFileTestResults(`${spec.project.name}:${relative(root, spec.moduleId)}`))
    if (cached) return sorted
    const rank = (spec: TestSpecification) => {
      const index = SLOWEST_FIRST.indexOf(relative(root, spec.moduleId))
      return index === -1 ? SLOWEST_FIRST.length : index
    }
    return sorted.sort((a, b) => rank(a) - rank(b))
  }
}
