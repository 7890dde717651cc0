import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { commandClient } from './command.js'
import { runScenarios } from '../runner.js'
import { scenariosFor } from '../scenarios/index.js'

const CLIENT = 'node conformance/clients/misbehaving/client.mjs'
/** Short limits so each misbehaviour ends in seconds (long enough for node to start the client on a loaded machine). */
const LIMITS = { timeoutMs: 2000, exitGraceMs: 200 }

async function run(mode: string, provider = 'carina', limits = LIMITS) {
  const client = commandClient(`${CLIENT} ${mode}`, { name: mode, ...limits })
  const result = await runScenarios({ provider, client, scenarios: scenariosFor(provider, ['happy-path']), transport: 'sockets', stepTimeoutMs: 5000 })
  const outcome = result.checks.find((c) => c.rule === 'reach-expected-outcome')!
  return { result, outcome, steps: result.scenarios[0].steps.map((s) => s.outcome), exitCheck: result.checks.find((c) => c.rule === 'exit-when-asked') }
}

/**
 * Misbehaving `command:` clients (conformance/clients/misbehaving/client.mjs):
 * each run ends, the scenario fails with a message that says what the client
 * did and how it was stopped, and the client is not asked anything more.
 */
describe('commandClient with a misbehaving client', () => {
  it('stops a silent client after the timeout, closing its standard input', async () => {
    const { outcome, steps, result } = await run('silent')
    expect(result.passed).toBe(false)
    expect(steps[0]).toEqual({
      ok: false,
      error: 'client_not_started',
      description: 'the client did not answer "configure" in 2000 ms; the client exited with code 0 once its standard input was closed',
      crashed: true,
    })
    expect(outcome.message).toBe(
      'step 1, authorization (user: approve): expected ok, the client reported crash: the client did not answer "configure" in 2000 ms; the client exited with code 0 once its standard input was closed',
    )
  })

  it('SIGKILLs a client that answers nothing and ignores SIGTERM', async () => {
    const { steps } = await run('hangs-on-call')
    expect(steps[0]).toMatchObject({
      ok: false,
      error: 'step_timeout',
      description:
        'the client did not answer "receiveRedirect" in 2000 ms; the client was still running 200 ms after its standard input was closed and 200 ms after SIGTERM: killed with SIGKILL',
    })
  })

  it('reports a client that does not exit after "shutdown" as a warning, and kills it', async () => {
    const { exitCheck, result } = await run('never-exits', 'keystone')
    expect(exitCheck).toMatchObject({
      severity: 'warning',
      result: 'warning',
      message:
        'the client did not exit after "shutdown": the client was still running 200 ms after its standard input was closed and 200 ms after SIGTERM: killed with SIGKILL',
    })
    expect(result.checks.find((c) => c.rule === 'reach-expected-outcome')?.message).toContain('not_implemented')
  })

  it('stops a chatty client at its second answer to one request', async () => {
    const { steps } = await run('chatty', 'keystone')
    expect(steps.find(Boolean)).toEqual({
      ok: false,
      error: 'protocol_error',
      description:
        'the client answered a request that is not pending (id 1): {"id":1,"result":{}}; the client exited with code 0 once its standard input was closed',
      crashed: true,
    })
  })

  it('reports a client that crashes mid-scenario with the tail of its standard error', async () => {
    const { steps, outcome } = await run('crashes')
    expect(steps[0]).toEqual({
      ok: false,
      error: 'protocol_error',
      description: 'the client exited with code 3 while handling "receiveRedirect" (standard error: Traceback (most recent call last): | RuntimeError: boom)',
      crashed: true,
    })
    expect(outcome.result).toBe('fail')
  })

  it('reads an answer written after the client exited, by a process it left running', async () => {
    // The grace after exit (here 2000 ms) bounds the wait for the pipes; the answer comes 100 ms after the exit.
    const { steps } = await run('answers-from-background', 'carina', { ...LIMITS, exitGraceMs: 2000 })
    expect(steps).toEqual([
      { ok: false, error: 'not_implemented' },
      { ok: false, error: 'protocol_error', description: 'the client exited with code 0 before "callApi"', crashed: true },
    ])
  })

  it('fails the pending request once the grace after exit is over when a process the client left holds its output open, and kills that process', async () => {
    const { steps } = await run('exits-leaving-background')
    expect(steps[0]).toEqual({
      ok: false,
      error: 'protocol_error',
      description: 'the client exited with code 0 while handling "receiveRedirect"',
      crashed: true,
    })
    expect(spawnSync('pgrep', ['-f', 'sleep 31.25']).status).toBe(1)
  })

  it('stops a client that floods its standard output without a newline', async () => {
    const { steps } = await run('floods')
    expect(steps[0]).toMatchObject({ ok: false, error: 'protocol_error' })
    expect((steps[0] as { description: string }).description).toMatch(
      /^the client wrote over 1048576 bytes without a newline: x{120}…; the client exited with code 0 once its standard input was closed$/,
    )
  })

  it('stops a client that writes a line that is not JSON', async () => {
    const { steps } = await run('not-json')
    expect(steps[0]).toEqual({
      ok: false,
      error: 'protocol_error',
      description: 'the client wrote a line that is not JSON: hello from the client; the client exited with code 0 once its standard input was closed',
      crashed: true,
    })
  })

  it('stops a client whose answer breaks the protocol schema, naming the field', async () => {
    const { steps } = await run('bad-outcome', 'keystone')
    expect(steps.find(Boolean)).toEqual({
      ok: false,
      error: 'protocol_error',
      description:
        'the client\'s answer to "callApi" breaks the protocol schema (outcome: ok: Invalid input: expected boolean, received string): {"id":2,"result":{"ok":"yes"}}; the client exited with code 0 once its standard input was closed',
      crashed: true,
    })
  })
})
