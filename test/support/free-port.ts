import { createServer } from 'node:net'

/** A port free on 127.0.0.1 right now, for a server a test starts by command (which must be told its port). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
