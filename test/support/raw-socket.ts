import { connect, type Socket } from 'node:net'

/** A plain TCP connection to 127.0.0.1, for bytes a client library would not send. */
export function raw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket))
    socket.on('error', reject)
  })
}

/** Everything the server sends until it closes the connection (or `ms` pass, then null). */
export function readUntilClosed(socket: Socket, ms = 10_000): Promise<string | null> {
  return new Promise((resolve) => {
    let data = ''
    const timer = setTimeout(() => resolve(null), ms)
    socket.on('data', (d) => (data += d))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(data)
    })
  })
}
