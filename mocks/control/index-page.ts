import { html, renderPage, type SafeHtml } from '../core/html.js'
import type { Reply } from '../core/reply.js'
import type { Exchange } from '../core/journal.js'
import type { ProviderDescription, ProviderRuntime } from '../core/provider.js'

/** A provider as the index page links it. */
export interface LinkedProvider {
  id: string
  baseUrl: string
}

/** The providers on the same `serve`, for the index page's links (built or not yet: `serve` builds some on their first request). */
const siblings = new WeakMap<ProviderRuntime, () => LinkedProvider[]>()

/** Called by `serve` for each provider it builds: its index page then lists every provider `beside()` gives. */
export function linkProviders(provider: ProviderRuntime, beside: () => LinkedProvider[]): void {
  siblings.set(provider, beside)
}

export function providersBeside(provider: ProviderRuntime): LinkedProvider[] {
  return siblings.get(provider)?.() ?? [{ id: provider.id, baseUrl: provider.baseUrl }]
}

/** How many of the latest exchanges the index shows. */
export const INDEX_JOURNAL_ENTRIES = 20

/** One line of the index's journal: enough to see what happened, never a body. */
export interface IndexJournalEntry {
  seq: number
  at: string
  route: string | null
  method: string
  /** Without the query (it may hold codes and secrets; the journal itself has the whole request). */
  path: string
  status: number
  client: string | null
  error: string | null
  fault: string | null
  shortcut: boolean
  hints: unknown[]
}

function journalEntry(exchange: Exchange): IndexJournalEntry {
  const url = new URL(exchange.request.url)
  const notes = exchange.notes ?? {}
  const client = typeof notes.clientId === 'string' ? notes.clientId : url.searchParams.get('client_id')
  // Hints are the conformance notes some routes add (`hints` on the exchange or in its notes).
  const hints = (exchange as Exchange & { hints?: unknown }).hints ?? notes.hints
  return {
    seq: exchange.seq,
    at: exchange.at,
    route: exchange.route,
    method: exchange.request.method,
    path: url.pathname,
    status: exchange.response.status,
    client,
    error: exchange.error?.error ?? null,
    fault: exchange.fault ?? null,
    shortcut: notes.shortcut === true,
    hints: Array.isArray(hints) ? hints : hints === undefined ? [] : [hints],
  }
}

/** Everything the index page shows, as `GET /__oauth-dance/index.json` answers it. */
export function indexData(provider: ProviderRuntime) {
  const { clients: _clients, users: _users, ...endpoints } = provider.describe()
  const clients = provider.clients.list() as ProviderDescription['clients']
  const users = provider.users.list() as ProviderDescription['users']
  const now = provider.clock.now()
  return {
    provider: provider.id,
    origins: provider.origins,
    endpoints,
    providers: providersBeside(provider).map((p) => ({ id: p.id, baseUrl: p.baseUrl, index: `${p.baseUrl}/__oauth-dance/` })),
    strictness: provider.strictness,
    clock: { now: now.toISOString(), nowMs: now.getTime(), offsetSeconds: Math.round((now.getTime() - Date.now()) / 1000) },
    options: provider.options.get(),
    clients,
    users,
    faults: provider.faults.list(),
    journal: { enabled: provider.journal.enabled, latest: provider.journal.entries().slice(-INDEX_JOURNAL_ENTRIES).reverse().map(journalEntry) },
  }
}

function value(v: unknown): SafeHtml {
  if (v === undefined || v === null) return html`<span class="hint">none</span>`
  if (Array.isArray(v))
    return v.length
      ? html`${v.map((item, i) => html`${i ? ', ' : ''}<code>${typeof item === 'string' ? item : JSON.stringify(item)}</code>`)}`
      : html`<span class="hint">none</span>`
  return html`<code>${typeof v === 'string' ? v : JSON.stringify(v)}</code>`
}

function table(caption: string, testId: string, headings: string[], rows: SafeHtml[][], empty: string): SafeHtml {
  if (!rows.length) return html`<h2>${caption}</h2><p class="hint" data-testid="${testId}">${empty}</p>`
  return html`<h2>${caption}</h2>
<table data-testid="${testId}">
<thead><tr>${headings.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>
${rows.map((cells) => html`<tr>${cells.map((cell, i) => (i === 0 ? html`<th scope="row">${cell}</th>` : html`<td>${cell}</td>`))}</tr>\n`)}</tbody>
</table>`
}

