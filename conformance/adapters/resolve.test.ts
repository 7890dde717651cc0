import { describe, expect, it } from 'vitest'
import { resolveClient } from './resolve.js'

describe('resolveClient', () => {
  it('loads a TypeScript adapter named by module:<path>#<export>, in-process', async () => {
    const { adapter, transport } = await resolveClient('module:./conformance/clients/reference-client.ts#referenceClient')
    expect(typeof adapter.start).toBe('function')
    expect(transport).toBe('in-process')
  })

  it('explains a module that exports no adapter', async () => {
    await expect(resolveClient('module:./conformance/spec-links.ts#nope')).rejects.toThrow(/exports no ClientAdapter named "nope"/)
  })

  it('runs command: clients over sockets', async () => {
    expect((await resolveClient('command:python3 client.py')).transport).toBe('sockets')
  })
})
