import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { HarnessError, HarnessErrorCode } from '../errors.js'
import type { ClientAdapter, ClientConfig, ClientEnvironment, ConformanceClient, Outcome } from '../types.js'

/**
 * Drives a client in any language: an external command that reads one JSON
 * object per line on standard input and answers one per line on standard
 * output (docs/conformance.md, "The JSON Lines protocol").
 *
 * Runner → client: `{"id": 1, "method": "configure" | "startAuthorization" | "receiveRedirect" | "callApi" | "shutdown", "params": {...}, "now": <mock ms>}`.
 * Client → runner: `{"id": 1, "result": {...}}` for each, and, while
 * handling one, `{"method": "sleep", "params": {"seconds": 30}}` (answered
 * `{"method": "slept", "now": <mock ms>}`) to wait on the mock clock.
 * Anything else on standard output is a protocol error; standard error is
 * kept for the report.
 *
 * @example
 * commandClient('python3 fixtures/clients/python/example_client.py')
 */
export function commandClient(command: string, options: { name?: string; cwd?: string } = {}): ClientAdapter {
  return {
    name: options.name ?? command,
    async start(config, env) {
      const session = new CommandSession(command, env, options.cwd)
      await session.request('configure', config, config.requestTimeoutMs * 4 + 5000)
      return session.client(config)
    },
  }
}

class CommandSession {
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  #nextId = 1
  #stderr = ''
  #exited?: string

  constructor(
    command: string,
    private readonly env: ClientEnvironment,
    cwd?: string,
  ) {
    this.#child = spawn(command, { shell: true, cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000)
    })
    this.#child.on('exit', (code, signal) => {
      this.#exited = `the client exited (${signal ?? `code ${code}`})${this.#stderr ? `: ${this.#stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`
      for (const { reject } of this.#pending.values()) reject(new Error(this.#exited))
      this.#pending.clear()
    })
    this.#child.stdin!.on('error', () => {})
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#onLine(line))
  }

  #send(message: unknown): void {
    if (!this.#exited) this.#child.stdin!.write(JSON.stringify(message) + '\n')
  }

  #onLine(line: string): void {
    if (!line.trim()) return
    let message: { id?: number; method?: string; params?: { seconds?: number }; result?: unknown; error?: string }
    try {
      message = JSON.parse(line)
    } catch {
      this.#failAll(`the client wrote a line that is not JSON: ${line.slice(0, 200)}`)
      return
    }
    if (message.method === 'sleep') {
      this.env
        .sleep(Number(message.params?.seconds))
        .then(() => this.#send({ method: 'slept', now: this.env.now() }))
        .catch((error: Error) => this.#failAll(`sleep: ${error.message}`))
      return
    }
    if (message.method === 'log') return
    const pending = message.id === undefined ? undefined : this.#pending.get(message.id)
    if (!pending) {
      this.#failAll(`the client answered an unknown request: ${line.slice(0, 200)}`)
      return
    }
    this.#pending.delete(message.id!)
    if (message.error !== undefined) pending.reject(new Error(String(message.error)))
    else pending.resolve(message.result)
  }

  #failAll(reason: string): void {
    for (const { reject } of this.#pending.values()) reject(HarnessError.for(HarnessErrorCode.PROTOCOL_ERROR)(reason))
    this.#pending.clear()
  }

  request(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    if (this.#exited) return Promise.reject(new Error(this.#exited))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(HarnessError.for(HarnessErrorCode.STEP_TIMEOUT)(`the client did not answer "${method}" in ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      })
      this.#send({ id, method, params, now: this.env.now() })
    })
  }

  client(config: ClientConfig): ConformanceClient {
    // @note generous: the runner's own watchdog decides, this only stops a dead process from hanging a request forever.
    const timeout = config.requestTimeoutMs * 10 + 10_000
    return {
      startAuthorization: () => this.request('startAuthorization', {}, timeout) as Promise<{ url: string }>,
      receiveRedirect: (redirect) => this.request('receiveRedirect', redirect, timeout) as Promise<Outcome>,
      callApi: (operation, args) => this.request('callApi', { operation, args }, timeout) as Promise<Outcome>,
      close: async () => {
        this.#send({ id: this.#nextId++, method: 'shutdown', params: {}, now: this.env.now() })
        this.#child.stdin!.end()
        await new Promise<void>((resolve) => {
          if (this.#exited) return resolve()
          const timer = setTimeout(() => (this.#child.kill(), resolve()), 2000)
          this.#child.once('exit', () => (clearTimeout(timer), resolve()))
        })
      },
    }
  }
}
