import { activeGrant, appendQuery, OOB_REDIRECT_URI } from '../../core/authorize.js'
import { formErrors, html, renderPage, type SafeHtml } from '../../core/html.js'
import type { Params } from '../../core/params.js'
import { defineRoute, type RouteDefinition } from '../../core/routes.js'
import { createOwnedApplication, csrfField, currentUser, ownedClient, redirect, requireCsrf, requireSignedIn } from '../../core/session.js'
import { revokeToken } from '../../core/token.js'
import type { Client, Session } from '../../store/index.js'
import type { CarinaContext, CarinaRuntime } from './config.js'
import { isRouteAnswer } from '../../core/reply.js'

/**
 * The Carina OAuth website's own pages, as the document's screenshots show
 * them (Doorkeeper 3's views): Developer Applications (new, show with id and
 * secret, edit, destroy) and the user's authorized applications with revoke.
 */

const nav = html`<nav><a href="/oauth/applications">Developer Applications</a><a href="/oauth/authorized_applications">Authorized Applications</a></nav>`

function page(ctx: CarinaContext, title: string, body: SafeHtml, status = 200, setCookie?: string) {
  return renderPage({ title, brand: ctx.provider.config.web.brand, body, status, nav, wide: true, headers: setCookie ? { 'Set-Cookie': setCookie } : {} })
}

function notFound(ctx: CarinaContext) {
  return page(ctx, 'Not found', html`<h1>Not found</h1><p class="error">There is no such application.</p>`, 404)
}

/**
 * Redirect URIs as Doorkeeper validated them for Carina: one per line, each an
 * absolute `https` URI without a fragment, or the out-of-band URN.
 */
