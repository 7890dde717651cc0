import { describe, expect, it } from 'vitest'
import { PROVIDERS, ROUTE_IDS, type ProviderId } from './registry.js'

// The route ids are listed once per provider (they type the route table and
// `faults.add({ route })`); each list must be exactly the ids of its route table.
describe('ROUTE_IDS', () => {
  for (const id of Object.keys(PROVIDERS) as ProviderId[]) {
    it(`${id}: lists exactly the ids of its route table, each once`, () => {
      const table = [...new Set(PROVIDERS[id].create({}).routes.map((route) => route.id))].sort()
      expect([...ROUTE_IDS[id]].sort()).toEqual(table)
      expect(new Set(ROUTE_IDS[id]).size).toBe(ROUTE_IDS[id].length)
    })
  }
})
