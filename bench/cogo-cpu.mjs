// Per-thread CPU of a server process, shared by bench/cogo-threads.mjs and bench/cogo-aged.mjs.
import { readFileSync, readdirSync } from 'node:fs'

/**
 * CPU µs so far of a process's main thread, libuv's pool (the 4 newest
 * threads: they start at the first signature) and the others (V8's GC and
 * compiler helpers), from /proc/<pid>/task/<tid>/stat.
 */
export function threadCpuUs(pid) {
  const tids = readdirSync(`/proc/${pid}/task`)
    .map(Number)
    .sort((a, b) => a - b)
  const pool = new Set(tids.slice(-4))
  const out = { main: 0, pool: 0, other: 0 }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out[tid === pid ? 'main' : pool.has(tid) ? 'pool' : 'other'] += (Number(fields[11]) + Number(fields[12])) * 1e4
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return out
}
