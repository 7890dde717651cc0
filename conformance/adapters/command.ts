import { spawn, type ChildProcess } from 'node:child_process'
import { HarnessError, HarnessErrorCode } from '../errors.js'
import { parseClientMessage, resultProblem } from '../protocol/protocol.js'
import type { ClientAdapter, ClientEnvironment, ConformanceClient, Outcome } from '../types.js'

/** Longest wait for any one answer of a client, unless told otherwise (real ms). */
export const DEFAULT_CLIENT_TIMEOUT_MS = 15_000
/** How long a client has to exit after its standard input closes, and again after SIGTERM. */
export const DEFAULT_EXIT_GRACE_MS = 2000
/** A longer line is a protocol error: no message of the protocol comes near it, and the buffer stays bounded. */
const MAX_LINE_BYTES = 1 << 20
/** Standard error kept for the report (its tail). */
const STDERR_TAIL_CHARS = 4000

export interface CommandClientOptions {
  name?: string
  cwd?: string
  /**
   * Longest wait for any one answer (configure, startAuthorization, receiveRedirect, callApi), real ms.
   * Default: `OAUTH_DANCE_CLIENT_TIMEOUT_MS`, else 15000.
   */
  timeoutMs?: number
  /**
   * After "shutdown" (or a protocol error), how long the client has to exit before SIGTERM, and after SIGTERM before
   * SIGKILL; once it has exited, how long its output is still read while something it left running holds it open. Default 2000.
   */
  exitGraceMs?: number
}

/** The client timeout from the environment (`OAUTH_DANCE_CLIENT_TIMEOUT_MS`), else the default. */
export function clientTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.OAUTH_DANCE_CLIENT_TIMEOUT_MS
  const n = raw === undefined ? NaN : Number(raw)
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_CLIENT_TIMEOUT_MS
}

/**
 * Drives a client in any language: an external command that reads one JSON
 * object per line on standard input and answers one per line on standard
 * output (docs/conformance.md, "The command: protocol, whole";
 * `conformance/protocol/protocol.schema.json`).
 *
 * Every wait on the client has a timeout. On a timeout, a line that breaks
 * the protocol schema, or an exit mid-request, the client is stopped (its
 * standard input closed, then SIGTERM, then SIGKILL, each after
 * `exitGraceMs`, to its whole process group) and the request fails with a
 * message that says what happened and how the client ended; every later
 * request of the scenario fails at once with the same message.
 *
 * @example
 * commandClient('python3 conformance/clients/python/example_client.py', { timeoutMs: 5000 })
 */
export function commandClient(command: string, options: CommandClientOptions = {}): ClientAdapter {
  const timeoutMs = options.timeoutMs ?? clientTimeoutFromEnv()
  const exitGraceMs = options.exitGraceMs ?? DEFAULT_EXIT_GRACE_MS
  return {
    name: options.name ?? command,
    async start(config, env) {
      const session = new CommandSession(command, env, { cwd: options.cwd, timeoutMs, exitGraceMs })
      await session.request('configure', config)
      return session.client()
    },
  }
}

/** Children still running, stopped when this process exits (Ctrl-C included, see `stopAllCommandClients`). */
const LIVE = new Set<ChildProcess>()
let exitHookInstalled = false

