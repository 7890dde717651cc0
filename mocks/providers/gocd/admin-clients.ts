import { formErrors, html, type SafeHtml } from '../../core/html.js'
import type { Params } from '../../core/params.js'
import type { RouteDefinition } from '../../core/routes.js'
import { randomHex } from '../../core/secrets.js'
import { csrfField, currentUser, ensureSession, redirect, redirectToLogin, requireCsrf } from '../../core/session.js'
import type { Client, Session, User } from '../../store/index.js'
import type { GocdContext, GocdRuntime } from './config.js'
import { gocdPage, gocdRoute } from './responses.js'
import { isRouteAnswer, type RouteAnswer } from '../../core/reply.js'

/**
 * The "OAuth Clients" tab of GoCD's Admin page (gocd-oauth.txt "Manage OAuth
 * Clients"): list, New OAuth Client (Name, Redirect URL), a summary with the
 * Client ID and Secret, Edit with an Update button, Destroy. Mounted where the
 * last GoCD that had OAuth served it, `/go/oauth/admin/clients` (PROVIDERS
 * §2.2), for administrators only (`/oauth/admin/**=ROLE_SUPERVISOR`).
 */

export const CLIENTS_PATH = '/go/oauth/admin/clients'

/** What the oauth2_provider's Client model accepted as a redirect URI (after stripping whitespace). */
export const REDIRECT_URI = /^(https|http):\/\/.+$/

const nav = html`<nav><a href="/go/admin">Admin</a><a href="${CLIENTS_PATH}" data-testid="oauth-clients-tab">OAuth Clients</a></nav>`

function page(ctx: GocdContext, title: string, body: SafeHtml, status = 200, setCookie?: string) {
  return gocdPage(ctx, title, body, { status, setCookie, nav, wide: true })
}

/** The signed-in administrator, a redirect to the login page, or GoCD's refusal for other users. */
async function administrator(ctx: GocdContext): Promise<{ user: User; session: Session; setCookie?: string } | RouteAnswer> {
  const user = currentUser(ctx)
  if (!user) return redirectToLogin(ctx)
  if (!user.admin) {
    ctx.notes.refused = 'not an administrator'
    return page(
      ctx,
      'Not authorized',
      html`<h1>Not authorized</h1><p class="error" role="alert" data-testid="admin-refused">You are not authorized to access this page: OAuth clients are managed by Go administrators.</p>`,
      403,
    )
  }
  const { session, setCookie } = await ensureSession(ctx)
  return { user, session, setCookie }
}

function notFound(ctx: GocdContext) {
  return page(ctx, 'Not found', html`<h1>Not found</h1><p class="error" data-testid="client-not-found">There is no such OAuth client.</p>`, 404)
}

function readClientForm(form: Params) {
  const name = (form.get('name') ?? '').trim()
  const redirectUri = (form.get('redirect_uri') ?? '').trim()
  const errors: string[] = []
  if (!name) errors.push("Name can't be blank")
  else if (name.length > 200) errors.push('Name is too long (maximum is 200 characters)')
  if (!redirectUri) errors.push("Redirect uri can't be blank")
  else if (!REDIRECT_URI.test(redirectUri) || /\s/.test(redirectUri)) errors.push('Redirect uri is invalid')
  return { name, redirectUri, errors }
}

function clientForm(session: Session, action: string, values: { name: string; redirectUri: string }, errors: string[], update = false) {
  return html`${formErrors(errors)}
<form method="post" action="${action}" data-testid="client-form">
${csrfField(session)}
${update ? html`<input type="hidden" name="_method" value="put">` : ''}
<label for="name">Name</label>
<input type="text" id="name" name="name" value="${values.name}" required data-testid="client-name">
<label for="redirect_uri">Redirect URL</label>
<input type="url" id="redirect_uri" name="redirect_uri" value="${values.redirectUri}" required aria-describedby="redirect-hint" data-testid="client-redirect-uri">
<p class="hint" id="redirect-hint">Where Go sends the user once the authorization process is complete (http:// or https://).</p>
<div class="actions"><button type="submit" class="primary" data-testid="client-submit">${update ? 'Update' : 'Create'}</button><a class="button" href="${CLIENTS_PATH}">Cancel</a></div>
</form>`
}

