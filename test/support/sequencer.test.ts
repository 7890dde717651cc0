import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './cli.js'
import { SLOWEST_FIRST } from './sequencer.js'

describe('the slowest-first order of a fresh clone', () => {
  it('names test files that exist (a file moved or renamed drops to the back silently otherwise)', () => {
    expect(SLOWEST_FIRST.filter((file) => !existsSync(join(ROOT, file)))).toEqual([])
    expect(new Set(SLOWEST_FIRST).size).toBe(SLOWEST_FIRST.length)
  })
})
