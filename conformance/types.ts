import type { Exchange } from '../mocks/core/journal.js'
import type { FaultSpec } from '../mocks/core/faults.js'

/**
 * The shapes the harness is built from: rules judge recorded exchanges and the
 * outcomes a client reported; scenarios say which rules apply and how badly a
 * failure counts; adapters drive a client under test.
 */

/** How much a failed check counts; chosen where a scenario uses a rule (OIDF `ConditionResult`). */
export type Severity = 'failure' | 'warning'

/** A check's result in a report: `warning` is a failed check of severity warning. */
export type CheckResult = 'pass' | 'fail' | 'warning' | 'skip'

/** What a rule concludes. `exchange` is the `seq` of the offending exchange, when there is one. */
export interface Verdict {
  result: 'pass' | 'fail' | 'skip'
  message: string
  expected?: unknown
  actual?: unknown
  exchange?: number
}

/**
 * A pure check over a scenario's recording. No I/O, no severity: the scenario
 * decides how much a failure counts.
 */
export interface Rule {
  /** Stable kebab id, verb first (`send-state`, `respect-retry-after`). */
  id: string
  title: string
  /** Requirement ids (`RFC6749-4.1.2`, `CARINA-api`), linked by `conformance/spec-links.ts`. */
  requirements: string[]
  /** OpenID Foundation conformance-suite modules that check the same thing, if any. */
  oidf?: string[]
  /** Requirement ids of provider-recorded violations (`notes.violations`) this rule judges, so pass-strict-provider-checks leaves them to it. */
  claims?: string[]
  evaluate(ctx: RuleContext): Verdict
}

/** A rule as a scenario uses it. */
export interface RuleUse {
  rule: Rule
  severity: Severity
  /** Requirement ids this use adds to the rule's own (OIDF attaches them at the call site too). */
  requirements?: string[]
}

/** What the client said happened, step by step. */
export type Outcome =
  | {
      ok: true
      status?: number
      data?: unknown
      /** OIDC: the ID token the client accepted in this step (compact JWS). */ idToken?: string
      /** OIDC: the end-user claims the client uses after this step (`sub` at least). */ claims?: Record<string, unknown>
    }
  | { ok: false; error: string; description?: string; status?: number; crashed?: boolean }

/** What the runner did and what the client answered, per step. */
export interface StepRecord {
  index: number
  step: Step
  outcome?: Outcome
  /** Exchanges (by seq) recorded while the step ran. */
  exchanges: number[]
  /** For forged redirects: the code the client must not redeem. */
  forgedCode?: string
  /** How the redirect was forged: its state changed, or removed. */
  forged?: 'state' | 'drop-state' | 'iss'
  /** The redirect the user agent ended on (authorize steps). */
  redirect?: string
  /** The client asked for the user again during a call (`authorization_required`), and the runner played the user. */
  reauthorized?: boolean
}

/** What a correct client reports for a step. */
export type Expectation =
  /** The step succeeds. */
  | 'ok'
  /** The client reports an error (any code), cleanly: no crash. */
  | 'error'
  /** Either succeeds or reports an error cleanly: what "survives or reports cleanly" means. */
  | 'settles'
  /** The client reports one of these error codes. */
  | { error: string[] }

export type Step =
  /** Ask the client for its authorization URL and play the user through it; deliver the redirect. */
  | { do: 'authorize'; user: 'approve' | 'deny'; forge?: 'state' | 'drop-state' | 'iss'; expect?: Expectation; requirements?: string[] }
  /** Ask the client to make a protected call (it gets tokens however it must). */
  | { do: 'call'; operation: string; args?: Record<string, string>; expect?: Expectation; requirements?: string[] }
  /** Move the provider's mock clock. */
  | { do: 'advance-clock'; seconds: number }
  /** Inject a fault (mocks/core/faults.ts) for the following requests. */
  | { do: 'inject-fault'; fault: FaultSpec }
  /** Revoke every token the provider issued (the user removed the application). */
  | { do: 'revoke-tokens' }
  /** A provider control action, as a serve user posts it to `/__oauth-dance/<action>` (Cogo: `rotate-key`, `retire-key`). */
  | { do: 'control'; action: string; body?: Record<string, unknown> }

/**
 * One scenario: a provider, a flow, the conditions the mock sets up, what a
 * correct client must do, and the rules that judge it.
 */
