import { createHash } from 'node:crypto'
import { Reply } from './reply.js'

/** HTML that is already safe to insert. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c])
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === false || value === null || value === undefined) return ''
  return escapeHtml(value)
}

/**
 * Tagged template that escapes every interpolation unless it is {@link SafeHtml}
 * (the result of another `html` call), so an application name or redirect URI
 * can never inject markup.
 *
 * @example
 * html`<h1>Authorize ${client.name}?</h1>`
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]
  return new SafeHtml(out)
}

/** A form's validation errors as a list announced to screen readers; nothing when there are none. */
export function formErrors(errors: readonly string[]): SafeHtml {
  return errors.length ? html`<div class="error" role="alert" data-testid="form-errors"><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : html``
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#1f2937}
header{background:var(--brand,#111827);color:#fff;padding:14px 24px}
header .brand{font-weight:700;letter-spacing:.04em}
header .tagline{font-size:12px;opacity:.8}
main{max-width:560px;margin:40px auto;padding:28px 32px;background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
main.wide{max-width:860px}
h1{font-size:22px;margin:0 0 16px}
label{display:block;font-weight:600;margin:14px 0 4px}
input[type=text],input[type=password],input[type=url],textarea{width:100%;padding:9px 11px;border:1px solid #cbd5e1;border-radius:6px;font:inherit}
textarea{min-height:90px}
.hint{color:#6b7280;font-size:13px;margin:4px 0 0}
.actions{display:flex;gap:12px;margin-top:22px;align-items:center}
button,.button{appearance:none;border:1px solid #cbd5e1;background:#fff;color:#1f2937;padding:9px 18px;border-radius:6px;font:inherit;cursor:pointer;text-decoration:none;display:inline-block}
button.primary,.button.primary{background:var(--brand-accent,#2563eb);border-color:var(--brand-accent,#2563eb);color:#fff;font-weight:600}
button.danger{color:#b91c1c;border-color:#fca5a5}
ul.scopes{padding-left:20px}
ul.scopes li{margin:4px 0}
.error{background:#fef2f2;border:1px solid #fecaca;color:#991b1b;padding:10px 14px;border-radius:6px}
.notice{background:#ecfdf5;border:1px solid #a7f3d0;color:#065f46;padding:10px 14px;border-radius:6px}
code,.secret{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all;background:#f1f5f9;padding:2px 6px;border-radius:4px}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:8px;border-bottom:1px solid #e5e7eb;vertical-align:top}
dl dt{font-weight:600;margin-top:12px}
dl dd{margin:4px 0 0}
.inline{display:inline}
label.inline{font-weight:400;margin:0 0 0 6px}
a{color:var(--brand-accent,#2563eb)}
header a{color:#fff}
:focus-visible{outline:3px solid var(--brand-accent,#2563eb);outline-offset:2px}
nav a{color:#fff;margin-left:16px}
`

const stylesheets = new Map<string, { css: string; csp: string }>()

/**
 * The page's one inline stylesheet and the Content-Security-Policy that admits
 * exactly it (by hash, so no `unsafe-inline`), no scripts, nothing from the
 * network, and no framing.
 */
function stylesheetFor(color: string, accent: string): { css: string; csp: string } {
  const key = `${color}|${accent}`
  let sheet = stylesheets.get(key)
  if (!sheet) {
    const css = `:root{--brand:${color};--brand-accent:${accent}}${STYLE}`
    const hash = createHash('sha256').update(css).digest('base64')
    sheet = { css, csp: `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; frame-ancestors 'none'` }
    stylesheets.set(key, sheet)
  }
  return sheet
}

/** Headers every provider page sends besides its CSP: no framing (clickjacking on consent), no sniffing, no caching. */
export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
}

export interface PageOptions {
  title: string
  /** Provider branding shown in the header. */
  brand: { name: string; tagline?: string; color?: string; accent?: string }
  body: SafeHtml
  status?: number
  headers?: Record<string, string>
  wide?: boolean
  nav?: SafeHtml
}

/** A complete provider page with its security headers. */
export function renderPage(options: PageOptions): Reply {
  const { brand } = options
  const sheet = stylesheetFor(brand.color ?? '#111827', brand.accent ?? '#2563eb')
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}</title>
<style>${new SafeHtml(sheet.css)}</style>
</head>
<body>
<header><span class="brand">${brand.name}</span>${brand.tagline ? html` <span class="tagline">${brand.tagline}</span>` : ''}${options.nav ?? ''}</header>
<main${options.wide ? new SafeHtml(' class="wide"') : ''}>
${options.body}
</main>
</body>
</html>`
  return new Reply(
    options.status ?? 200,
    { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': sheet.csp, ...PAGE_SECURITY_HEADERS, ...options.headers },
    document.value,
  )
}
