import { defineRoute } from '../../core/routes.js'
import { Reply } from '../../core/reply.js'
import type { KeystoneContext, KeystoneRuntime } from './config.js'
import { requestId } from './responses.js'

/**
 * Version discovery, as keystone/api/discovery.py serves it, so keystoneauth
 * and openstacksdk can discover the endpoint: `GET <base>/` lists the
 * versions (300 Multiple Choices, `Location` the preferred one), `GET
 * <base>/v3` describes v3, and either answers a JSON-home document when the
 * client prefers `application/json-home`. Plus the compute API's own version
 * document at `<base>/v2.1`.
 *
 * @see https://opendev.org/openstack/keystone/src/commit/30ef2ffa65a3486ef882f00538e20f2253c57d4c/keystone/api/discovery.py
 */

const JSON_HOME = 'application/json-home'

/** `_get_versions_list`: the one version Keystone serves, its `self` link `<base>/v3/`. */
function v3Version(ctx: KeystoneContext) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${ctx.baseUrl}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  }
}

const rel = (name: string) => `https://docs.openstack.org/api/openstack-identity/3/rel/${name}`
const param = (name: string) => `https://docs.openstack.org/api/openstack-identity/3/param/${name}`

/**
 * The JSON-home resources of what the mock serves, in Keystone's shapes
 * (test_versions.py `V3_JSON_HOME_RESOURCES`): hrefs relative to `/v3`,
 * templates with their variables. The OS-OAUTH2 token relation is the one the
 * document names.
 */
function jsonHomeResources(): Record<string, Record<string, unknown>> {
  return {
    [rel('auth_tokens')]: { href: '/auth/tokens' },
    [rel('application_credentials')]: { 'href-template': '/users/{user_id}/application_credentials', 'href-vars': { user_id: param('user_id') } },
    [rel('application_credential')]: {
      'href-template': '/users/{user_id}/application_credentials/{application_credential_id}',
      'href-vars': { application_credential_id: param('application_credential_id'), user_id: param('user_id') },
    },
    'https://docs.openstack.org/api/openstack-identity/3/ext/OS-OAUTH2/1.0/rel/token': { href: '/OS-OAUTH2/token' },
  }
}

/**
 * `v3_mime_type_best_match`: JSON unless the client prefers JSON-home (werkzeug's
 * `best_match([JSON, JSON_HOME])`: the higher quality wins, a tie goes to JSON).
 */
export function prefersJsonHome(accept: string | null): boolean {
  if (!accept) return false
  const quality = (type: string) => {
    let best = -1
    let q = 0
    for (const part of accept.split(',')) {
      const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase())
      const specificity = range === type ? 2 : range === `${type.split('/')[0]}/*` ? 1 : range === '*/*' ? 0 : -1
      if (specificity <= best) continue
      best = specificity
      const given = params.map((p) => /^q=([01](?:\.\d{0,3})?)$/.exec(p)).find(Boolean)
      q = given ? Number(given[1]) : 1
    }
    return q
  }
  const home = quality(JSON_HOME)
  return home > 0 && home > quality('application/json')
}

/** `oslo_serialization.jsonutils.dumps`: Python's `json.dumps`, `", "` and `": "` between items. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`
  if (value && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`)
      .join(', ')}}`
  return JSON.stringify(value)
}

/** A flask.Response with the headers every Keystone answer gets (`Vary`, the request id). */
function discoveryReply(status: number, contentType: string, body: unknown, headers: Record<string, string> = {}): Reply {
  return new Reply(status, { 'content-type': contentType, vary: 'X-Auth-Token', 'x-openstack-request-id': requestId(), ...headers }, pythonJson(body))
}

const versions = defineRoute<KeystoneRuntime>({
  id: 'keystone.versions',
  method: 'GET',
  path: '/',
  resolve(ctx) {
    if (prefersJsonHome(ctx.request.headers.get('accept'))) {
      // `translate_urls(v3_json_home, '/v3')`: from the root, every href gains the version.
      const resources = Object.fromEntries(
        Object.entries(jsonHomeResources()).map(([relation, resource]) => [
          relation,
          'href' in resource ? { ...resource, href: `/v3${resource.href}` } : { ...resource, 'href-template': `/v3${resource['href-template']}` },
        ]),
      )
      return discoveryReply(200, JSON_HOME, { resources })
    }
    const version = v3Version(ctx)
    return discoveryReply(300, 'application/json', { versions: { values: [version] } }, { location: version.links[0].href })
  },
})

const versionV3 = defineRoute<KeystoneRuntime>({
  id: 'keystone.version-v3',
  method: 'GET',
  path: '/v3',
  resolve(ctx) {
    if (prefersJsonHome(ctx.request.headers.get('accept'))) return discoveryReply(200, JSON_HOME, { resources: jsonHomeResources() })
    return discoveryReply(200, 'application/json', { version: v3Version(ctx) })
  },
})

/**
 * Nova's version document at the compute root (no token needed), for the
 * compute-like API at `<base>/v2.1`: the 2023.1 release's microversion range
 * (the release that added Keystone's OAuth 2.0 mTLS). [inf: max_version of that release]
 */
const computeVersion = defineRoute<KeystoneRuntime>({
  id: 'keystone.compute-version',
  method: 'GET',
  path: '/v2.1',
  resolve(ctx) {
    return new Reply(
      200,
      { 'content-type': 'application/json', 'x-openstack-request-id': requestId() },
      JSON.stringify({
        version: {
          id: 'v2.1',
          status: 'CURRENT',
          version: '2.95',
          min_version: '2.1',
          updated: '2013-07-23T11:33:21Z',
          links: [
            { rel: 'self', href: `${ctx.baseUrl}/v2.1/` },
            { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
          ],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
        },
      }),
    )
  },
})

export const discoveryRoutes = [versions, versionV3, computeVersion]