export interface Scenario {
  /** Kebab id = file name (`scenarios/carina/happy-path.ts` → `happy-path`). */
  id: string
  title: string
  /** Why the scenario exists, quoting the spec or the provider document. */
  summary: string
  /** The provider (one profile per provider). */
  profile: string
  /** Whether the mock refuses spec violations (strict, as the real provider) or serves them and records findings (lenient). */
  mode?: 'strict' | 'lenient'
  /** Client settings the scenario changes (a short request timeout for the slow-answer scenario). */
  client?: Partial<Pick<ClientConfig, 'requestTimeoutMs'>> & {
    /**
     * `resource`: the client is told nothing but the protected resource's URL
     * (`resourceUrl`; no endpoints, no client id), as in the MCP authorization
     * profile: it discovers the authorization server (RFC 9728), registers
     * (RFC 7591) and asks for tokens for that resource (RFC 8707).
     */
    startFrom?: 'resource'
  }
  steps: Step[]
  rules: RuleUse[]
  /**
   * The scenario waits for work off the main thread (the provider generates an RSA key on the thread pool): run in lanes,
   * it starts first, as one that holds an answer in real time does, so that the wait overlaps the others' work.
   */
  waitsOffThread?: boolean
}

/** Everything a rule may read. */
export interface RuleContext {
  scenario: Scenario
  profile: ProviderFacts
  /** Every exchange of the scenario, in order. */
  exchanges: Exchange[]
  steps: StepRecord[]
  /** The client's configuration (registered redirect URI, secret...). */
  client: ClientConfig
}

/** Facts about a provider that rules need: part of its definition (`mocks/providers/<id>/conformance.ts`). */
export type { ProviderFacts } from '../mocks/core/define.js'
import type { ProviderFacts } from '../mocks/core/define.js'

/** What the harness tells a client under test. */
export interface ClientConfig {
  provider: string
  /** The grant the provider's document describes: `authorization_code` (the runner plays the user) or `client_credentials`. */
  grant: 'authorization_code' | 'client_credentials'
  /** Authorization endpoint (absent for client-credentials providers). */
  authorizationEndpoint?: string
  tokenEndpoint: string
  /** Base URL of the protected API. */
  apiBaseUrl: string
  clientId: string
  clientSecret: string
  redirectUri?: string
  scope?: string
  /** The authorization server's issuer identifier, when it sends `iss` in authorization responses (RFC 9207): the client must check it. */
  issuer?: string
  /**
   * Set only when the scenario starts from a protected resource
   * (`startFrom: 'resource'`): its URL, and then `tokenEndpoint`, `clientId`
   * and `clientSecret` are empty and `authorizationEndpoint`, `issuer` and
   * `scope` absent: the client finds them from the resource's 401.
   */
  resourceUrl?: string
  /** Give up on a request after this long (real time). */
  requestTimeoutMs: number
}

/** What an in-process client gets from the harness. */
export interface ClientEnvironment {
  /** The fetch to use (in process it reaches the mock through msw, or past it for a built-in client; over sockets it is the real one). */
  fetch: typeof fetch
  /** Mock-clock time in ms: use it, never `Date.now()`, for expiry. */
  now(): number
  /** Wait `seconds` of mock time (the runner advances the clock). Use it for polling and Retry-After. */
  sleep(seconds: number): Promise<void>
}

/** The small interface a client under test implements (in-process), or that an adapter implements for it. */
export interface ConformanceClient {
  /** Build the authorization URL (with state, PKCE...) the user's browser is sent to. */
  startAuthorization(): Promise<{ url: string }>
  /** The browser arrived back: the redirect URL (or, out of band, the code the user copied). */
  receiveRedirect(redirect: { url: string } | { code: string }): Promise<Outcome>
  /** Make a protected call; get or refresh tokens as needed. */
  callApi(operation: string, args: Record<string, string>): Promise<Outcome>
  close?(): Promise<void>
}

/** Starts a client under test for one scenario. */
export interface ClientAdapter {
  name: string
  start(config: ClientConfig, env: ClientEnvironment): Promise<ConformanceClient>
  /**
   * One of ours (the reference client, the broken ones): it fetches only
   * through `env.fetch`, so in process its requests may reach the provider
   * past msw's interception, with the same answers (`startTransport`'s `direct`).
   */
  builtIn?: boolean
}
