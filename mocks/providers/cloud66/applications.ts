import { activeGrant, OOB_REDIRECT_URI } from '../../core/authorize.js'
import { formErrors, html, renderPage, type SafeHtml } from '../../core/html.js'
import type { Params } from '../../core/params.js'
import { defineRoute, type RouteDefinition } from '../../core/routes.js'
import { createOwnedApplication, csrfField, currentUser, ownedClient, redirect, requireCsrf, requireSignedIn } from '../../core/session.js'
import { revokeToken } from '../../core/token.js'
import type { Client, Session, User } from '../../store/index.js'
import type { Cloud66Context, Cloud66Runtime } from './config.js'
import { isRouteAnswer } from '../../core/reply.js'

/**
 * The Cloud 66 website pages the document walks through: "Enabling the
 * Developer Mode" under Account/Apps (Doorkeeper's authorized applications
 * page, `/oauth/authorized_applications`), the "Developers" link that then
 * appears, "New Application" with a name and an OAuth 2.0 callback URL, and
 * the Application Id and Secret shown after registering.
 */

export const isDeveloper = (user: User) => user.profile.developer === true

function nav(user: User | undefined): SafeHtml {
  if (!user) return html``
  return html`<nav><a href="/oauth/authorized_applications" data-testid="nav-account-apps">Account/Apps</a>${
    isDeveloper(user) ? html`<a href="/oauth/applications" data-testid="nav-developers">Developers</a>` : ''
  }</nav>`
}

function page(ctx: Cloud66Context, user: User | undefined, title: string, body: SafeHtml, status = 200, setCookie?: string) {
  return renderPage({
    title,
    brand: ctx.provider.config.web.brand,
    body,
    status,
    nav: nav(user),
    wide: true,
    headers: setCookie ? { 'Set-Cookie': setCookie } : {},
  })
}

/** The developer pages exist only for developer accounts; others are pointed to Account/Apps. */
async function signedInDeveloper(ctx: Cloud66Context) {
  const me = await requireSignedIn(ctx)
  if (isRouteAnswer(me) || isDeveloper(me.user)) return me
  return page(
    ctx,
    me.user,
    'Developer mode required',
    html`<h1>Developer mode required</h1><p class="error" role="alert" data-testid="developer-required">Enable your account as a Developer account under <a href="/oauth/authorized_applications">Account/Apps</a> first.</p>`,
    403,
    me.setCookie,
  )
}

const notFound = (ctx: Cloud66Context, user: User) =>
  page(ctx, user, 'Not found', html`<h1>Not found</h1><p class="error">There is no such application.</p>`, 404)

/**
 * One OAuth 2.0 callback URL: an absolute http(s) URL without a fragment or
 * user information, or the out-of-band URN the document offers "if you don't
 * have a publicly available callback URL yet".
 */
export function validateCallbackUrl(value: string): string | undefined {
  if (!value) return "Callback URL can't be blank."
  if (value === OOB_REDIRECT_URI) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'Callback URL must be an absolute URL (or urn:ietf:wg:oauth:2.0:oob).'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Callback URL must start with http:// or https://.'
  if (url.hash || value.includes('#')) return 'Callback URL cannot contain a fragment.'
  if (url.username || url.password) return 'Callback URL cannot contain a user name or password.'
  if (value.length > 2000) return 'Callback URL is too long (at most 2000 characters).'
  return undefined
}

function readApplicationForm(form: Params) {
  const name = (form.get('name') ?? '').trim()
  const callbackUrl = (form.get('callback_url') ?? '').trim()
  const errors: string[] = []
  if (!name) errors.push("Name can't be blank.")
  else if (name.length > 200) errors.push('Name is too long (at most 200 characters).')
  const callbackError = validateCallbackUrl(callbackUrl)
  if (callbackError) errors.push(callbackError)
  return { name, callbackUrl, errors }
}

function applicationForm(session: Session, values: { name: string; callbackUrl: string }, errors: string[]) {
  return html`<h1>New Application</h1>
${formErrors(errors)}
<form method="post" action="/oauth/applications" data-testid="application-form">
${csrfField(session)}
<label for="name">Name</label>
<input type="text" id="name" name="name" value="${values.name}" required data-testid="application-name">
<label for="callback_url">OAuth 2.0 callback URL</label>
<input type="text" id="callback_url" name="callback_url" value="${values.callbackUrl}" required aria-describedby="callback-hint" data-testid="application-callback-url">
<p class="hint" id="callback-hint">If you don't have a publicly available callback URL yet, you can use <code>${OOB_REDIRECT_URI}</code>.</p>
<div class="actions"><button type="submit" class="primary" data-testid="application-submit">Create Application</button><a class="button" href="/oauth/applications">Cancel</a></div>
</form>`
}

