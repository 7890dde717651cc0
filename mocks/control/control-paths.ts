import { CONTROL_PREFIX, controlBodyRefusal, controlRefusal, normalizeHostname, type ControlAccess, type ControlRefusal } from '../core/control-guard.js'
import type { FaultSpec } from '../core/faults.js'
import { parseJsonBounded } from '../core/json.js'
import type { AnyProviderControls, ControlAnswerer, ControlBody, ProviderRuntime } from '../core/provider.js'
import { Reply, toReply, type RouteAnswer } from '../core/reply.js'
import { requestBodyText } from '../core/body.js'
import { hasBody, type ProviderRequest, type ReadBody } from '../core/request.js'
import { answerControlRequest } from './control-api.js'

/**
 * One answer of `GET /__oauth-dance/journal` holds at most this many exchanges
 * and, past the first, about this many bytes of them (`next` gives the rest):
 * serializing a whole journal of large bodies blocked every provider for seconds.
 */
const JOURNAL_PAGE_LIMIT = 1000
const JOURNAL_PAGE_BYTES = 4 * 1024 * 1024

/** Gives `runtime` these control paths (see {@link ProviderRuntime.attachControl}) and returns it. */
export function withControlPaths<R extends ProviderRuntime>(runtime: R): R {
  return runtime.attachControl((provider, access, controls) => new ControlPaths(provider, access, controls))
}

/**
 * The HTTP control API of one provider, answered under `/__oauth-dance/` on
 * each of its origins, in-process (msw, Playwright routing) and under `serve`
 * alike: the runtime hands every request whose path is under the prefix here.
 *
 * | request | answer |
 * |---|---|
 * | `POST reset` | fresh store, journal, faults and clock |
 * | `GET clock`, `POST clock` | the mock clock; `advance` (seconds) or `set` (ISO 8601) |
 * | `GET faults`, `POST faults`, `DELETE faults`, `DELETE faults/<id>` | injected faults |
 * | `GET journal?since&limit`, `DELETE journal` | recorded exchanges, paged |
 * | `GET provider` | `describe()` |
 * | `GET strictness`, `POST strictness` | strict or lenient |
 * | the paths of {@link answerControlRequest} | clients, users, options, authorize, the index page |
 * | `POST <name>` | the provider's own actions ({@link AnyProviderControls}) |
 */
export class ControlPaths implements ControlAnswerer {
  /** Host names of the provider's own origins: an `Origin` naming one is not another site. */
  readonly #ownHosts: ReadonlySet<string>

  constructor(
    readonly provider: ProviderRuntime,
    readonly access: ControlAccess,
    readonly controls: AnyProviderControls = {},
  ) {
    this.#ownHosts = new Set(Object.values(provider.origins).map((url) => normalizeHostname(new URL(url).host)))
  }

  /**
   * Every control path goes through here, so paths added later are guarded
   * too: the request is checked (see {@link ControlAccess}) and its body read
   * before any control code runs; a refusal (403, or 415 for a body that is
   * not JSON) says why and changes nothing. `path` is the request's path,
   * with the prefix (after the origin's base path, if any).
   */
  async answer(request: ProviderRequest, path: string, body: ReadBody | undefined): Promise<Reply> {
    const reply = await this.#guarded(request, path, body)
    return request.method.toUpperCase() === 'HEAD' && reply.body !== null ? reply.withBody(null) : reply
  }

