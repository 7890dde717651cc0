import type { OAuthError } from './errors.js'

// The strictness types, apart from the route context that reports violations, so the body parsers and client
// authentication can take a reporter without depending on routes.

/**
 * How a provider treats a request that breaks a requirement the real service
 * enforces: `strict` (the default) refuses it as the real one would;
 * `lenient` serves it and records the violation, so a conformance report can
 * list every problem of a client in one run instead of stopping at the first
 * refusal.
 */
export type Strictness = 'strict' | 'lenient'

/** A requirement a request broke, as recorded in `notes.violations`. */
export interface Violation {
  /** Requirement id (`RFC6749-2.3`), linked by `conformance/spec-links.ts`. */
  requirement: string
  /** What the request did, for reports. */
  message: string
  /** The `error` code the strict provider answers. */
  error: string
  /** Whether the provider served the request anyway (lenient) or refused it (strict). */
  served: boolean
}

/**
 * Reports a violation: records it in the journal notes, then throws
 * `strictError` (strict) or returns so the request is served (lenient).
 */
export type ReportViolation = (requirement: string, message: string, strictError: OAuthError, options?: ViolationOptions) => void

export interface ViolationOptions {
  /**
   * The real provider served such a request (Doorkeeper took the Basic
   * credentials and ignored body ones): served in strict mode too, and still
   * recorded, so the conformance rules report it (PROVIDERS.md, policy 2).
   */
  servedByRealProvider?: boolean
}
