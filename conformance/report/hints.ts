import type { Exchange } from '../../mocks/core/journal.js'

/**
 * The provider's hints (`notes.hint`, mocks/core/hints.ts) that explain a
 * check: the offending exchange's, or, for a failed check that names no
 * exchange (the client did not reach its outcome), every distinct hint the
 * scenario's exchanges carry. Passed and skipped checks get none.
 */
export function hintForCheck(
  result: 'pass' | 'fail' | 'warning' | 'skip',
  offending: Exchange | undefined,
  exchanges: readonly Exchange[],
): string | undefined {
  if (result !== 'fail' && result !== 'warning') return undefined
  const hintOf = (e: Exchange) => (typeof e.notes.hint === 'string' ? e.notes.hint : undefined)
  if (offending) return hintOf(offending)
  const hints = [...new Set(exchanges.map(hintOf).filter((h): h is string => h !== undefined))]
  return hints.length ? hints.join(' ') : undefined
}
