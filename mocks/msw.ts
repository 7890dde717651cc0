/**
 * Loads msw for the providers' `handlers`: imported by the package's entry
 * points that hand out msw handlers (`oauth-dance`, `oauth-dance/playwright`,
 * `oauth-dance/conformance`) and not by `serve`, which never needs msw.
 *
 * @example
 * import 'oauth-dance/msw' // only when importing providers from a deeper path
 */
// msw/core/http, not msw: the package root also loads GraphQL (~300 ms), which no provider uses.
import { http } from 'msw/core/http'
import { useMswHttp } from './core/provider.js'

useMswHttp(http)
