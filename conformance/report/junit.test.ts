import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { XMLParser } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { formatJUnit, mergeJUnit } from './junit.js'
import type { ReportedRun } from './summary.js'
import { runScenarios } from '../runner.js'
import { scenariosFor } from '../scenarios/index.js'
import { BROKEN_CLIENTS } from '../clients/broken-clients.js'

const XSD = new URL('../../test/junit/jenkins-junit.xsd', import.meta.url).pathname

/** Validates with libxml2's xmllint against the schema Jenkins and GitLab read; returns its complaint, or '' when valid. */
function schemaProblems(xml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'junit-')), 'report.xml')
  writeFileSync(file, xml)
  try {
    execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' })
    return ''
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error)
  }
}

const parse = (xml: string) =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (tag) => ['testsuite', 'testcase', 'property'].includes(tag) }).parse(xml) as {
    testsuites: {
      '@tests': string
      '@failures': string
      testsuite: Array<{
        '@name': string
        '@tests': string
        '@failures': string
        '@skipped': string
        '@time': string
        properties: { property: Array<{ '@name': string; '@value': string }> }
        testcase: Array<Record<string, unknown>>
      }>
    }
  }

/** A run with every kind of result: a failure, a warning used twice in one scenario, a skip, a pass, and text XML forbids. */
const handMade: ReportedRun[] = [
  {
    provider: 'carina',
    client: 'hand \u001b[31mmade\u001b[0m',
    scenarios: [
      {
        scenario: 'carina/cluster-polling',
        title: 'A new cluster is polled every 30 s',
        durationMs: 1234,
        checks: [
          {
            scenario: 'carina/cluster-polling',
            rule: 'respect-polling-interval',
            requirements: ['CARINA-cluster-credentials'],
            severity: 'warning',
            result: 'warning',
            message: 'polled 10 s apart',
            expected: '≥ 30 s',
            actual: '10 s',
            durationMs: 1,
          },
          {
            scenario: 'carina/cluster-polling',
            rule: 'respect-polling-interval',
            requirements: ['CARINA-cluster-credentials'],
            severity: 'failure',
            result: 'pass',
            message: 'ok',
            durationMs: 2,
          },
          {
            scenario: 'carina/cluster-polling',
            rule: 'send-token-as-documented',
            requirements: ['RFC6750-2.1', 'CARINA-api'],
            severity: 'failure',
            result: 'fail',
            message: 'a protected call presented the token in a <query> & not the header',
            expected: 'Authorization: bearer <access_token>',
            actual: 'query parameter access_token',
            exchange: { seq: 7, method: 'GET', url: 'https://oauth.getcarina.com/me?access_token=<access_token#1>', status: 200, route: 'carina.me' },
          },
          {
            scenario: 'carina/cluster-polling',
            rule: 'send-pkce',
            requirements: ['RFC7636-4.3'],
            severity: 'warning',
            result: 'skip',
            message: 'Carina ran Doorkeeper 3',
          },
          {
            scenario: 'carina/cluster-polling',
            rule: 'send-state',
            requirements: ['RFC6749-10.12'],
            severity: 'failure',
            result: 'pass',
            message: 'state sent',
          },
        ],
      },
    ],
  },
  {
    provider: 'gocd',
    client: 'hand made',
    scenarios: [
      {
        scenario: 'gocd/happy-path',
        title: 'Happy path',
        durationMs: 50,
        checks: [
          { scenario: 'gocd/happy-path', rule: 'send-state', requirements: ['RFC6749-10.12'], severity: 'failure', result: 'pass', message: 'state sent' },
        ],
      },
    ],
  },
]

