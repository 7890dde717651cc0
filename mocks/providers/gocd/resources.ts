import { lazy, requireDependency } from '../../core/lazy-dependency.js'
import type { RouteDefinition } from '../../core/routes.js'
import { secretsEqual } from '../../core/secrets.js'
import type { User } from '../../store/index.js'
import type { GocdContext, GocdRuntime } from './config.js'
import { gocdRoute, jettyErrorPage, notAuthorized } from './responses.js'
import { expiredTokenHint, foreignTokenHint, misplacedTokenHint, tokenSightings } from '../../core/hints.js'
import type { GocdToken, Pipeline } from './store.js'
import type { RouteAnswer } from '../../core/reply.js'

/**
 * GoCD pages a token opens: `/go/cctray.xml` (the document's "Use the access
 * token") and the per-pipeline stages feed `/go/api/pipelines/<name>/stages.xml`,
 * the kind of URL GoCD's rules actually granted to OAuth principals.
 */

/** OauthAuthenticationFilter's pattern, exactly: scheme case-sensitive, quotes required, nothing after them. */
const TOKEN_HEADER = /^Token token="(.*?)"$/
/** The header as the filter wants it, for hints: exactly this shape, scheme case-sensitive, quotes required. */
const TOKEN_HEADER_WORDS = 'Authorization: Token token="<token>" exactly (GoCD\'s filter: scheme case-sensitive, quotes required, nothing after them)'

type Principal = { kind: 'oauth'; user: User; token: GocdToken } | { kind: 'user'; user: User } | { kind: 'anonymous' } | { kind: 'bad-basic' }

/**
 * Who is asking. A header that does not match the token pattern, or names an
 * unknown token, leaves the request anonymous as GoCD's filter did; what
 * anonymous may do is decided by {@link authorize}. Basic with a GoCD user's
 * password is the other way GoCD let API clients in.
 */
function principalOf(ctx: GocdContext): Principal {
  const { store, clock, config } = ctx.provider
  const header = ctx.request.headers.get('authorization')
  if (!header) {
    ctx.notes.authScheme = 'none'
    const hint = misplacedTokenHint(tokenSightings(ctx.request, ctx.url, ''), TOKEN_HEADER_WORDS)
    if (hint) ctx.hint(hint)
    return { kind: 'anonymous' }
  }
  const token = TOKEN_HEADER.exec(header)
  if (token) {
    ctx.notes.authScheme = 'token'
    const found = store.tokens.by('token', token[1])
    if (!found) {
      ctx.notes.tokenRejected = 'unknown token'
      const foreign = foreignTokenHint(ctx.provider, token[1])
      if (foreign) ctx.hint(foreign)
      return { kind: 'anonymous' }
    }
    if (config.enforceTokenExpiry && clock.nowMs() >= found.expiresAtMs) {
      ctx.notes.tokenRejected = 'expired token'
      ctx.hint(expiredTokenHint(clock.nowMs(), found.expiresAtMs))
      return { kind: 'anonymous' }
    }
    const user = store.users.by('id', found.userId)
    if (!user) return { kind: 'anonymous' }
    ctx.notes.clientId = found.clientId
    return { kind: 'oauth', user, token: found }
  }
  const basic = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header)
  if (basic) {
    ctx.notes.authScheme = 'basic'
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const user = colon > 0 ? store.users.by('username', decoded.slice(0, colon)) : undefined
    if (user && secretsEqual(decoded.slice(colon + 1), user.password)) return { kind: 'user', user }
    return { kind: 'bad-basic' }
  }
  // `Bearer ...`, `token token=...`, `Token token="x" ` and the like do not match the filter.
  ctx.notes.authScheme = 'unrecognized'
  const hint = misplacedTokenHint(tokenSightings(ctx.request, ctx.url, ''), TOKEN_HEADER_WORDS)
  if (hint) ctx.hint(hint)
  return { kind: 'anonymous' }
}

/**
 * GoCD's access decision for a feed. `oauthRole`: whether the URL is one of
 * those granted to `ROLE_OAUTH_USER`. Returns the refusal, or undefined.
 */
function authorize(ctx: GocdContext, oauthRole: boolean): RouteAnswer | undefined {
  if (ctx.provider.config.security === 'off') {
    // GoCD without security: no login, everyone is an anonymous administrator; credentials are not even read.
    ctx.notes.security = 'off'
    return undefined
  }
  const principal = principalOf(ctx)
  ctx.notes.principal = principal.kind
  if (principal.kind === 'anonymous' || principal.kind === 'bad-basic') return notAuthorized(ctx, 401)
  if (principal.kind === 'oauth' && !oauthRole && ctx.provider.config.oauthAccess === 'real') return notAuthorized(ctx, 403)
  return undefined
}

const builder = lazy(
  () =>
    new (requireDependency<typeof import('fast-xml-parser')>('fast-xml-parser').XMLBuilder)({
      ignoreAttributes: false,
      attributeNamePrefix: '@_',
      format: true,
      indentBy: '  ',
      suppressEmptyNode: true,
    }),
)

/** `yyyy-MM-dd'T'HH:mm:ss'Z'` in UTC, as current GoCD writes cctray times (PROVIDERS §2.6). */
function cctrayTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const FAILED_STAGE = new Set(['Failed', 'Failing', 'Cancelled'])
const FAILED_JOB = new Set(['Failed', 'Cancelled'])

/**
 * One `<Project>` per stage and per job, attributes in GoCD's order (ProjectStatus,
 * StageState; PROVIDERS §2.6). The label gains ` :: <stage counter>` for a re-run stage.
 */
