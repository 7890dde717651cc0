import { defineRoute } from '../../core/routes.js'
import type { Token } from '../../store/index.js'
import type { KeystoneContext, KeystoneRuntime } from './config.js'
import { certificateBindingHolds } from './identity.js'
import { AUTHENTICATION_REQUIRED, identityErrorResponse, keystoneJson } from './responses.js'
import type { ComputeServer } from './store.js'
import { findLiveToken, tokenHints, tokenMeta } from './fernet-tokens.js'
import { HttpError } from '../../core/errors.js'

/**
 * A small compute-like service (`GET <base>/v2.1/servers`, `…/servers/{id}`)
 * behind keystonemiddleware's `oauth2_token` filter, or `oauth2_mtls_token`
 * for certificate-bound tokens (PROVIDERS.md §1.7): only `Authorization:
 * Bearer <token>` counts, with the scheme compared literally (`bearer` is
 * refused); `X-Auth-Token` is stripped, not honoured.
 */
function requireBearer(ctx: KeystoneContext): Token {
  const header = ctx.request.headers.get('authorization') ?? ''
  const space = header.indexOf(' ')
  const scheme = space === -1 ? header : header.slice(0, space)
  const value = scheme === 'Bearer' ? header.slice(space + 1).trim() : undefined
  ctx.notes.tokenPlacement = value ? 'header' : 'none'
  const token = findLiveToken(ctx.provider, value)
  if (!token)
    tokenHints(ctx, value, '"Authorization: Bearer <token>" (keystonemiddleware\'s oauth2_token filter compares the scheme literally, and strips X-Auth-Token)')
  if (!token || !certificateBindingHolds(ctx, token)) {
    // `_reject_auth_headers`: the challenge points at `www_authenticate_uri`, Keystone's public endpoint.
    throw new HttpError(identityErrorResponse(ctx, 401, AUTHENTICATION_REQUIRED, ctx.baseUrl))
  }
  ctx.notes.clientId = token.clientId
  return token
}

function renderServer(ctx: KeystoneContext, server: ComputeServer) {
  return {
    id: server.id,
    name: server.name,
    links: [
      { rel: 'self', href: ctx.link(`/v2.1/${server.projectId}/servers/${server.id}`) },
      { rel: 'bookmark', href: ctx.link(`/${server.projectId}/servers/${server.id}`) },
    ],
  }
}

const listServers = defineRoute<KeystoneRuntime>({
  id: 'keystone.compute-servers',
  method: 'GET',
  path: '/v2.1/servers',
  resolve(ctx) {
    const projectId = tokenMeta(requireBearer(ctx)).projectId
    const servers = ctx.provider.store.servers.collection.findMany((q) => q.where({ projectId }))
    return keystoneJson(200, { servers: servers.map((s) => renderServer(ctx, s)) })
  },
})

const showServer = defineRoute<KeystoneRuntime>({
  id: 'keystone.compute-server',
  method: 'GET',
  path: '/v2.1/servers/:server_id',
  resolve(ctx) {
    const projectId = tokenMeta(requireBearer(ctx)).projectId
    const server = ctx.provider.store.servers.by('id', ctx.params.server_id)
    // Nova's fault body: another project's server does not exist for this caller.
    if (!server || server.projectId !== projectId) {
      return keystoneJson(404, { itemNotFound: { code: 404, message: `Server ${ctx.params.server_id} could not be found.` } })
    }
    return keystoneJson(200, { server: { ...renderServer(ctx, server), status: 'ACTIVE', tenant_id: server.projectId } })
  },
})

export const computeRoutes = [listServers, showServer]
