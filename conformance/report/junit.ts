import { requireDependency } from '../../mocks/core/lazy-dependency.js'
import type { RunResult } from '../runner.js'
import type { ReportedCheck, ReportedRun, ReportedScenario } from './summary.js'

/**
 * JUnit XML for CI, valid against the schema Jenkins and GitLab read
 * (`test/junit/jenkins-junit.xsd`): one `<testsuites>` root for the whole run,
 * one `<testsuite>` per scenario (`carina/happy-path`), one `<testcase>` per
 * rule, named by the rule id (`classname` `carina.happy-path`, so Jenkins
 * groups by provider then scenario).
 *
 * - A failed check of severity failure is a `<failure>`, its message the
 *   check's, its text the expected and actual values, the exchange, the hint.
 * - A warning is a `<skipped>` whose text starts with `WARNING`: it neither
 *   fails the CI's test count (the run's exit code is 0 for warnings) nor
 *   hides in `<system-out>`, which CI pages show poorly; Jenkins shows a skip's
 *   text as its message, GitLab as the case's output. A skipped check (the
 *   rule does not apply) is a `<skipped>` saying why.
 * - The schema allows `<properties>` on suites only, so each suite lists
 *   `<rule>.severity` and `<rule>.requirements` for its cases, and `provider`,
 *   `client`, `title`. `status` on each case says pass, fail, warning or skip.
 * - A rule a scenario uses twice (a warning threshold and a failure one) is
 *   one case: failed if either failing use failed, and its text lists both.
 * - `time` is seconds: a suite's is the scenario's run, a case's the time to
 *   judge its rule.
 */
export function formatJUnit(runs: RunResult | ReportedRun | ReportedRun[], options: { name?: string } = {}): string {
  const list = Array.isArray(runs) ? runs : [runs]
  const suites = list.flatMap((run) => run.scenarios.map((scenario) => suite(run, scenario)))
  return buildTestsuites(
    suites,
    options.name ??
      `oauth-dance check: ${list.map((r) => r.provider).join(', ') || 'no provider'} (client ${[...new Set(list.map((r) => r.client))].join(', ') || 'none'})`,
  )
}

type Suite = Record<string, unknown> & { '@tests': number; '@failures': number; '@skipped': number; '@time': string }

const seconds = (ms: number) => (ms / 1000).toFixed(3)

/** XML 1.0 forbids most control characters; a client's output may hold some (ANSI colours). */
const xmlSafe = (text: string) => text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')

const RANK: Record<ReportedCheck['result'], number> = { fail: 3, warning: 2, pass: 1, skip: 0 }

function detail(check: ReportedCheck): string {
  const hint = (check.exchange as { notes?: { hint?: unknown } } | undefined)?.notes?.hint
  return [
    check.message,
    check.expected !== undefined ? `expected: ${JSON.stringify(check.expected)}` : '',
    check.actual !== undefined ? `actual:   ${JSON.stringify(check.actual)}` : '',
    check.exchange ? `exchange: #${check.exchange.seq} ${check.exchange.method} ${check.exchange.url} → ${check.exchange.status}` : '',
    typeof hint === 'string' ? `hint:     ${hint}` : '',
    check.requirements.length ? `requirements: ${check.requirements.join(' ')}` : '',
  ]
    .filter(Boolean)
    .join('\n')
}