export function cctrayProjects(pipelines: Pipeline[], site: string) {
  const projects: Array<Record<string, unknown>> = []
  for (const pipeline of pipelines) {
    for (const stage of pipeline.stages) {
      const label = stage.counter > 1 ? `${pipeline.label} :: ${stage.counter}` : pipeline.label
      const stagePath = `${encodeURIComponent(pipeline.name)}/${pipeline.counter}/${encodeURIComponent(stage.name)}/${stage.counter}`
      const failed = FAILED_STAGE.has(stage.state)
      const project: Record<string, unknown> = {
        '@_name': `${pipeline.name} :: ${stage.name}`,
        '@_activity': stage.state === 'Building' || stage.state === 'Failing' ? 'Building' : 'Sleeping',
        '@_lastBuildStatus': failed ? 'Failure' : 'Success',
        '@_lastBuildLabel': label,
        '@_lastBuildTime': cctrayTime(stage.lastBuildTimeMs),
        '@_webUrl': `${site}/go/pipelines/${stagePath}`,
      }
      if (failed && stage.breakers.length) project.messages = { message: { '@_text': stage.breakers.join(', '), '@_kind': 'Breakers' } }
      projects.push(project)
      for (const job of stage.jobs) {
        const jobFailed = FAILED_JOB.has(job.result)
        const jobProject: Record<string, unknown> = {
          '@_name': `${pipeline.name} :: ${stage.name} :: ${job.name}`,
          '@_activity': job.state === 'Completed' ? 'Sleeping' : 'Building',
          '@_lastBuildStatus': jobFailed ? 'Failure' : 'Success',
          '@_lastBuildLabel': label,
          '@_lastBuildTime': cctrayTime(stage.lastBuildTimeMs),
          '@_webUrl': `${site}/go/tab/build/detail/${stagePath}/${encodeURIComponent(job.name)}`,
        }
        if (jobFailed && stage.breakers.length) jobProject.messages = { message: { '@_text': stage.breakers.join(', '), '@_kind': 'Breakers' } }
        projects.push(jobProject)
      }
    }
  }
  return projects
}

function xml(body: string): Response {
  return new Response(body, { status: 200, headers: { 'Content-Type': 'application/xml; charset=utf-8', 'Cache-Control': 'no-store' } })
}

/** `GET /go/cctray.xml`: the CCTray feed of every pipeline, links on the host the request came to. */
const cctray = gocdRoute({
  id: 'gocd.cctray',
  method: 'GET',
  path: '/go/cctray.xml',
  resolve(ctx) {
    const refused = authorize(ctx, false)
    if (refused) return refused
    const pipelines = ctx.provider.store.pipelines.collection.findMany()
    return xml(builder().build({ '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' }, Projects: { Project: cctrayProjects(pipelines, ctx.baseUrl) } }))
  },
})

const GO_CATEGORIES = 'http://www.thoughtworks-studios.com/ns/categories/go'

/**
 * `GET /go/api/pipelines/<name>/stages.xml`: the Atom feed of a pipeline's
 * stages. One of the URLs GoCD opened to OAuth tokens (`/api/pipelines/*\/*.xml`,
 * PROVIDERS §2.5). The entry layout follows GoCD's feed [inf: shape from
 * memory of GoCD's stages feed, not from its source].
 */
const pipelineStages = gocdRoute({
  id: 'gocd.pipeline-stages',
  method: 'GET',
  path: '/go/api/pipelines/:name/stages.xml',
  resolve(ctx) {
    const refused = authorize(ctx, true)
    if (refused) return refused
    const pipeline = ctx.provider.store.pipelines.by('name', ctx.params.name)
    if (!pipeline) return jettyErrorPage(ctx, 404)
    const site = ctx.baseUrl
    const self = `${site}/go/api/pipelines/${encodeURIComponent(pipeline.name)}/stages.xml`
    const stages = [...pipeline.stages].sort((a, b) => b.lastBuildTimeMs - a.lastBuildTimeMs)
    const entry = stages.map((stage) => {
      const html = `${site}/go/pipelines/${encodeURIComponent(pipeline.name)}/${pipeline.counter}/${encodeURIComponent(stage.name)}/${stage.counter}`
      return {
        title: `${pipeline.name}(${pipeline.counter}) stage ${stage.name}(${stage.counter}) ${stage.state}`,
        updated: new Date(stage.lastBuildTimeMs).toISOString(),
        id: html,
        link: { '@_title': `${stage.name} Stage Detail`, '@_href': html, '@_rel': 'alternate', '@_type': 'text/html' },
        category: [
          { '@_scheme': GO_CATEGORIES, '@_term': 'stage', '@_label': 'Stage' },
          { '@_scheme': GO_CATEGORIES, '@_term': stage.state.toLowerCase(), '@_label': stage.state },
        ],
      }
    })
    const updated = stages.length ? new Date(stages[0].lastBuildTimeMs).toISOString() : ctx.provider.clock.now().toISOString()
    return xml(
      builder().build({
        '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
        feed: {
          '@_xmlns': 'http://www.w3.org/2005/Atom',
          '@_xmlns:go': 'http://www.thoughtworks-studios.com/ns/go',
          title: pipeline.name,
          id: self,
          author: { name: 'Go' },
          updated,
          link: { '@_rel': 'self', '@_href': self },
          entry,
        },
      }),
    )
  },
})

export const resourceRoutes: RouteDefinition<GocdRuntime>[] = [cctray, pipelineStages]
