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

/**
 * After the rounds: a floor run with `--journal` (either kind) must hold the last
 * 2,000 exchanges it answered, oldest first, each with the request's Basic
 * header and form body and the token it answered. Throws otherwise.
 */
export async function checkFloorJournal(floorUrl, kept = 2000) {
  const res = await fetch(`${floorUrl}/__journal`)
  const exchanges = (await res.text()).split('\n').map((line) => JSON.parse(line))
  const wrong = exchanges.findIndex(
    (e, i) =>
      e.method !== 'POST' ||
      e.url !== '/oauth2/token' ||
      e.status !== 200 ||
      e.requestBody !== 'grant_type=client_credentials' ||
      !/^Basic /.test(e.requestHeaders[e.requestHeaders.findIndex((name) => /^authorization$/i.test(name)) + 1]) ||
      !JSON.parse(e.body).access_token ||
      e.headers[0] !== 'content-type' ||
      (i > 0 && e.atMs < exchanges[i - 1].atMs),
  )
  if (exchanges.length !== kept || wrong !== -1)
    throw new Error(
      `the floor at ${floorUrl} kept ${exchanges.length} exchanges (wanted ${kept})${wrong === -1 ? '' : `; exchange ${wrong} is not what it answered: ${JSON.stringify(exchanges[wrong])}`}`,
    )
  return { kept: exchanges.length }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(JSON.stringify(await checkCogoFloor(process.argv[2], process.argv[3])) + '\n')
}
