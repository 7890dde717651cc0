import { Reply } from '../core/reply.js'
import type { RequestHeaders } from '../core/request.js'
import { AccountError, type AuthorizeShortcutInput } from '../core/accounts.js'
import { OptionsError } from '../core/options.js'
import type { ProviderRuntime } from '../core/provider.js'
import { indexData, renderIndexPage } from './index-page.js'

export {
  AccountError,
  AccountsControl,
  MAX_ACCOUNTS,
  seedDeclaredAccounts,
  type AccountsDefinition,
  type AuthorizeShortcut,
  type AuthorizeShortcutInput,
  type AuthorizeShortcutResult,
} from '../core/accounts.js'

/**
 * The control paths of issue 14, answered under `/__oauth-dance/` on every
 * origin beside those of `ControlPaths` (reset, clock, faults...: `control-paths.ts`):
 *
 * | request | answer |
 * |---|---|
 * | `GET clients`, `POST clients`, `DELETE clients/<id>` | list, add (JSON, the provider's terms), remove |
 * | `GET users`, `POST users`, `DELETE users/<username>` | likewise for users |
 * | `GET options`, `POST options` | the options in force; change some (validated, undone by reset) |
 * | `POST authorize` | the authorization endpoint's redirect without its pages |
 * | `GET ` (the prefix itself), `GET index.json` | the index page, HTML or JSON |
 *
 * Bodies must be JSON (`Content-Type: application/json`): a form post from
 * another site cannot reach these paths without a CORS preflight.
 */

/** Checks the shortcut's JSON before any provider sees it. */
export function readAuthorizeInput(body: unknown): AuthorizeShortcutInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new OptionsError('give an object', ['give an object'])
  const input = body as Record<string, unknown>
  const allowed = ['client', 'user', 'scope', 'redirectUri', 'state', 'decision', 'codeChallenge', 'codeChallengeMethod']
  const problems: string[] = []
  for (const key of Object.keys(input)) if (!allowed.includes(key)) problems.push(`"${key}" is not a known key (allowed: ${allowed.join(', ')})`)
  if (typeof input.client !== 'string' || !input.client) problems.push('"client" must be a client id')
  for (const key of ['user', 'redirectUri', 'state', 'codeChallenge', 'codeChallengeMethod']) {
    if (input[key] !== undefined && typeof input[key] !== 'string') problems.push(`"${key}" must be a string`)
  }
  if (input.scope !== undefined && typeof input.scope !== 'string' && !(Array.isArray(input.scope) && input.scope.every((s) => typeof s === 'string'))) {
    problems.push('"scope" must be a string or a list of strings')
  }
  if (input.decision !== undefined && input.decision !== 'approve' && input.decision !== 'deny') problems.push('"decision" must be "approve" or "deny"')
  if (problems.length) throw new OptionsError(problems.join('; '), problems)
  return input as unknown as AuthorizeShortcutInput
}

/** The username the shortcut acts as: the one given, else the provider's first user; throws naming the known ones. */
export function shortcutUser<U extends { username: string }>(users: U[], given: string | undefined): U {
  const user = given === undefined ? users[0] : users.find((u) => u.username === given)
  if (!user) throw new AccountError(`no user "${given}" (known: ${users.map((u) => u.username).join(', ') || 'none'})`)
  return user
}

export interface ControlRequest {
  method: string
  /** After the prefix, without a trailing slash. */
  path: string
  url: URL
  headers: RequestHeaders
  readText(): string | Promise<string>
}

const json = (value: unknown, status = 200) => Reply.json(status, value, { 'Cache-Control': 'no-store' })
const fail = (status: number, message: string, problems?: string[]) =>
  json(problems && problems.length > 1 ? { error: message, problems } : { error: message }, status)

