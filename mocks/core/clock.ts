/**
 * The time a provider lives by. Tests move it instead of sleeping, so expiry,
 * refresh and "the cluster becomes active after 2-3 minutes" take no real time.
 *
 * A clock starts at the real time (or `start`) and only moves when told to:
 * `advance(seconds)` or `set(date)`. `frozen: false` makes it follow real time
 * plus the accumulated offset, for interactive use of `serve`.
 */
export class Clock {
  #offsetMs = 0
  #fixedMs: number | undefined

  constructor(options: { start?: Date | number; frozen?: boolean } = {}) {
    const start = options.start === undefined ? undefined : +options.start
    if (options.frozen) this.#fixedMs = start ?? Date.now()
    else if (start !== undefined) this.#offsetMs = start - Date.now()
  }

  /** Milliseconds since the epoch, as the provider sees it. */
  nowMs(): number {
    return this.#fixedMs ?? Date.now() + this.#offsetMs
  }

  /** Whole seconds since the epoch (JWT `iat`/`exp`, RFC 7519 NumericDate). */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000)
  }

  now(): Date {
    return new Date(this.nowMs())
  }

  /** Move the clock forward (or back, with a negative value). */
  advance(seconds: number): Date {
    if (!Number.isFinite(seconds)) throw new RangeError(`Failed to advance the clock: ${seconds} is not a number of seconds`)
    if (this.#fixedMs !== undefined) this.#fixedMs += seconds * 1000
    else this.#offsetMs += seconds * 1000
    return this.now()
  }

  set(date: Date | number): Date {
    const ms = +date
    if (!Number.isFinite(ms)) throw new RangeError('Failed to set the clock: not a valid date')
    if (this.#fixedMs !== undefined) this.#fixedMs = ms
    else this.#offsetMs = ms - Date.now()
    return this.now()
  }

  /** Back to real time (keeps the frozen/running mode). */
  reset(): void {
    this.#offsetMs = 0
    if (this.#fixedMs !== undefined) this.#fixedMs = Date.now()
  }
}
