import * as z from '../../store/zod.js'
import { positiveSeconds } from '../../core/options.js'

/** Scopes of "Interact with Carina", in the words of the consent page in the document. */
export const CARINA_SCOPES: Record<string, string> = {
  identity: 'Read your public profile',
  cluster_credentials: 'Download your cluster credentials',
  create_cluster: 'Create a new cluster',
}

/** Carina's options (`createCarina`, the config file, `serve --set carina.<key>=<value>`, `/__oauth-dance/options`). */
export const carinaOptionsSchema = z.strictObject({
  /** The document: "2-3 minutes". */
  clusterBuildSeconds: positiveSeconds('Seconds a new cluster builds before its credentials are served (the document: 2-3 minutes)', 150),
  /**
   * `doorkeeper`: 401 for every error, as Doorkeeper before 5.1 answered;
   * `rfc6749`: 400, and 401 for invalid_client (RFC 6749 §5.2).
   */
  tokenErrorStatus: z
    ._default(z.enum(['doorkeeper', 'rfc6749']), 'doorkeeper')
    .check(z.describe('Token error status: "doorkeeper" 401 for all (Doorkeeper 3), "rfc6749" 400 and 401 for invalid_client (RFC 6749 §5.2)')),
  /** The document: `expires_in: 7200`. */
  accessTokenTtlSeconds: positiveSeconds('Seconds an access token lives (the document: 7200)', 7200),
  /** The document does not say which. */
  defaultScopes: z
    ._default(z.array(z.enum(Object.keys(CARINA_SCOPES) as [string, ...string[]])).check(z.minLength(1, { error: 'must name at least one scope' })), [
      'identity',
    ])
    .check(z.describe('Scopes granted when the authorize request names none')),
  /**
   * RFC 6749 §10.5's SHOULD, which Doorkeeper 3 lacked: off, a replayed code
   * is refused and its tokens kept, so a client that retries its exchange
   * after a dropped connection keeps its token, as in production.
   */
  revokeTokensOnCodeReplay: z
    ._default(z.boolean(), false)
    .check(z.describe('Revoke the tokens a code issued when the code is replayed (RFC 6749 §10.5 SHOULD; Doorkeeper 3 did not)')),
})

export type CarinaOptions = z.input<typeof carinaOptionsSchema>
