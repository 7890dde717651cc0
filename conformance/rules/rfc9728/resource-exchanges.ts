import type { Exchange } from '../../../mocks/core/journal.js'
import type { RuleContext } from '../../types.js'

/**
 * Reading the journal of a client that starts from a protected resource (the
 * MCP authorization profile): the resource's 401 challenges, the metadata
 * documents it fetched, the clients it registered. Judged from what was sent
 * and answered, so they hold for any provider that serves these documents.
 */

/** A 2xx JSON object answer's members, else undefined. */
export function responseJson(exchange: Exchange): Record<string, unknown> | undefined {
  if (exchange.response.status < 200 || exchange.response.status > 299) return undefined
  try {
    const parsed = JSON.parse(exchange.response.body) as unknown
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** 401 answers naming the resource's metadata in `WWW-Authenticate` (RFC 9728 §5.1), with that URL. */
export function resourceChallenges(ctx: Pick<RuleContext, 'exchanges'>): Array<{ exchange: Exchange; metadataUrl: string }> {
  const out: Array<{ exchange: Exchange; metadataUrl: string }> = []
  for (const exchange of ctx.exchanges) {
    if (exchange.response.status !== 401) continue
    const metadataUrl = /resource_metadata="([^"]*)"/.exec(exchange.response.headers['www-authenticate'] ?? '')?.[1]
    if (metadataUrl) out.push({ exchange, metadataUrl })
  }
  return out
}

/** GETs of a URL, answered. */
export function getsOf(ctx: Pick<RuleContext, 'exchanges'>, url: string): Exchange[] {
  return ctx.exchanges.filter((e) => e.request.method === 'GET' && e.request.url === url)
}

/** Successful registrations (RFC 7591 §3.2.1: 201 with the `client_id` issued), with that id. */
export function registrations(ctx: Pick<RuleContext, 'exchanges'>): Array<{ exchange: Exchange; clientId: string; clientSecret?: string }> {
  const out: Array<{ exchange: Exchange; clientId: string; clientSecret?: string }> = []
  for (const exchange of ctx.exchanges) {
    if (exchange.request.method !== 'POST' || exchange.response.status !== 201) continue
    const body = responseJson(exchange)
    if (typeof body?.client_id === 'string')
      out.push({ exchange, clientId: body.client_id, ...(typeof body.client_secret === 'string' ? { clientSecret: body.client_secret } : {}) })
  }
  return out
}

/** Whether a URL is the resource or under it (RFC 8707 §2: the resource's URI; its paths are the same resource). */
export function withinResource(url: string, resource: string): boolean {
  const base = resource.replace(/\/$/, '')
  return url === base || url.startsWith(`${base}/`) || url.startsWith(`${base}?`)
}