/** Requires a JSON body (`application/json` or `+json`) and parses it; a refusal is an answer. */
async function readJsonBody(request: ControlRequest): Promise<{ body: unknown } | Reply> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    return fail(415, 'the body must be JSON, sent with "Content-Type: application/json"')
  }
  let text: string
  try {
    text = await request.readText()
  } catch {
    return fail(413, 'the body is too large')
  }
  try {
    return { body: JSON.parse(text) }
  } catch {
    return fail(400, 'the body is not valid JSON')
  }
}

function problemAnswer(error: unknown): Reply {
  if (error instanceof OptionsError) return fail(400, error.message, error.problems)
  if (error instanceof AccountError) return fail(error.conflict ? 409 : 400, error.message)
  throw error
}

/**
 * Answers the control paths above, or returns undefined for any other (the
 * runtime answers the rest, and 404 for unknown ones).
 */
export async function answerControlRequest(provider: ProviderRuntime, request: ControlRequest): Promise<Reply | undefined> {
  const { method, path } = request
  const read = () => readJsonBody(request)
  try {
    if (path === '' || path === 'index.json' || path === 'index.html') {
      if (method !== 'GET' && method !== 'HEAD') return fail(405, 'the index is read with GET')
      const wantsJson = path === 'index.json' || (path === '' && prefersJson(request.headers.get('accept')))
      return wantsJson ? json(indexData(provider)) : renderIndexPage(provider)
    }
    if (path === 'options') {
      if (method === 'GET') return json({ options: provider.options.get() })
      if (method !== 'POST') return fail(405, 'options are read with GET and changed with POST')
      const body = await read()
      if (body instanceof Reply) return body
      return json({ options: provider.options.set(body.body as Record<string, unknown>) })
    }
    if (path === 'authorize') {
      if (method !== 'POST') return fail(405, 'the authorize shortcut is a POST')
      if (!hasAuthorize(provider)) return fail(404, `${provider.id} has no authorization endpoint: its only grant is client credentials`)
      const body = await read()
      if (body instanceof Reply) return body
      const result = await provider.authorize(readAuthorizeInput(body.body))
      return json(result, result.redirect === null ? 400 : 200)
    }
    const match = /^(clients|users)(?:\/(.+))?$/.exec(path)
    if (match) {
      const kind = match[1] as 'clients' | 'users'
      const accounts = provider[kind]
      if (match[2] !== undefined) {
        if (method !== 'DELETE') return fail(405, `one of the ${kind} is removed with DELETE`)
        let key: string
        try {
          key = decodeURIComponent(match[2])
        } catch {
          return fail(400, 'the path is not valid percent-encoding')
        }
        return (await accounts.remove(key)) ? new Reply(204, {}, null) : fail(404, `no ${kind === 'clients' ? 'client' : 'user'} "${key}"`)
      }
      if (method === 'GET') return json({ [kind]: accounts.list() })
      if (method !== 'POST') return fail(405, `${kind} are listed with GET, added with POST and removed with DELETE ${kind}/<id>`)
      if (!accounts.schema) return fail(404, (kind === 'users' && accounts.definition?.noUsers) || `${provider.id} cannot add ${kind}`)
      const body = await read()
      if (body instanceof Reply) return body
      return json(await accounts.add(body.body as Record<string, unknown>), 201)
    }
    return undefined
  } catch (error) {
    return problemAnswer(error)
  }
}

function hasAuthorize(provider: ProviderRuntime): boolean {
  return provider.routes.some((route) => route.id.endsWith('.authorize'))
}

/** Whether an `Accept` header asks for JSON before HTML (a browser's asks for HTML first). */
function prefersJson(accept: string | null): boolean {
  if (!accept) return false
  const types = accept.split(',').map((t) => t.split(';')[0].trim().toLowerCase())
  const jsonAt = types.findIndex((t) => t === 'application/json' || t.endsWith('+json'))
  const htmlAt = types.findIndex((t) => t === 'text/html')
  return jsonAt !== -1 && (htmlAt === -1 || jsonAt < htmlAt)
}