export function parseRedirectUris(text: string): { uris: string[]; errors: string[] } {
  const uris = [
    ...new Set(
      text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ]
  const errors: string[] = []
  if (uris.length === 0) errors.push("Redirect URI can't be blank.")
  for (const uri of uris) {
    if (uri === OOB_REDIRECT_URI) continue
    let url: URL | undefined
    try {
      url = new URL(uri)
    } catch {
      errors.push(`Redirect URI "${uri}" must be an absolute URI.`)
      continue
    }
    if (url.protocol !== 'https:') errors.push(`Redirect URI "${uri}" must start with https.`)
    else if (url.hash) errors.push(`Redirect URI "${uri}" cannot contain a fragment.`)
  }
  return { uris, errors }
}

function applicationForm(
  ctx: CarinaContext,
  session: Session,
  action: string,
  values: { name: string; redirectUris: string },
  errors: string[],
  method?: 'patch',
) {
  return html`${formErrors(errors)}
<form method="post" action="${action}" data-testid="application-form">
${csrfField(session)}
${method ? html`<input type="hidden" name="_method" value="${method}">` : ''}
<label for="name">Name</label>
<input type="text" id="name" name="name" value="${values.name}" required data-testid="application-name">
<label for="redirect_uri">Redirect URI</label>
<textarea id="redirect_uri" name="redirect_uri" aria-describedby="redirect-hint" data-testid="application-redirect-uris">${values.redirectUris}</textarea>
<p class="hint" id="redirect-hint">Use one line per URI. Use <code>${OOB_REDIRECT_URI}</code> for local tests.</p>
<div class="actions"><button type="submit" class="primary" data-testid="application-submit">Submit</button><a class="button" href="/oauth/applications">Cancel</a></div>
</form>`
}

function readApplicationForm(form: Params) {
  const name = (form.get('name') ?? '').trim()
  const redirectUris = form.get('redirect_uri') ?? ''
  const { uris, errors } = parseRedirectUris(redirectUris)
  if (!name) errors.unshift("Name can't be blank.")
  if (name.length > 200) errors.unshift('Name is too long (at most 200 characters).')
  return { name, redirectUris, uris, errors }
}

function showApplication(ctx: CarinaContext, client: Client, session: Session, notice?: string) {
  return page(
    ctx,
    `Application: ${client.name}`,
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<h1>Application: <span data-testid="application-title">${client.name}</span></h1>
<dl>
<dt>Application Id</dt><dd><code data-testid="application-id">${client.clientId}</code></dd>
<dt>Secret</dt><dd><code data-testid="application-secret">${client.clientSecret}</code></dd>
<dt>Callback urls</dt>
<dd><table data-testid="application-callbacks">${client.redirectUris.map(
      (uri) =>
        html`<tr><td><code>${uri}</code></td><td><a href="${appendQuery(ctx.link('/oauth/authorize'), { client_id: client.clientId, redirect_uri: uri, response_type: 'code' })}">Authorize</a></td></tr>`,
    )}</table></dd>
</dl>
<h2>Actions</h2>
<div class="actions">
<a class="button" href="/oauth/applications/${client.clientId}/edit" data-testid="application-edit">Edit</a>
<form method="post" action="/oauth/applications/${client.clientId}" class="inline">${csrfField(session)}<input type="hidden" name="_method" value="delete"><button type="submit" class="danger" data-testid="application-destroy">Destroy</button></form>
</div>`,
  )
}

async function destroyApplication(ctx: CarinaContext, client: Client) {
  const { store, clock } = ctx.provider
  for (const token of store.tokens.collection.findMany((q) => q.where({ clientId: client.clientId }))) await revokeToken(store, token, clock.nowMs())
  store.grants.collection.deleteMany((q) => q.where({ clientId: client.clientId }))
  store.codes.collection.deleteMany((q) => q.where({ clientId: client.clientId }))
  store.clients.collection.delete(client)
}

export const applicationRoutes: RouteDefinition<CarinaRuntime>[] = [
  defineRoute<CarinaRuntime>({
    id: 'carina.home',
    method: 'GET',
    path: '/',
    resolve: (ctx) => redirect(ctx.link(currentUser(ctx) ? '/oauth/applications' : '/login')),
  }),
  defineRoute<CarinaRuntime>({
    id: 'carina.applications',
    method: 'GET',
    path: '/oauth/applications',
    async resolve(ctx) {
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      const apps = ctx.provider.store.clients.collection.findMany((q) => q.where({ ownerId: me.user.id }))
      return page(
        ctx,
        'Developer Applications',
        html`<h1>Your applications</h1>
<p><a class="button primary" href="/oauth/applications/new" data-testid="new-application">New Application</a></p>
<table data-testid="applications">
<thead><tr><th>Name</th><th>Callback URL</th></tr></thead>
<tbody>${apps.map((app) => html`<tr><td><a href="/oauth/applications/${app.clientId}">${app.name}</a></td><td>${app.redirectUris.map((u) => html`<code>${u}</code><br>`)}</td></tr>`)}</tbody>
</table>`,
        200,
        me.setCookie,
      )
    },
  }),
  defineRoute<CarinaRuntime>({
    id: 'carina.new-application',
    method: 'GET',
    path: '/oauth/applications/new',
    async resolve(ctx) {
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      return page(
        ctx,
        'New Application',
        html`<h1>New Application</h1>${applicationForm(ctx, me.session, '/oauth/applications', { name: '', redirectUris: '' }, [])}`,
        200,
        me.setCookie,
      )
    },
  }),
  defineRoute<CarinaRuntime>({
    id: 'carina.create-application',
    method: 'POST',
    path: '/oauth/applications',
    async resolve(ctx) {
      const form = ctx.body()
      const session = requireCsrf(ctx, form)
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      const input = readApplicationForm(form)
      if (input.errors.length) {
        return page(ctx, 'New Application', html`<h1>New Application</h1>${applicationForm(ctx, session, '/oauth/applications', input, input.errors)}`, 422)
      }
      return createOwnedApplication(ctx, me.user, { name: input.name, redirectUris: input.uris })
    },
  }),
  defineRoute<CarinaRuntime>({
    id: 'carina.show-application',
    method: 'GET',
    path: '/oauth/applications/:id',
    async resolve(ctx) {
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      const client = ownedClient(ctx, me.user)
      if (!client) return notFound(ctx)
      const notice = ctx.query.get('created') ? 'Application created.' : ctx.query.get('updated') ? 'Application updated.' : undefined
      const page = showApplication(ctx, client, me.session, notice)
      return me.setCookie ? page.withHeaders({ 'Set-Cookie': me.setCookie }) : page
    },
  }),
  defineRoute<CarinaRuntime>({
    id: 'carina.edit-application',
    method: 'GET',
    path: '/oauth/applications/:id/edit',
    async resolve(ctx) {
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      const client = ownedClient(ctx, me.user)
      if (!client) return notFound(ctx)
      const values = { name: client.name, redirectUris: client.redirectUris.join('\n') }
      return page(
        ctx,
        'Edit application',
        html`<h1>Edit application</h1>${applicationForm(ctx, me.session, `/oauth/applications/${client.clientId}`, values, [], 'patch')}`,
        200,
        me.setCookie,
      )
    },
  }),
  defineRoute<CarinaRuntime>({
    // Rails forms tunnel PATCH and DELETE through POST with `_method`.
    id: 'carina.update-application',
    method: ['POST', 'PATCH', 'DELETE'],
    path: '/oauth/applications/:id',
    async resolve(ctx) {
      const form = ctx.body()
      const session = requireCsrf(ctx, form)
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      const client = ownedClient(ctx, me.user)
      if (!client) return notFound(ctx)
      const method = (form.get('_method') ?? ctx.request.method).toLowerCase()
      if (method === 'delete') {
        await destroyApplication(ctx, client)
        return redirect(ctx.link('/oauth/applications'))
      }
      const input = readApplicationForm(form)
      if (input.errors.length) {
        return page(
          ctx,
          'Edit application',
          html`<h1>Edit application</h1>${applicationForm(ctx, session, `/oauth/applications/${client.clientId}`, input, input.errors, 'patch')}`,
          422,
        )
      }
      await ctx.provider.store.clients.collection.update(client, {
        data(c) {
          c.name = input.name
          c.redirectUris = input.uris
        },
      })
      return redirect(ctx.link(`/oauth/applications/${client.clientId}?updated=1`))
    },
  }),
  defineRoute<CarinaRuntime>({
    id: 'carina.authorized-applications',
    method: 'GET',
    path: '/oauth/authorized_applications',
    async resolve(ctx) {
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      const { store } = ctx.provider
      const grants = store.grants.collection.findMany((q) => q.where({ userId: me.user.id, revokedAtMs: null }))
      const rows = grants
        .map((grant) => ({ grant, client: store.clients.by('clientId', grant.clientId) }))
        .filter((row): row is { grant: typeof row.grant; client: Client } => !!row.client)
      return page(
        ctx,
        'Your authorized applications',
        html`<h1>Your authorized applications</h1>
${rows.length === 0 ? html`<p data-testid="no-authorized-applications">You have not authorized any application.</p>` : ''}
<table data-testid="authorized-applications">
<thead><tr><th>Application</th><th>Created at</th><th></th></tr></thead>
<tbody>${rows.map(
          ({ grant, client }) => html`<tr data-client-id="${client.clientId}"><td>${client.name}</td><td>${new Date(grant.createdAtMs).toISOString()}</td>
<td><form method="post" action="/oauth/authorized_applications/${client.clientId}" class="inline">${csrfField(me.session)}<input type="hidden" name="_method" value="delete"><button type="submit" class="danger" data-testid="revoke-application">Revoke</button></form></td></tr>`,
        )}</tbody>
</table>`,
        200,
        me.setCookie,
      )
    },
  }),
  defineRoute<CarinaRuntime>({
    id: 'carina.revoke-authorization',
    method: ['POST', 'DELETE'],
    path: '/oauth/authorized_applications/:id',
    async resolve(ctx) {
      requireCsrf(ctx, ctx.body())
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      const { store, clock } = ctx.provider
      const clientId = ctx.params.id
      const grant = activeGrant(store, me.user.id, clientId)
      if (grant) {
        await store.grants.collection.update(grant, {
          data(g) {
            g.revokedAtMs = clock.nowMs()
          },
        })
      }
      for (const token of store.tokens.collection.findMany((q) => q.where({ clientId, userId: me.user.id, revokedAtMs: null }))) {
        await revokeToken(store, token, clock.nowMs())
      }
      return redirect(ctx.link('/oauth/authorized_applications'))
    },
  }),
]
