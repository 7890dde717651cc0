import { authenticateBearer, renderBearerError } from '../../core/bearer.js'
import { HttpError } from '../../core/errors.js'
import { defineRoute } from '../../core/routes.js'
import type { CarinaContext, CarinaRuntime } from './config.js'
import { buildCredentialsZip } from './credentials-zip.js'
import type { Cluster } from './store.js'
import { parseJsonBounded } from '../../core/json.js'

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } })

/** Doorkeeper's protected-resource check: header (any case of `bearer`), or the `access_token`/`bearer_token` parameters. */
function requireToken(ctx: CarinaContext, scope: string) {
  return authenticateBearer(ctx, {
    realm: 'Doorkeeper',
    placements: ['header', 'query', 'body'],
    queryParams: ['access_token', 'bearer_token'],
    // Doorkeeper's `from_request` took the first method that gave a token (the header first): served, and reported by the rules.
    severalPlacements: 'first',
    scopes: [scope],
  })
}

/** Cluster names as Carina accepted them: letters, digits, `-` and `_`, up to 64. */
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

function clusterName(ctx: CarinaContext): string {
  const name = ctx.params.name
  if (!CLUSTER_NAME.test(name)) {
    throw new HttpError(json({ message: `Invalid cluster name "${name}": use letters, digits, "-" and "_" (at most 64).` }, 400))
  }
  return name
}

export function clusterStatus(provider: CarinaRuntime, cluster: Cluster): 'building' | 'active' {
  return provider.clock.nowMs() - cluster.createdAtMs >= provider.config.clusterBuildSeconds * 1000 ? 'active' : 'building'
}

function clusterInfo(provider: CarinaRuntime, cluster: Cluster) {
  return { cluster_name: cluster.name, status: clusterStatus(provider, cluster), autoscale: cluster.autoscale, flavor: cluster.flavor, nodes: cluster.nodes }
}

/** `GET /me` (identity scope): the profile of the document's "Identity scope". */
export const showProfile = defineRoute<CarinaRuntime>({
  id: 'carina.me',
  method: 'GET',
  path: '/me',
  renderError: renderBearerError,
  resolve(ctx) {
    const { token } = requireToken(ctx, 'identity')
    const user = ctx.provider.store.users.by('id', token.userId)
    if (!user) return json({ message: 'The user no longer exists.' }, 404)
    return json(user.profile)
  },
})

/**
 * `PUT /clusters/<name>` (create_cluster): idempotent; a new cluster starts
 * `building`, an existing one is returned as it is.
 */
export const createCluster = defineRoute<CarinaRuntime>({
  id: 'carina.create-cluster',
  method: 'PUT',
  path: '/clusters/:name',
  renderError: renderBearerError,
  async resolve(ctx) {
    const { token } = requireToken(ctx, 'create_cluster')
    const name = clusterName(ctx)
    if (ctx.bodyText.trim()) {
      try {
        const body = parseJsonBounded(ctx.bodyText) as unknown
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new TypeError()
      } catch {
        return json({ message: 'The request body must be a JSON object (the real client sends {}).' }, 400)
      }
    }
    const { clusters } = ctx.provider.store
    const key = `${token.userId}/${name}`
    const existing = clusters.by('key', key)
    if (existing) return json(clusterInfo(ctx.provider, existing))
    const cluster = await clusters.collection.create({
      key,
      ownerId: token.userId!,
      name,
      createdAtMs: ctx.provider.clock.nowMs(),
      flavor: 'container1-4G',
      nodes: 1,
      autoscale: false,
    })
    return json(clusterInfo(ctx.provider, cluster), 201)
  },
})

/**
 * `GET /clusters/<name>` (cluster_credentials): the credentials zip once the
 * cluster is active; 404 with the document's message while it builds.
 */
export const downloadClusterCredentials = defineRoute<CarinaRuntime>({
  id: 'carina.cluster-credentials',
  method: 'GET',
  path: '/clusters/:name',
  renderError: renderBearerError,
  resolve(ctx) {
    const { token } = requireToken(ctx, 'cluster_credentials')
    const name = clusterName(ctx)
    const cluster = ctx.provider.store.clusters.by('key', `${token.userId}/${name}`)
    if (!cluster) return json({ message: `The cluster "${name}" does not exist.` }, 404)
    if (clusterStatus(ctx.provider, cluster) !== 'active') {
      return json({ message: 'The cluster is not yet active. Retry this request later.' }, 404)
    }
    const zip = buildCredentialsZip(cluster, ctx.provider.clock.now())
    return new Response(zip as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers: {
        'Content-Type': 'application/zip',
        'Content-Disposition': `attachment; filename="${name}.zip"`,
        'Cache-Control': 'no-store',
      },
    })
  },
})
