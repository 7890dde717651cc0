import * as z from '../../store/zod.js'
import { positiveSeconds } from '../../core/options.js'

/**
 * Cloud 66's options (`createCloud66`, the config file, `serve --set
 * cloud66.<key>=<value>`, `/__oauth-dance/options`). Where the document and the
 * real (Doorkeeper) server disagree, the document is the default and the real
 * behaviour an option (PROVIDERS.md, policy 4). Every option is read per
 * request, so a test may flip it on a running provider.
 */
export const cloud66OptionsSchema = z.strictObject({
  /**
   * `host` (the document's "Redirect URLs" table): the redirect URI must have
   * the callback's host and port and may extend its path; the scheme may
   * differ. `exact`: Doorkeeper's whole-URI match, ignoring the request's query.
   */
  redirectMatching: z
    ._default(z.enum(['host', 'exact']), 'host')
    .check(z.describe('"host": same host and port as the callback, path may extend it (the document); "exact": Doorkeeper\'s whole-URI match')),
  /**
   * `document`: scopes separated by commas (the table) or spaces (the note).
   * `doorkeeper`: spaces only, so `public,redeploy` is one unknown scope and
   * answered invalid_scope (PROVIDERS.md §7 #9).
   */
  scopeParsing: z
    ._default(z.enum(['document', 'doorkeeper']), 'document')
    .check(z.describe('"document": scopes split on commas or spaces; "doorkeeper": spaces only')),
  /**
   * `document`: what the document's tables omit or mark optional may be left
   * out: `response_type` (taken as `code`) and `redirect_uri` at the
   * authorization endpoint, `grant_type` (taken as `authorization_code`) and
   * `redirect_uri` at the token endpoint. `doorkeeper`: all four required
   * (PROVIDERS.md §7 #8).
   */
  requiredParams: z
    ._default(z.enum(['document', 'doorkeeper']), 'document')
    .check(z.describe('"document": response_type, grant_type and redirect_uri may be omitted; "doorkeeper": all required')),
  /** `negotiate` (the document): urlencoded, or JSON / XML by `Accept`. `json`: always JSON, as Doorkeeper answered (PROVIDERS.md §7 #11). */
  tokenResponse: z
    ._default(z.enum(['negotiate', 'json']), 'negotiate')
    .check(z.describe('"negotiate": urlencoded, JSON or XML by Accept (the document); "json": always JSON (Doorkeeper)')),
  /** `doorkeeper`: every token error 401, as Doorkeeper before 5.1; `rfc6749`: 400, and 401 only for invalid_client (RFC 6749 §5.2). */
  tokenErrorStatus: z
    ._default(z.enum(['doorkeeper', 'rfc6749']), 'doorkeeper')
    .check(z.describe('Token error status: "doorkeeper" 401 for all, "rfc6749" 400 and 401 for invalid_client (RFC 6749 §5.2)')),
  redeploySeconds: positiveSeconds('Seconds a redeployment queued through the API takes', 120),
  /** RFC 6749 §10.5's SHOULD, which Doorkeeper lacked: off, a replayed code is refused and its token kept. */
  revokeTokensOnCodeReplay: z
    ._default(z.boolean(), false)
    .check(z.describe('Revoke the token a code issued when the code is replayed (RFC 6749 §10.5 SHOULD; Doorkeeper did not)')),
})

export type Cloud66Options = z.input<typeof cloud66OptionsSchema>
