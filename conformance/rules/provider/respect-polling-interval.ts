import { exchangesOf } from '../exchanges.js'
import { defineRule, fail, pass, skip, type Rule } from '../verdict.js'

/**
 * A resource that is "not ready yet" is polled at the interval the provider
 * asks for, measured on the mock clock. Carina: "Poll the cluster credentials
 * endpoint at a reasonable interval, such as every 30 seconds, until the
 * cluster is active."
 *
 * @example
 * respectPollingInterval({ route: 'carina.cluster-credentials', notReady: (e) => e.response.status === 404, minSeconds: 30, requirement: 'CARINA-cluster-credentials' })
 */
export function respectPollingInterval(options: {
  route: string
  notReady(body: string, status: number): boolean
  minSeconds: number
  requirement: string
}): Rule {
  return defineRule({
    id: 'respect-polling-interval',
    title: `A resource that is not ready is polled at most every ${options.minSeconds} s`,
    requirements: [options.requirement],
    evaluate(ctx) {
      const polls = exchangesOf(ctx.exchanges, options.route)
      const waits = polls.filter((e) => options.notReady(e.response.body, e.response.status))
      if (waits.length === 0) return skip('the resource was never "not ready"')
      let shortest = Infinity
      for (const waiting of waits) {
        const next = polls.find((e) => e.seq > waiting.seq)
        if (!next) continue
        const gap = (next.atMs - waiting.atMs) / 1000
        shortest = Math.min(shortest, gap)
        if (gap < options.minSeconds)
          return fail(`polled again after ${gap} s`, { expected: `≥ ${options.minSeconds} s between polls`, actual: `${gap} s`, exchange: next.seq })
      }
      const last = polls.at(-1)!
      if (options.notReady(last.response.body, last.response.status))
        return fail('the client stopped polling before the resource was ready', {
          expected: 'poll until ready',
          actual: `${polls.length} polls`,
          exchange: last.seq,
        })
      return pass(`${polls.length} polls, at least ${shortest} s apart`, { actual: { polls: polls.length, shortestSeconds: shortest } })
    },
  })
}
