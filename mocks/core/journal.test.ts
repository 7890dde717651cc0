import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { createKeystone } from '../index.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

describe('Journal', () => {
  it('records a web Request without keeping it alive', async () => {
    const keystone = createKeystone()
    await keystone.ready
    const client = keystone.describe().clients[0]
    let ref: WeakRef<Request> | undefined
    await (async () => {
      const request = new Request(`${keystone.baseUrl}/v3/OS-OAUTH2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${client.id}:${client.secret}`)}` },
        body: 'grant_type=client_credentials',
      })
      ref = new WeakRef(request)
      expect((await keystone.handle(request)).status).toBe(200)
    })()
    // A WeakRef's target lives at least until the job that made it ends.
    for (let i = 0; i < 5 && ref!.deref(); i++) {
      await new Promise(setImmediate)
      gc()
    }
    expect(ref!.deref()).toBeUndefined()
    const [exchange] = keystone.journal.entries()
    expect(exchange.request).toMatchObject({ method: 'POST', url: `${keystone.baseUrl}/v3/OS-OAUTH2/token`, body: 'grant_type=client_credentials' })
    expect(exchange.request.headers['content-type']).toBe('application/x-www-form-urlencoded')
  })
})