/** Whether any process of the client's group is still there (the shell may be gone while what it started is not). */
function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false
  try {
    process.kill(-child.pid, 0)
    return true
  } catch {
    return false
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    // @note the client runs in its own process group (detached), so the shell and whatever it started get the signal.
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

/** SIGKILLs every command client still running. Synchronous, so it can run in an `exit` handler. */
export function stopAllCommandClients(): void {
  for (const child of LIVE) killGroup(child, 'SIGKILL')
  LIVE.clear()
}

class CommandSession {
  readonly #child: ChildProcess
  readonly #pending = new Map<number, { method: string; resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout }>()
  readonly #timeoutMs: number
  readonly #graceMs: number
  #nextId = 1
  #stderr = ''
  #buffer = ''
  #exit?: string
  #exited: Promise<void>
  /** Why the session is over (a timeout or a protocol error), once it is; later requests fail with it. */
  #failure?: HarnessError
  #stopping?: Promise<{ how: string; clean: boolean }>

  constructor(
    command: string,
    private readonly env: ClientEnvironment,
    options: { cwd?: string; timeoutMs: number; exitGraceMs: number },
  ) {
    this.#timeoutMs = options.timeoutMs
    this.#graceMs = options.exitGraceMs
    this.#child = spawn(command, { shell: true, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    LIVE.add(this.#child)
    if (!exitHookInstalled) {
      exitHookInstalled = true
      process.on('exit', stopAllCommandClients)
    }
    this.#exited = new Promise((resolve) => {
      this.#child.on('exit', (code, signal) => {
        LIVE.delete(this.#child)
        this.#exit = signal ? `killed by ${signal}` : `exited with code ${code}`
        resolve()
        // @note what the client wrote just before exiting can still be in the pipes: its last answer, its standard
        // error. Read them to their end (or for the grace period, when something it left running holds them open)
        // before failing the requests it left unanswered.
        void this.#pipesClosed(this.#graceMs).then(() => {
          this.#child.stdout!.destroy()
          this.#child.stderr!.destroy()
          if (this.#pending.size) {
            const method = [...this.#pending.values()][0].method
            this.#fail(HarnessErrorCode.PROTOCOL_ERROR, `the client ${this.#exit} while handling "${method}"${this.#stderrTail()}`)
          }
        })
      })
      this.#child.on('error', (error) => {
        this.#exit = `could not be started: ${error.message}`
        LIVE.delete(this.#child)
        resolve()
        this.#fail(HarnessErrorCode.PROTOCOL_ERROR, `the client ${this.#exit}`)
      })
    })
    this.#child.stderr!.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS)
    })
    this.#child.stdin!.on('error', () => {})
    this.#child.stdout!.on('data', (chunk: Buffer) => this.#onData(chunk.toString()))
  }

  /** Resolves once the client's standard output and error are both closed, or after `ms`. */
  #pipesClosed(ms: number): Promise<void> {
    const closed = (pipe: NodeJS.ReadableStream & { closed: boolean }) =>
      pipe.closed ? undefined : new Promise<void>((resolve) => pipe.once('close', () => resolve()))
    let timer: NodeJS.Timeout | undefined
    return Promise.race([
      Promise.all([closed(this.#child.stdout!), closed(this.#child.stderr!)]).then(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]).finally(() => clearTimeout(timer))
  }

  #stderrTail(): string {
    const tail = this.#stderr.trim().split('\n').slice(-3).join(' | ')
    return tail ? ` (standard error: ${tail})` : ''
  }

  #send(message: unknown): void {
    if (this.#exit === undefined && this.#child.stdin!.writable) this.#child.stdin!.write(JSON.stringify(message) + '\n')
  }

  #onData(text: string): void {
    if (this.#failure) return
    this.#buffer += text
    let newline: number
    while (!this.#failure && (newline = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, newline)
      this.#buffer = this.#buffer.slice(newline + 1)
      this.#onLine(line)
    }
    if (!this.#failure && Buffer.byteLength(this.#buffer) > MAX_LINE_BYTES) {
      this.#fail(HarnessErrorCode.PROTOCOL_ERROR, `the client wrote over ${MAX_LINE_BYTES} bytes without a newline: ${this.#buffer.slice(0, 120)}…`)
    }
  }

  #onLine(line: string): void {
    if (!line.trim()) return
    let message
    try {
      message = parseClientMessage(line)
    } catch (error) {
      this.#fail(HarnessErrorCode.PROTOCOL_ERROR, (error as Error).message)
      return
    }
    if (message.kind === 'log') return
    if (message.kind === 'sleep') {
      if (!this.#pending.size) {
        this.#fail(HarnessErrorCode.PROTOCOL_ERROR, `the client asked to sleep while no request was pending: ${line.slice(0, 200)}`)
        return
      }
      this.env
        .sleep(message.seconds)
        .then(() => this.#send({ method: 'slept', now: this.env.now() }))
        .catch((error: Error) => this.#fail(HarnessErrorCode.PROTOCOL_ERROR, `sleep: ${error.message}`))
      return
    }
    const pending = this.#pending.get(message.id)
    if (!pending) {
      this.#fail(HarnessErrorCode.PROTOCOL_ERROR, `the client answered a request that is not pending (id ${message.id}): ${line.slice(0, 200)}`)
      return
    }
    if (message.kind === 'error') {
      this.#settle(message.id)?.reject(new Error(message.error))
      return
    }
    const problem = resultProblem(pending.method, message.result)
    if (problem) {
      this.#fail(HarnessErrorCode.PROTOCOL_ERROR, `the client's answer to "${pending.method}" breaks the protocol schema (${problem}): ${line.slice(0, 200)}`)
      return
    }
    this.#settle(message.id)?.resolve(message.result)
  }

  #settle(id: number) {
    const pending = this.#pending.get(id)
    if (!pending) return undefined
    clearTimeout(pending.timer)
    this.#pending.delete(id)
    return pending
  }

  /**
   * Ends the session for good: the client is stopped, and every pending
   * request fails, once it has ended, with the reason and how it ended.
   */
  #fail(code: HarnessErrorCode, reason: string): void {
    if (this.#failure) return
    const pending = [...this.#pending.keys()].map((id) => this.#settle(id)!)
    const failure = HarnessError.for(code)(reason)
    this.#failure = failure
    void this.#stop(false).then(({ how }) => {
      if (how) failure.message = `${reason}; ${how}`
      for (const p of pending) p.reject(failure)
    })
  }

  /**
   * Stops the client: its standard input closed (after "shutdown" when it is
   * asked nicely), then SIGTERM, then SIGKILL. Says how it ended (nothing when
   * it had already exited); `clean` when closing its input was enough.
   */
  #stop(polite: boolean): Promise<{ how: string; clean: boolean }> {
    this.#stopping ??= (async () => {
      if (this.#exit !== undefined) return { how: '', clean: true }
      if (polite) this.#send({ id: this.#nextId++, method: 'shutdown', params: {}, now: this.env.now() })
      this.#child.stdin!.end()
      if (await this.#ended(this.#graceMs)) return { how: `the client ${this.#exit} once its standard input was closed`, clean: true }
      killGroup(this.#child, 'SIGTERM')
      if (await this.#ended(this.#graceMs))
        return { how: `the client was still running ${this.#graceMs} ms after its standard input was closed: SIGTERM stopped it`, clean: false }
      killGroup(this.#child, 'SIGKILL')
      await this.#ended(this.#graceMs)
      return {
        how: `the client was still running ${this.#graceMs} ms after its standard input was closed and ${this.#graceMs} ms after SIGTERM: killed with SIGKILL`,
        clean: false,
      }
    })().finally(() => {
      // @note whatever the client left behind in its group would hold our pipes open and the run with them.
      killGroup(this.#child, 'SIGKILL')
    })
    return this.#stopping
  }

  /** Whether the client (the shell and everything in its process group) ended within `ms`. */
  async #ended(ms: number): Promise<boolean> {
    const deadline = performance.now() + ms
    const timeout = new Promise<false>((r) => setTimeout(r, ms, false).unref())
    if (!(await Promise.race([this.#exited.then(() => true), timeout]))) return false
    while (groupAlive(this.#child)) {
      if (performance.now() >= deadline) return false
      await new Promise((r) => setTimeout(r, 10))
    }
    return true
  }

  request(method: string, params: unknown): Promise<unknown> {
    // @note once stopping, wait for the stop: the failure's message then says how the client ended.
    if (this.#failure) return this.#stopping!.then(() => Promise.reject(this.#failure))
    if (this.#exit !== undefined)
      return Promise.reject(HarnessError.for(HarnessErrorCode.PROTOCOL_ERROR)(`the client ${this.#exit} before "${method}"${this.#stderrTail()}`))
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(HarnessErrorCode.STEP_TIMEOUT, `the client did not answer "${method}" in ${this.#timeoutMs} ms`),
        this.#timeoutMs,
      )
      this.#pending.set(id, { method, resolve, reject, timer })
      this.#send({ id, method, params, now: this.env.now() })
    })
  }

  client(): ConformanceClient {
    return {
      startAuthorization: () => this.request('startAuthorization', {}) as Promise<{ url: string }>,
      receiveRedirect: (redirect) => this.request('receiveRedirect', redirect) as Promise<Outcome>,
      callApi: (operation, args) => this.request('callApi', { operation, args }) as Promise<Outcome>,
      close: async () => {
        if (this.#failure) {
          await this.#stopping
          return
        }
        const { how, clean } = await this.#stop(true)
        // @note a client that needs SIGTERM or SIGKILL to end slows every CI run by the grace period: the runner reports it.
        if (!clean) throw HarnessError.for(HarnessErrorCode.PROTOCOL_ERROR)(`the client did not exit after "shutdown": ${how}`)
      },
    }
  }
}
