import { PayloadTooLarge } from './errors.js'
import { readBodyText } from './params.js'
import { hasBody, type ProviderRequest, type ReadBody } from './request.js'

/**
 * The request body as text: '' for GET and HEAD, else as the adapter read it
 * (synchronously) or read here from the request's stream, bounded by `limit`
 * (413 past it, thrown or rejected).
 */
export function requestBodyText(request: ProviderRequest, method: string, body: ReadBody | undefined, limit: number): string | Promise<string> {
  if (!hasBody(method)) return ''
  if (body === undefined) return readBodyText(request, limit)
  if ('tooLarge' in body || Buffer.byteLength(body.text) > limit) throw new PayloadTooLarge(limit)
  return body.text
}