function suite(run: ReportedRun, scenario: ReportedScenario): Suite {
  const byRule = new Map<string, ReportedCheck[]>()
  for (const check of scenario.checks) byRule.set(check.rule, [...(byRule.get(check.rule) ?? []), check])
  const properties = [
    { '@name': 'provider', '@value': run.provider },
    { '@name': 'client', '@value': xmlSafe(run.client) },
    ...(scenario.title ? [{ '@name': 'title', '@value': xmlSafe(scenario.title) }] : []),
  ]
  const cases = [...byRule].map(([rule, uses]) => {
    const worst = uses.reduce((a, b) => (RANK[b.result] > RANK[a.result] ? b : a))
    const flagged = uses.filter((u) => u.result === worst.result)
    const text = xmlSafe(flagged.map(detail).join('\n\n'))
    properties.push({ '@name': `${rule}.severity`, '@value': [...new Set(uses.map((u) => u.severity))].join(' ') })
    const requirements = [...new Set(uses.flatMap((u) => u.requirements))]
    if (requirements.length) properties.push({ '@name': `${rule}.requirements`, '@value': requirements.join(' ') })
    return {
      '@name': rule,
      '@classname': scenario.scenario.replace('/', '.'),
      '@time': seconds(uses.reduce((ms, u) => ms + (u.durationMs ?? 0), 0)),
      '@status': worst.result,
      ...(worst.result === 'fail' ? { failure: { '@message': xmlSafe(worst.message.split('\n')[0]), '@type': 'failure', '#text': text } } : {}),
      ...(worst.result === 'warning' ? { skipped: `WARNING (does not fail the run): ${text}` } : {}),
      ...(worst.result === 'skip' ? { skipped: `not applicable: ${text}` } : {}),
    }
  })
  return {
    '@name': scenario.scenario,
    '@tests': cases.length,
    '@failures': cases.filter((c) => c['@status'] === 'fail').length,
    '@errors': 0,
    '@skipped': cases.filter((c) => c['@status'] === 'warning' || c['@status'] === 'skip').length,
    '@time': seconds(scenario.durationMs),
    '@package': run.provider,
    properties: { property: properties },
    testcase: cases,
  }
}

/**
 * fast-xml-parser's CommonJS build (one file), loaded when a JUnit report is written or merged: `check` without
 * `--junit` never needs it, and its ES build is dozens of modules, loaded at every start. The providers that answer
 * XML load the same one-file build.
 */
const fastXmlParser = () => requireDependency<typeof import('fast-xml-parser')>('fast-xml-parser')

function buildTestsuites(suites: Suite[], name: string): string {
  const builder = new (fastXmlParser().XMLBuilder)({ ignoreAttributes: false, attributeNamePrefix: '@', format: true, suppressEmptyNode: true })
  const xml = builder.build({
    testsuites: {
      '@name': xmlSafe(name),
      '@tests': suites.reduce((n, s) => n + s['@tests'], 0),
      '@failures': suites.reduce((n, s) => n + s['@failures'], 0),
      '@errors': 0,
      '@time': seconds(suites.reduce((ms, s) => ms + Number(s['@time']) * 1000, 0)),
      testsuite: suites,
    },
  })
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`
}

/**
 * Merges JUnit files this harness wrote (shards of one run) into one
 * `<testsuites>`: every suite, in the order given, totals recomputed.
 */
export function mergeJUnit(documents: string[], options: { name?: string } = {}): string {
  const parser = new (fastXmlParser().XMLParser)({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: true,
    isArray: (tag) => ['testsuite', 'testcase', 'property'].includes(tag),
  })
  const suites: Suite[] = []
  const names: string[] = []
  for (const [i, document] of documents.entries()) {
    const parsed = parser.parse(document) as { testsuites?: { '@name'?: string; testsuite?: Suite[] } }
    if (!parsed.testsuites) throw new Error(`JUnit input ${i + 1} has no <testsuites> root`)
    if (parsed.testsuites['@name']) names.push(parsed.testsuites['@name'])
    for (const s of parsed.testsuites.testsuite ?? [])
      suites.push({
        ...s,
        '@tests': Number(s['@tests']),
        '@failures': Number(s['@failures'] ?? 0),
        '@skipped': Number(s['@skipped'] ?? 0),
        '@time': String(s['@time'] ?? '0'),
      })
  }
  return buildTestsuites(suites, options.name ?? [...new Set(names)].join(' + '))
}