/**
 * The index page: what is running on this origin, readable at a glance.
 * Plain HTML under the pages' strict CSP (no script, nothing from the
 * network), `X-Frame-Options: DENY`, never cached.
 */
export function renderIndexPage(provider: ProviderRuntime): Reply {
  const data = indexData(provider)
  const descriptions = provider.options.schema?.shape ?? {}
  const endpointRows = Object.entries(data.endpoints).map(([key, v]) => [
    html`${key}`,
    typeof v === 'string' ? value(v) : html`<code>${JSON.stringify(v)}</code>`,
  ])
  const body = html`<h1>${data.provider}: what is running</h1>
<p>Mock time <time datetime="${data.clock.now}" data-testid="index-clock">${data.clock.now}</time>${data.clock.offsetSeconds ? html` (${data.clock.offsetSeconds > 0 ? '+' : ''}${data.clock.offsetSeconds} s from real time)` : ' (real time)'}; strictness <strong data-testid="index-strictness">${data.strictness}</strong>. The same as JSON: <a href="index.json">index.json</a>.</p>
${table(
  'Providers on this server',
  'index-providers',
  ['Provider', 'Base URL', 'Index'],
  data.providers.map((p) => [html`${p.id}${p.id === data.provider ? ' (this one)' : ''}`, value(p.baseUrl), html`<a href="${p.index}">${p.id} index</a>`]),
  'none',
)}
${table('Endpoints', 'index-endpoints', ['Name', 'Value'], endpointRows, 'none')}
${table(
  'Clients',
  'index-clients',
  ['Client id', 'Secret', 'Name', 'Redirect URIs', 'Scopes'],
  data.clients.map((c) => [
    html`<code>${c.id}</code>`,
    html`<span class="secret">${c.secret}</span>`,
    html`${c.name ?? ''}`,
    value(c.redirectUris),
    value(c.scopes),
  ]),
  'No clients.',
)}
${table(
  'Users',
  'index-users',
  ['Username', 'Password'],
  data.users.map((u) => [html`${u.username}`, html`<span class="secret">${u.password}</span>`]),
  'No users: this provider only has client credentials.',
)}
${table(
  'Options in force',
  'index-options',
  ['Option', 'Value', 'What it does'],
  Object.entries(data.options).map(([key, v]) => [
    html`<code>${key}</code>`,
    value(v),
    html`${(descriptions[key] as { description?: string } | undefined)?.description ?? ''}`,
  ]),
  'This provider has no options.',
)}
${table(
  'Active faults',
  'index-faults',
  ['Id', 'Route', 'Times', 'Action'],
  data.faults.map((f) => [html`<code>${f.id}</code>`, value(f.route), value(f.times), value(f.action)]),
  'No faults.',
)}
${table(
  `Latest exchanges (${data.journal.latest.length}, newest first)`,
  'index-journal',
  ['#', 'Route', 'Request', 'Status', 'Client', 'Notes'],
  data.journal.latest.map((e) => [
    html`${e.seq}`,
    e.route ? html`<code>${e.route}</code>` : html`<span class="hint">no route</span>`,
    html`${e.method} <code>${e.path}</code>`,
    html`${e.status}`,
    e.client ? html`<code>${e.client}</code>` : html`<span class="hint">none</span>`,
    html`${[e.shortcut ? 'authorize shortcut' : '', e.error ? `error ${e.error}` : '', e.fault ? `fault ${e.fault}` : '', ...e.hints.map((h) => `hint: ${typeof h === 'string' ? h : JSON.stringify(h)}`)].filter(Boolean).join('; ')}`,
  ]),
  data.journal.enabled ? 'Nothing recorded yet.' : 'The journal is off (--no-journal).',
)}`
  return renderPage({ title: `oauth-dance: ${data.provider}`, brand: { name: 'oauth-dance', tagline: 'mock providers: control index' }, body, wide: true })
}
