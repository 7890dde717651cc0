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

  /** Move the clock forward (or back, with a negative value). Refused, changing nothing, past {@link MAX_CLOCK_MS} or before the epoch. */
  advance(seconds: number): Date {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) throw new RangeError(`Failed to advance the clock: ${seconds} is not a number of seconds`)
    const target = this.nowMs() + seconds * 1000
    if (!inClockRange(target))
      throw new RangeError(`Failed to advance the clock: ${seconds} seconds would take it outside ${CLOCK_RANGE} (it is ${this.now().toISOString()})`)
    if (this.#fixedMs !== undefined) this.#fixedMs += seconds * 1000
    else this.#offsetMs += seconds * 1000
    return this.now()
  }

  /** Set the time; refused, changing nothing, outside {@link CLOCK_RANGE}. */
  set(date: Date | number): Date {
    const ms = +date
    if (!Number.isFinite(ms)) throw new RangeError('Failed to set the clock: not a valid date')
    if (!inClockRange(ms)) throw new RangeError(`Failed to set the clock: ${new Date(ms).toISOString()} is outside ${CLOCK_RANGE}`)
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

/**
 * The last instant the clock may show: 9999-12-31T23:59:59.999Z. Four-digit
 * years are what every date format the providers write (ISO 8601, HTTP dates,
 * JWT NumericDate in clients) handles; `{"advance": 1e308}` once made every
 * page answer 500.
 */
export const MAX_CLOCK_MS = 253402300799999
const CLOCK_RANGE = '1970-01-01T00:00:00.000Z ... 9999-12-31T23:59:59.999Z'

function inClockRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_CLOCK_MS
}
