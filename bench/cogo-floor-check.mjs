// Keeps the Cogo fidelity floor (bench/servers/cogo-floor.mjs) honest: the same
// request (a bench client, Basic, the form body) to Cogo and to the floor must
// get the same status, the same headers in the same order (Date aside) and the
// same body bytes, token included (RS256 is deterministic). Throws otherwise.
// Run before the rounds by bench/run.mjs; alone: node bench/cogo-floor-check.mjs <cogo token URL> <floor token URL>.
import { basic, postToBothInOneSecond } from './lib.mjs'

const withoutDate = (raw) => {
  const kept = []
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() !== 'date') kept.push(`${raw[i]}: ${raw[i + 1]}`)
  return kept.join('\n')
}

/** Compares one answer of each, for the same client within the same second (retried across a second's boundary). */
export function checkCogoFloor(cogoUrl, floorUrl, client = 7) {
  return postToBothInOneSecond(
    cogoUrl,
    floorUrl,
    basic(`bench-${client}`, `secret-${client}`),
    (cogo, floor) => {
      const differs = []
      if (cogo.status !== floor.status) differs.push(`status ${cogo.status} vs ${floor.status}`)
      if (withoutDate(cogo.headers) !== withoutDate(floor.headers)) differs.push(`headers\n${withoutDate(cogo.headers)}\nvs\n${withoutDate(floor.headers)}`)
      if (cogo.body !== floor.body) differs.push(`body\n${cogo.body}\nvs\n${floor.body}`)
      if (differs.length) throw new Error(`the Cogo floor does not answer as Cogo does: ${differs.join('; ')}`)
      return { status: cogo.status, bytes: cogo.body.length }
    },
    'Cogo floor',
  )
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await checkCogoFloor(process.argv[2], process.argv[3])) + '\n')
}
