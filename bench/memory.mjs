// Memory over time, as a long CI job sees it: `serve` (journal on, log off) in
// its own process takes bursts of Keystone tokens and of cookie-less Carina
// login pages (each stores an anonymous session); between bursts the mock
// clocks move a day and an hour on (bursts of equal size, `requests` each), past every token's expiry plus its grace
// period and every session's idle lifetime. RSS (from /proc) must plateau:
// what expired is released as new records arrive.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BENCH_DIR, load, startProcess } from './lib.mjs'
import { tokenRequest } from './scenarios.mjs'

/** Resident set size of a process, MB; null where /proc is missing. */
function rssMB(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'))
    return Number(line.split(/\s+/)[1]) / 1024
  } catch {
    return null
  }
}

async function advanceClock(baseUrl, seconds) {
  const res = await fetch(`${baseUrl}/__oauth-dance/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance: seconds }),
  })
  if (res.status !== 200) throw new Error(`clock answered ${res.status}: ${await res.text()}`)
}

/**
 * `bursts` rounds of a token burst then a login-page burst, `requests` each,
 * the clocks moved 25 h after each round; RSS after each burst.
 */
export async function memoryPlateau({ bursts, requests, connections }) {
  const server = await startProcess(join(BENCH_DIR, 'servers', 'oauth-dance.mjs'))
  try {
    const pid = server.child.pid
    const { keystone, carina } = server.info.providers
    const token = tokenRequest('keystone', keystone)
    const rounds = []
    const startMB = rssMB(pid)
    for (let i = 0; i < bursts; i++) {
      const tokens = await load({ kind: 'http', ...token, amount: requests, connections })
      const afterTokensMB = rssMB(pid)
      const pages = await load({ kind: 'http', url: `${carina.baseUrl}/login`, amount: requests, connections })
      const afterPagesMB = rssMB(pid)
      rounds.push({ tokens: tokens.total, loginPages: pages.total, afterTokensMB, afterPagesMB })
      for (const baseUrl of [keystone.baseUrl, carina.baseUrl]) await advanceClock(baseUrl, 25 * 3600)
    }
    const peaks = rounds.map((r) => Math.max(r.afterTokensMB ?? 0, r.afterPagesMB ?? 0))
    // A plateau: the last round's peak within 15 % of the highest before it (the first round fills the heap's spaces).
    const before = Math.max(...peaks.slice(0, -1))
    const plateau = rounds.length < 2 ? null : peaks.at(-1) <= before * 1.15
    return { startMB, rounds, peaks, plateau }
  } finally {
    await server.stop()
  }
}