async function revokeAccess(ctx: Cloud66Context, userId: string, clientId: string) {
  const { store, clock } = ctx.provider
  const grant = activeGrant(store, userId, clientId)
  if (grant) store.grants.patch(grant, { revokedAtMs: clock.nowMs() })
  for (const token of store.tokens.collection.findMany((q) => q.where({ clientId, userId, revokedAtMs: null }))) await revokeToken(store, token, clock.nowMs())
}

export const applicationRoutes: RouteDefinition<Cloud66Runtime>[] = [
  defineRoute<Cloud66Runtime>({
    id: 'cloud66.home',
    method: 'GET',
    path: '/',
    resolve: (ctx) => redirect(ctx.link(currentUser(ctx) ? '/oauth/authorized_applications' : ctx.provider.config.web.loginPath)),
  }),
  defineRoute<Cloud66Runtime>({
    id: 'cloud66.account-apps',
    method: 'GET',
    path: '/oauth/authorized_applications',
    async resolve(ctx) {
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      const { store } = ctx.provider
      const rows = store.grants.collection
        .findMany((q) => q.where({ userId: me.user.id, revokedAtMs: null }))
        .map((grant) => ({ grant, client: store.clients.by('clientId', grant.clientId) }))
        .filter((row): row is { grant: typeof row.grant; client: Client } => !!row.client)
      const developer = isDeveloper(me.user)
      return page(
        ctx,
        me.user,
        'Account/Apps',
        html`<h1>Apps</h1>
<section data-testid="developer-mode">
<h2>Developer mode</h2>
${
  developer
    ? html`<p data-testid="developer-enabled">Your account is a Developer account. Register API clients under <a href="/oauth/applications">Developers</a>.</p>
<form method="post" action="/account/developer" class="inline">${csrfField(me.session)}<input type="hidden" name="developer" value="0"><button type="submit" data-testid="disable-developer-mode">Disable developer mode</button></form>`
    : html`<p data-testid="developer-disabled">Enable developer mode to register your own API clients.</p>
<form method="post" action="/account/developer" class="inline">${csrfField(me.session)}<input type="hidden" name="developer" value="1"><button type="submit" class="primary" data-testid="enable-developer-mode">Enable developer mode</button></form>`
}
</section>
<h2>Authorized applications</h2>
${rows.length === 0 ? html`<p data-testid="no-authorized-applications">You have not authorized any application.</p>` : ''}
<table data-testid="authorized-applications">
<thead><tr><th>Application</th><th>Scopes</th><th>Authorized at</th><th></th></tr></thead>
<tbody>${rows.map(
          ({
            grant,
            client,
          }) => html`<tr data-client-id="${client.clientId}"><td>${client.name}</td><td>${grant.scopes.join(', ')}</td><td>${new Date(grant.createdAtMs).toISOString()}</td>
<td><form method="post" action="/oauth/authorized_applications/${client.clientId}" class="inline">${csrfField(me.session)}<input type="hidden" name="_method" value="delete"><button type="submit" class="danger" data-testid="revoke-application">Revoke</button></form></td></tr>`,
        )}</tbody>
</table>`,
        200,
        me.setCookie,
      )
    },
  }),
  defineRoute<Cloud66Runtime>({
    id: 'cloud66.developer-mode',
    method: 'POST',
    path: '/account/developer',
    async resolve(ctx) {
      const form = ctx.body()
      requireCsrf(ctx, form)
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      const enable = form.get('developer') !== '0'
      ctx.provider.store.users.patch(me.user, { profile: { ...me.user.profile, developer: enable } })
      return redirect(ctx.link(enable ? '/oauth/applications' : '/oauth/authorized_applications'))
    },
  }),
  defineRoute<Cloud66Runtime>({
    id: 'cloud66.revoke-authorization',
    method: ['POST', 'DELETE'],
    path: '/oauth/authorized_applications/:id',
    async resolve(ctx) {
      requireCsrf(ctx, ctx.body())
      const me = await requireSignedIn(ctx)
      if (isRouteAnswer(me)) return me
      await revokeAccess(ctx, me.user.id, ctx.params.id)
      return redirect(ctx.link('/oauth/authorized_applications'))
    },
  }),
  defineRoute<Cloud66Runtime>({
    id: 'cloud66.applications',
    method: 'GET',
    path: '/oauth/applications',
    async resolve(ctx) {
      const me = await signedInDeveloper(ctx)
      if (isRouteAnswer(me)) return me
      const apps = ctx.provider.store.clients.collection.findMany((q) => q.where({ ownerId: me.user.id }))
      return page(
        ctx,
        me.user,
        'Developers',
        html`<h1>Your applications</h1>
<p><a class="button primary" href="/oauth/applications/new" data-testid="new-application">New Application</a></p>
<table data-testid="applications">
<thead><tr><th>Name</th><th>Callback URL</th></tr></thead>
<tbody>${apps.map((app) => html`<tr><td><a href="/oauth/applications/${app.clientId}">${app.name}</a></td><td><code>${app.redirectUris[0]}</code></td></tr>`)}</tbody>
</table>`,
        200,
        me.setCookie,
      )
    },
  }),
  defineRoute<Cloud66Runtime>({
    id: 'cloud66.new-application',
    method: 'GET',
    path: '/oauth/applications/new',
    async resolve(ctx) {
      const me = await signedInDeveloper(ctx)
      if (isRouteAnswer(me)) return me
      return page(ctx, me.user, 'New Application', applicationForm(me.session, { name: '', callbackUrl: '' }, []), 200, me.setCookie)
    },
  }),
  defineRoute<Cloud66Runtime>({
    id: 'cloud66.create-application',
    method: 'POST',
    path: '/oauth/applications',
    async resolve(ctx) {
      const form = ctx.body()
      const session = requireCsrf(ctx, form)
      const me = await signedInDeveloper(ctx)
      if (isRouteAnswer(me)) return me
      const input = readApplicationForm(form)
      if (input.errors.length) return page(ctx, me.user, 'New Application', applicationForm(session, input, input.errors), 422)
      return createOwnedApplication(ctx, me.user, { name: input.name, redirectUris: [input.callbackUrl] })
    },
  }),
  defineRoute<Cloud66Runtime>({
    id: 'cloud66.show-application',
    method: 'GET',
    path: '/oauth/applications/:id',
    async resolve(ctx) {
      const me = await signedInDeveloper(ctx)
      if (isRouteAnswer(me)) return me
      const client = ownedClient(ctx, me.user)
      if (!client) return notFound(ctx, me.user)
      return page(
        ctx,
        me.user,
        `Application: ${client.name}`,
        html`${ctx.query.get('created') ? html`<p class="notice" role="status">Application created.</p>` : ''}
<h1>Application: <span data-testid="application-title">${client.name}</span></h1>
<dl>
<dt>Application Id</dt><dd><code data-testid="application-id">${client.clientId}</code></dd>
<dt>Secret</dt><dd><code data-testid="application-secret">${client.clientSecret}</code></dd>
<dt>Callback URL</dt><dd><code data-testid="application-callback-url">${client.redirectUris[0]}</code></dd>
</dl>
<div class="actions">
<form method="post" action="/oauth/applications/${client.clientId}" class="inline">${csrfField(me.session)}<input type="hidden" name="_method" value="delete"><button type="submit" class="danger" data-testid="application-destroy">Destroy</button></form>
</div>`,
        200,
        me.setCookie,
      )
    },
  }),
  defineRoute<Cloud66Runtime>({
    // Rails forms tunnel DELETE through POST with `_method`.
    id: 'cloud66.destroy-application',
    method: ['POST', 'DELETE'],
    path: '/oauth/applications/:id',
    async resolve(ctx) {
      const form = ctx.body()
      requireCsrf(ctx, form)
      const me = await signedInDeveloper(ctx)
      if (isRouteAnswer(me)) return me
      const client = ownedClient(ctx, me.user)
      if (!client) return notFound(ctx, me.user)
      if ((form.get('_method') ?? ctx.request.method).toLowerCase() !== 'delete') {
        return page(ctx, me.user, 'Not supported', html`<h1>Not supported</h1><p class="error">Applications can only be destroyed here.</p>`, 400)
      }
      const { store, clock } = ctx.provider
      for (const token of store.tokens.collection.findMany((q) => q.where({ clientId: client.clientId }))) await revokeToken(store, token, clock.nowMs())
      store.grants.collection.deleteMany((q) => q.where({ clientId: client.clientId }))
      store.codes.collection.deleteMany((q) => q.where({ clientId: client.clientId }))
      store.clients.collection.delete(client)
      return redirect(ctx.link('/oauth/applications'))
    },
  }),
]