function destroyForm(session: Session, client: Client) {
  // GoCD asked in a JavaScript popup; these pages run no script, so the button posts directly.
  return html`<form method="post" action="${CLIENTS_PATH}/${client.clientId}" class="inline" data-confirm="Are you sure?">${csrfField(session)}<input type="hidden" name="_method" value="delete"><button type="submit" class="danger" data-testid="client-destroy">Destroy</button></form>`
}

function summary(ctx: GocdContext, client: Client, session: Session, notice?: string, setCookie?: string) {
  return page(
    ctx,
    `OAuth Client ${client.name}`,
    html`${notice ? html`<p class="notice" role="status" data-testid="client-notice">${notice}</p>` : ''}
<h1>OAuth Client: <span data-testid="client-title">${client.name}</span></h1>
<dl>
<dt>Name</dt><dd data-testid="client-summary-name">${client.name}</dd>
<dt>Client ID</dt><dd><code data-testid="client-id">${client.clientId}</code></dd>
<dt>Secret</dt><dd><code data-testid="client-secret">${client.clientSecret}</code></dd>
<dt>Redirect URL</dt><dd><code data-testid="client-redirect">${client.redirectUris[0] ?? ''}</code></dd>
</dl>
<div class="actions"><a class="button" href="${CLIENTS_PATH}/${client.clientId}/edit" data-testid="client-edit">Edit</a>${destroyForm(session, client)}<a class="button" href="${CLIENTS_PATH}">Back to OAuth Clients</a></div>`,
    200,
    setCookie,
  )
}

async function destroyClient(ctx: GocdContext, client: Client) {
  const { store } = ctx.provider
  store.codes.collection.deleteMany((q) => q.where({ clientId: client.clientId }))
  store.tokens.collection.deleteMany((q) => q.where({ clientId: client.clientId }))
  store.clients.collection.delete(client)
}