  async #guarded(request: ProviderRequest, path: string, body: ReadBody | undefined): Promise<Reply> {
    const method = request.method.toUpperCase()
    const refuse = ({ status, error }: ControlRefusal) => Reply.json(status, { error }, { 'Cache-Control': 'no-store' })
    const refusal = controlRefusal(request, method, this.access, this.#ownHosts)
    if (refusal) return refuse(refusal)
    if (hasBody(method) && (body === undefined || 'text' in body)) {
      try {
        const text = await requestBodyText(request, method, body, this.provider.bodyLimit)
        const bodyRefusal = controlBodyRefusal(request, text)
        if (bodyRefusal) return refuse(bodyRefusal)
        body = { text }
      } catch {
        body = { tooLarge: true }
      }
    }
    return toReply(await this.#dispatch(request, new URL(request.url), path.slice(path.indexOf(CONTROL_PREFIX) + CONTROL_PREFIX.length), body))
  }

  async #dispatch(request: ProviderRequest, url: URL, path: string, body: ReadBody | undefined): Promise<RouteAnswer> {
    const provider = this.provider
    const method = request.method.toUpperCase()
    const json = (value: unknown, status = 200) => Reply.json(status, value, { 'Cache-Control': 'no-store' })
    const fail = (status: number, message: string) => json({ error: message }, status)
    const noContent = () => new Reply(204, {}, null)
    const readText = () => requestBodyText(request, method, body, provider.bodyLimit)
    const readJson = async (): Promise<ControlBody> => {
      let text: string
      try {
        text = await readText()
      } catch {
        throw new TypeError('the body is too large')
      }
      if (!text) return {}
      return parseJsonBounded(text)
    }
    const name = path.replace(/\/$/, '')
    try {
      switch (`${method} ${name}`) {
        case 'POST reset':
          await provider.reset()
          return json({ reset: true, now: provider.clock.now().toISOString() })
        case 'GET clock':
          return json({ now: provider.clock.now().toISOString(), nowMs: provider.clock.nowMs() })
        case 'POST clock': {
          const body = await readJson()
          // The clock checks the result before changing anything (RangeError: 400, the clock as it was).
          if (body.advance !== undefined) {
            if (typeof body.advance !== 'number' || !Number.isFinite(body.advance)) return fail(400, '"advance" must be a number of seconds')
            provider.clock.advance(body.advance)
          } else if (body.set !== undefined) {
            const at = typeof body.set === 'string' || typeof body.set === 'number' ? new Date(body.set) : new Date(NaN)
            if (Number.isNaN(+at)) return fail(400, '"set" must be an ISO 8601 date')
            provider.clock.set(at)
          } else return fail(400, 'give "advance" (seconds) or "set" (ISO 8601 date)')
          return json({ now: provider.clock.now().toISOString(), nowMs: provider.clock.nowMs() })
        }
        case 'GET faults':
          return json({ faults: provider.faults.list() })
        case 'POST faults': {
          // JSON from outside: checked at run time (validateFaultSpec), not by the type of its route id.
          const fault = provider.faults.add((await readJson()) as FaultSpec)
          return json(fault, 201)
        }
        case 'DELETE faults':
          provider.faults.clear()
          return noContent()
        case 'GET journal': {
          const since = url.searchParams.get('since') ?? '0'
          const limit = url.searchParams.get('limit') ?? String(JOURNAL_PAGE_LIMIT)
          if (!/^\d{1,15}$/.test(since)) return fail(400, '"since" must be the seq of an exchange (a non-negative integer)')
          if (!/^\d{1,4}$/.test(limit) || +limit < 1 || +limit > JOURNAL_PAGE_LIMIT)
            return fail(400, `"limit" must be an integer from 1 to ${JOURNAL_PAGE_LIMIT}`)
          return json(provider.journal.page(Number(since), Number(limit), JOURNAL_PAGE_BYTES))
        }
        case 'DELETE journal':
          provider.journal.clear()
          return noContent()
        case 'GET provider':
          return json(provider.describe())
        case 'GET strictness':
          return json({ mode: provider.strictness })
        case 'POST strictness': {
          const body = await readJson()
          if (body.mode !== 'strict' && body.mode !== 'lenient') return fail(400, '"mode" must be "strict" or "lenient"')
          provider.strictness = body.mode
          return json({ mode: provider.strictness })
        }
      }
      const answer = await answerControlRequest(provider, { method, path: name, url, headers: request.headers, readText })
      if (answer) return answer
      if (method === 'POST' && Object.hasOwn(this.controls, name)) {
        return json((await this.controls[name](provider, await readJson())) ?? {})
      }
      const faultId = /^faults\/([0-9a-f]+)$/.exec(path)
      if (faultId && method === 'DELETE') {
        return provider.faults.remove(faultId[1]) ? noContent() : fail(404, `no fault with id "${faultId[1]}"`)
      }
      return fail(
        404,
        `unknown control path "${CONTROL_PREFIX}${path}" (see README: reset, clock, faults, journal, provider, strictness, options, clients, users, authorize, index.json${Object.keys(
          this.controls,
        )
          .map((c) => `, ${c}`)
          .join('')})`,
      )
    } catch (thrown) {
      return fail(400, thrown instanceof SyntaxError ? 'the body is not valid JSON' : String((thrown as Error).message ?? thrown))
    }
  }
}
