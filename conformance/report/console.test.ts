import { describe, expect, it } from 'vitest'
import { formatScenario, ProgressLine } from './console.js'
import type { ReportedScenario } from './summary.js'

const scenario: ReportedScenario = {
  scenario: 'carina/happy-path',
  title: 'Happy path',
  durationMs: 1500,
  checks: [
    { scenario: 'carina/happy-path', rule: 'send-state', requirements: ['RFC6749-10.12'], severity: 'failure', result: 'pass', message: 'state sent' },
    {
      scenario: 'carina/happy-path',
      rule: 'send-registered-redirect-uri',
      requirements: ['RFC6749-3.1.2'],
      severity: 'failure',
      result: 'fail',
      message: 'the code exchange does not repeat redirect_uri',
      exchange: {
        seq: 3,
        method: 'POST',
        url: 'https://oauth.getcarina.com/oauth/token',
        status: 400,
        route: 'carina.token',
        notes: { hint: 'Doorkeeper 3 compares redirect_uri with the authorization request' },
      } as never,
    },
  ],
}

describe('formatScenario', () => {
  it('prints a failure in full, with the hint the exchange carries right under it', () => {
    expect(formatScenario(scenario)).toBe(
      [
        'FAIL carina/happy-path: Happy path (2 checks: 1 passed, 1 failed; 1.50 s)',
        '  FAIL send-registered-redirect-uri [RFC6749-3.1.2]: the code exchange does not repeat redirect_uri',
        '       exchange: #3 POST https://oauth.getcarina.com/oauth/token → 400',
        '       hint:     Doorkeeper 3 compares redirect_uri with the authorization request',
        '       see:      https://www.rfc-editor.org/rfc/rfc6749.html#section-3.1.2',
        '',
      ].join('\n'),
    )
  })

  it('prints a passing scenario as one line, and every check with --verbose', () => {
    const passing = { ...scenario, checks: [scenario.checks[0]] }
    expect(formatScenario(passing)).toBe('PASS carina/happy-path: Happy path (1 check: 1 passed; 1.50 s)\n')
    expect(formatScenario(passing, { verbose: true })).toBe(
      'PASS carina/happy-path: Happy path (1 check: 1 passed; 1.50 s)\n  PASS send-state [RFC6749-10.12]: state sent\n',
    )
  })
})

describe('ProgressLine', () => {
  it('on a terminal, keeps "<provider> scenario n of m" under what is printed, and clears it at the end', () => {
    let out = ''
    const progress = new ProgressLine({ write: (t: string) => (out += t), isTTY: true })
    progress.start('carina', 2)
    progress.start('gocd', 3)
    progress.advance('carina', 1, 2)
    progress.print('PASS carina/happy-path\n')
    progress.end()
    expect(out.split('\r\x1b[2K')).toEqual([
      '… carina scenario 1 of 2',
      '… carina scenario 1 of 2 · gocd scenario 1 of 3',
      'PASS carina/happy-path\n… carina scenario 2 of 2 · gocd scenario 1 of 3',
      '',
    ])
  })

  it('writes nothing of its own when the output is not a terminal (CI logs)', () => {
    let out = ''
    const progress = new ProgressLine({ write: (t: string) => (out += t), isTTY: false })
    progress.start('carina', 2)
    progress.print('PASS carina/happy-path\n')
    progress.end()
    expect(out).toBe('PASS carina/happy-path\n')
  })
})