export const adminClientRoutes: RouteDefinition<GocdRuntime>[] = [
  gocdRoute({
    id: 'gocd.admin',
    method: 'GET',
    path: '/go/admin',
    // The mock's Admin page has one tab.
    resolve: (ctx) => redirect(ctx.link(CLIENTS_PATH)),
  }),
  gocdRoute({
    id: 'gocd.admin-clients',
    method: 'GET',
    path: CLIENTS_PATH,
    async resolve(ctx) {
      const me = await administrator(ctx)
      if (isRouteAnswer(me)) return me
      const clients = ctx.provider.store.clients.collection.findMany()
      return page(
        ctx,
        'OAuth Clients',
        html`<h1>OAuth Clients</h1>
<p><a class="button primary" href="${CLIENTS_PATH}/new" data-testid="new-client">New OAuth Client</a></p>
<table data-testid="clients">
<thead><tr><th>Name</th><th>Client ID</th><th>Secret</th><th>Redirect URL</th><th></th></tr></thead>
<tbody>${clients.map(
          (
            client,
          ) => html`<tr data-client-id="${client.clientId}"><td><a href="${CLIENTS_PATH}/${client.clientId}">${client.name}</a></td><td><code>${client.clientId}</code></td><td><code>${client.clientSecret}</code></td><td><code>${client.redirectUris[0] ?? ''}</code></td>
<td><a class="button" href="${CLIENTS_PATH}/${client.clientId}/edit">Edit</a> ${destroyForm(me.session, client)}</td></tr>`,
        )}</tbody>
</table>`,
        200,
        me.setCookie,
      )
    },
  }),
  gocdRoute({
    id: 'gocd.admin-new-client',
    method: 'GET',
    path: `${CLIENTS_PATH}/new`,
    async resolve(ctx) {
      const me = await administrator(ctx)
      if (isRouteAnswer(me)) return me
      return page(
        ctx,
        'New OAuth Client',
        html`<h1>New OAuth Client</h1>${clientForm(me.session, CLIENTS_PATH, { name: '', redirectUri: '' }, [])}`,
        200,
        me.setCookie,
      )
    },
  }),
  gocdRoute({
    id: 'gocd.admin-create-client',
    method: 'POST',
    path: CLIENTS_PATH,
    async resolve(ctx) {
      const form = ctx.body()
      const session = requireCsrf(ctx, form)
      const me = await administrator(ctx)
      if (isRouteAnswer(me)) return me
      const input = readClientForm(form)
      if (input.errors.length) {
        return page(ctx, 'New OAuth Client', html`<h1>New OAuth Client</h1>${clientForm(session, CLIENTS_PATH, input, input.errors)}`, 422)
      }
      // Client id and secret are SecureRandom.hex(32), as GoCD made them.
      const client = await ctx.provider.store.clients.collection.create({
        clientId: randomHex(32),
        clientSecret: randomHex(32),
        name: input.name,
        redirectUris: [input.redirectUri],
        ownerId: me.user.id,
        createdAtMs: ctx.provider.clock.nowMs(),
      })
      return redirect(ctx.link(`${CLIENTS_PATH}/${client.clientId}?created=1`))
    },
  }),
  gocdRoute({
    id: 'gocd.admin-client',
    method: 'GET',
    path: `${CLIENTS_PATH}/:id`,
    async resolve(ctx) {
      const me = await administrator(ctx)
      if (isRouteAnswer(me)) return me
      const client = ctx.provider.store.clients.by('clientId', ctx.params.id)
      if (!client) return notFound(ctx)
      const notice = ctx.query.get('created')
        ? 'OAuth client was successfully created.'
        : ctx.query.get('updated')
          ? 'OAuth client was successfully updated.'
          : undefined
      return summary(ctx, client, me.session, notice, me.setCookie)
    },
  }),
  gocdRoute({
    id: 'gocd.admin-edit-client',
    method: 'GET',
    path: `${CLIENTS_PATH}/:id/edit`,
    async resolve(ctx) {
      const me = await administrator(ctx)
      if (isRouteAnswer(me)) return me
      const client = ctx.provider.store.clients.by('clientId', ctx.params.id)
      if (!client) return notFound(ctx)
      const values = { name: client.name, redirectUri: client.redirectUris[0] ?? '' }
      return page(
        ctx,
        'Edit OAuth Client',
        html`<h1>Edit OAuth Client</h1>${clientForm(me.session, `${CLIENTS_PATH}/${client.clientId}`, values, [], true)}`,
        200,
        me.setCookie,
      )
    },
  }),
  gocdRoute({
    // Rails forms tunnel PUT and DELETE through POST with `_method`.
    id: 'gocd.admin-update-client',
    method: ['POST', 'PUT', 'PATCH', 'DELETE'],
    path: `${CLIENTS_PATH}/:id`,
    async resolve(ctx) {
      const form = ctx.body()
      const session = requireCsrf(ctx, form)
      const me = await administrator(ctx)
      if (isRouteAnswer(me)) return me
      const client = ctx.provider.store.clients.by('clientId', ctx.params.id)
      if (!client) return notFound(ctx)
      const method = (form.get('_method') ?? ctx.request.method).toLowerCase()
      if (method === 'delete') {
        await destroyClient(ctx, client)
        return redirect(ctx.link(CLIENTS_PATH))
      }
      if (method !== 'put' && method !== 'patch') {
        return page(ctx, 'Bad request', html`<h1>Bad request</h1><p class="error" role="alert">Unknown form method.</p>`, 400)
      }
      const input = readClientForm(form)
      if (input.errors.length) {
        return page(
          ctx,
          'Edit OAuth Client',
          html`<h1>Edit OAuth Client</h1>${clientForm(session, `${CLIENTS_PATH}/${client.clientId}`, input, input.errors, true)}`,
          422,
        )
      }
      await ctx.provider.store.clients.collection.update(client, {
        data(c) {
          c.name = input.name
          c.redirectUris = [input.redirectUri]
        },
      })
      return redirect(ctx.link(`${CLIENTS_PATH}/${client.clientId}?updated=1`))
    },
  }),
]
