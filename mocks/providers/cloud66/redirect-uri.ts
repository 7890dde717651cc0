import { OOB_REDIRECT_URI } from '../../core/authorize.js'

function parseHttpUrl(value: string): URL | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
}

/** `/a/b` extends `/a` and `/a/` and `/`, never `/ab` (GitHub's "subdirectory of the callback URL path"). */
function pathExtends(path: string, base: string): boolean {
  const prefix = base.endsWith('/') ? base : base + '/'
  return path === base || path.startsWith(prefix)
}

/**
 * The document's "Redirect URLs" rule (copied from GitHub's 2011 OAuth docs):
 * the redirect URL "must match the callback URL's host". Its table shows
 * what that means: the scheme may change (`https://example.com` is GOOD for
 * `http://example.com`), the path may extend the callback's (`/bar`), but
 * another port, a subdomain or another host is BAD. Explicit ports are
 * compared (`''` is the scheme's default), so `:8080` never matches.
 *
 * Beyond the table, for safety: a fragment (RFC 6749 §3.1.2) or user
 * information in the URL is refused, and only http(s) URLs qualify; an
 * out-of-band callback matches only itself.
 */
export function matchesCallbackHost(given: string, callback: string): boolean {
  if (callback === OOB_REDIRECT_URI || given === OOB_REDIRECT_URI) return given === callback
  const url = parseHttpUrl(given)
  const registered = parseHttpUrl(callback)
  if (!url || !registered) return false
  if (url.hash || given.includes('#') || url.username || url.password) return false
  // The WHATWG parser lower-cases the host and resolves `..` (also `%2e%2e`), so the browser goes where this checks.
  return url.hostname === registered.hostname && url.port === registered.port && pathExtends(url.pathname, registered.pathname)
}

/**
 * Doorkeeper's `uri_checker` (the real server, PROVIDERS.md §3.2): drop the
 * request's query, then the whole URI must equal the registered one.
 */
export function matchesCallbackExactly(given: string, callback: string): boolean {
  if (callback === OOB_REDIRECT_URI || given === OOB_REDIRECT_URI) return given === callback
  const url = parseHttpUrl(given)
  const registered = parseHttpUrl(callback)
  if (!url || !registered || url.hash || given.includes('#')) return false
  url.search = ''
  return url.href === registered.href
}
