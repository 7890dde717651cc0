import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { cliArgs } from '../test/support/cli.js'

/** The real command line (the built bundle, or bin/oauth-dance.ts through tsx when it is stale), as a CI job runs it. */
function oauthDance(args: string[]) {
  return spawnSync(...cliArgs(args), { encoding: 'utf8', timeout: 90_000 })
}

describe('oauth-dance check (the process)', () => {
  it('ends with exit code 1 when a command client hangs and ignores SIGTERM, and says what happened', () => {
    const run = oauthDance([
      'check',
      '--provider',
      'keystone',
      '--scenario',
      'happy-path',
      '--client',
      'command:node conformance/clients/misbehaving/client.mjs hangs-on-call',
      '--client-timeout',
      '5000',
    ])
    expect(run.error).toBeUndefined() // not killed by spawnSync's timeout: the process ended by itself
    expect(run.status).toBe(1)
    expect(run.stdout).toContain(
      'expected ok, the client reported crash: the client did not answer "callApi" in 5000 ms; the client was still running 2000 ms after its standard input was closed and 2000 ms after SIGTERM: killed with SIGKILL',
    )
    expect(run.stdout).toMatch(/\nRESULT: FAIL \(a MUST-level check failed\)\n$/)
  }, 120_000)

  it('refuses a malformed --shard and --client-timeout, naming the valid forms', () => {
    const shard = oauthDance(['check', '--provider', 'carina', '--shard', '3/2'])
    expect(shard.status).toBe(1)
    expect(shard.stderr).toContain(
      `option '--shard <i/n>' argument '3/2' is invalid. "3/2" is not a shard: give <index>/<total>, 1 <= index <= total (1/2, then 2/2)`,
    )
    const timeout = oauthDance(['check', '--provider', 'carina', '--client-timeout', 'soon'])
    expect(timeout.stderr).toContain('"soon" is not a number of milliseconds (a whole number, at least 1)')
  }, 120_000)
})