describe('formatJUnit', () => {
  it('writes one <testsuites> for several providers, valid against jenkins-junit.xsd', () => {
    const xml = formatJUnit(handMade)
    expect(schemaProblems(xml)).toBe('')
    expect(xml.match(/<testsuites[ >]/g)).toHaveLength(1)
    expect(xml.match(/<\?xml/g)).toHaveLength(1)
    const root = parse(xml).testsuites
    expect(root.testsuite.map((s) => s['@name'])).toEqual(['carina/cluster-polling', 'gocd/happy-path'])
    expect([root['@tests'], root['@failures']]).toEqual(['5', '1'])
  })

  it('names each case by its rule, once per suite, with status, time, and severity and requirements as suite properties', () => {
    const [suite] = parse(formatJUnit(handMade)).testsuites.testsuite
    expect(suite.testcase.map((c) => [c['@name'], c['@classname'], c['@status'], c['@time']])).toEqual([
      ['respect-polling-interval', 'carina.cluster-polling', 'warning', '0.003'],
      ['send-token-as-documented', 'carina.cluster-polling', 'fail', '0.000'],
      ['send-pkce', 'carina.cluster-polling', 'skip', '0.000'],
      ['send-state', 'carina.cluster-polling', 'pass', '0.000'],
    ])
    expect([suite['@tests'], suite['@failures'], suite['@skipped'], suite['@time']]).toEqual(['4', '1', '2', '1.234'])
    const properties = Object.fromEntries(suite.properties.property.map((p) => [p['@name'], p['@value']]))
    expect(properties).toEqual({
      provider: 'carina',
      client: 'hand \uFFFD[31mmade\uFFFD[0m',
      title: 'A new cluster is polled every 30 s',
      'respect-polling-interval.severity': 'warning failure',
      'respect-polling-interval.requirements': 'CARINA-cluster-credentials',
      'send-token-as-documented.severity': 'failure',
      'send-token-as-documented.requirements': 'RFC6750-2.1 CARINA-api',
      'send-pkce.severity': 'warning',
      'send-pkce.requirements': 'RFC7636-4.3',
      'send-state.severity': 'failure',
      'send-state.requirements': 'RFC6749-10.12',
    })
  })

  it('shows a failure in <failure> and a warning in <skipped>, both with the whole detail', () => {
    const [suite] = parse(formatJUnit(handMade)).testsuites.testsuite
    expect(suite.testcase[1].failure).toEqual({
      '@message': 'a protected call presented the token in a <query> & not the header',
      '@type': 'failure',
      '#text':
        'a protected call presented the token in a <query> & not the header\nexpected: "Authorization: bearer <access_token>"\nactual:   "query parameter access_token"\nexchange: #7 GET https://oauth.getcarina.com/me?access_token=<access_token#1> → 200\nrequirements: RFC6750-2.1 CARINA-api',
    })
    expect(suite.testcase[0].skipped).toBe(
      'WARNING (does not fail the run): polled 10 s apart\nexpected: "≥ 30 s"\nactual:   "10 s"\nrequirements: CARINA-cluster-credentials',
    )
    expect(suite.testcase[2].skipped).toBe('not applicable: Carina ran Doorkeeper 3\nrequirements: RFC7636-4.3')
  })

  it('is valid for a real run of every scenario of two providers, a broken client included', async () => {
    const runs = [
      await runScenarios({ provider: 'carina', client: BROKEN_CLIENTS['ignores-expiry'].client, scenarios: scenariosFor('carina') }),
      await runScenarios({ provider: 'gocd', client: BROKEN_CLIENTS['token-in-query'].client, scenarios: scenariosFor('gocd') }),
    ]
    const xml = formatJUnit(runs)
    expect(schemaProblems(xml)).toBe('')
    for (const suite of parse(xml).testsuites.testsuite) {
      const names = suite.testcase.map((c) => c['@name'])
      expect(new Set(names).size, suite['@name']).toBe(names.length)
    }
    expect(xml).toContain('<skipped>WARNING (does not fail the run): ')
    expect(xml).toContain('<failure message=')
  })

  it('merges shards into one valid <testsuites> with totals recomputed', () => {
    const merged = mergeJUnit([formatJUnit(handMade[0]), formatJUnit(handMade[1])])
    expect(schemaProblems(merged)).toBe('')
    const root = parse(merged).testsuites
    expect(root.testsuite.map((s) => s['@name'])).toEqual(['carina/cluster-polling', 'gocd/happy-path'])
    expect([root['@tests'], root['@failures']]).toEqual(['5', '1'])
    expect(parse(merged).testsuites.testsuite[0]).toEqual(parse(formatJUnit(handMade)).testsuites.testsuite[0])
  })

  it('is told apart from an invalid report by the schema check itself', () => {
    expect(
      schemaProblems('<testsuites><testsuite name="x" tests="1"><testcase name="a"><skipped message="no"/></testcase></testsuite></testsuites>'),
    ).toContain("attribute 'message' is not allowed")
  })
})
