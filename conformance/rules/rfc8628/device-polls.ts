import type { Exchange } from '../../../mocks/core/journal.js'
import type { RuleContext } from '../../types.js'
import { exchangesOf, param, tokenRequests, tokenResponseFields } from '../exchanges.js'

/** RFC 8628 §3.4: the device grant's grant_type. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

export interface DeviceRequest {
  deviceCode: string
  /** The interval the device authorization response asked for (RFC 8628 §3.2: 5 when it gives none). */
  intervalSeconds: number
  /** The token requests polling this device code, in order. */
  polls: Exchange[]
}

/** Every device authorization the client started, with its polls. */
export function deviceRequests(ctx: RuleContext): DeviceRequest[] {
  const polls = tokenRequests(ctx).filter((e) => param(e, 'grant_type') === DEVICE_CODE_GRANT)
  return exchangesOf(ctx.exchanges, ctx.profile.routes.deviceAuthorization).flatMap((started) => {
    const fields = tokenResponseFields(started)
    if (started.response.status !== 200 || !fields?.device_code) return []
    const interval = Number(fields.interval)
    return [
      {
        deviceCode: fields.device_code,
        intervalSeconds: Number.isFinite(interval) && interval > 0 ? interval : 5,
        polls: polls.filter((p) => param(p, 'device_code') === fields.device_code),
      },
    ]
  })
}

/** The OAuth error a poll was answered with, if any. */
export function pollError(exchange: Exchange): string | undefined {
  return exchange.response.status === 200 ? undefined : tokenResponseFields(exchange)?.error
}
