/**
 * Errors of the harness itself (never of the client under test, whose
 * failures are check results). Coded, so callers can tell them apart.
 */
export enum HarnessErrorCode {
  UNKNOWN_PROVIDER = 'UNKNOWN_PROVIDER',
  UNKNOWN_CLIENT = 'UNKNOWN_CLIENT',
  USER_AGENT_FAILED = 'USER_AGENT_FAILED',
  STEP_TIMEOUT = 'STEP_TIMEOUT',
  PROTOCOL_ERROR = 'PROTOCOL_ERROR',
  /** A scenario step the provider could not carry out (an unknown control action). */
  BAD_SCENARIO = 'BAD_SCENARIO',
}

export class HarnessError extends Error {
  constructor(
    readonly code: HarnessErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'HarnessError'
  }

  /** @example throw HarnessError.for(HarnessErrorCode.UNKNOWN_PROVIDER)('Failed to run scenario "deny": provider "acme" is not registered') */
  static for(code: HarnessErrorCode) {
    return (message: string) => new HarnessError(code, message)
  }
}
