/** Every message the library prints is prefixed, so users can tell it from their own output. */
export const LIBRARY_PREFIX = '[oauth-dance]'

export const devUtils = {
  warn(...args: unknown[]) {
    console.warn(LIBRARY_PREFIX, ...args)
  },
  error(...args: unknown[]) {
    console.error(LIBRARY_PREFIX, ...args)
  },
}
