import type { StandardContext, StandardStore } from './config.js'
import type { DeviceUserScript } from './store.js'

const DEVICE_DECISIONS = ['approve', 'deny', 'none'] as const

/** Reads the `device-user` control's body; an Error names the bad field and the valid values. */
export function parseDeviceUserScript(body: Record<string, unknown>): DeviceUserScript {
  if (!DEVICE_DECISIONS.includes(body.decision as never)) throw new TypeError(`"decision" must be one of ${DEVICE_DECISIONS.join(', ')}`)
  const afterSeconds = body.afterSeconds ?? 0
  if (typeof afterSeconds !== 'number' || !Number.isInteger(afterSeconds) || afterSeconds < 0 || afterSeconds > 86_400)
    throw new TypeError('"afterSeconds" must be an integer of seconds from 0 to 86400')
  if (body.slowDown !== undefined && typeof body.slowDown !== 'boolean') throw new TypeError('"slowDown" must be true or false')
  return { decision: body.decision as DeviceUserScript['decision'], afterSeconds, slowDown: body.slowDown === true }
}

type DeviceRecord = NonNullable<ReturnType<StandardStore['deviceCodes']['by']>>

/**
 * At each poll, before the grant looks at the request: the scripted user's
 * answer once its time has come (the record as it now is), and whether this
 * poll gets the scripted `slow_down` (the first poll of each request).
 */
export function applyDeviceUserScript(ctx: StandardContext, device: DeviceRecord): { device: DeviceRecord; slowDown: boolean } {
  const script = ctx.provider.store.deviceUserScript
  if (!script) return { device, slowDown: false }
  const { store, clock } = ctx.provider
  let current = device
  if (device.status === 'pending' && script.decision !== 'none' && clock.nowMs() >= device.issuedAtMs + script.afterSeconds * 1000) {
    const user = store.users.collection.findMany()[0]
    current = store.deviceCodes.patch(
      device,
      script.decision === 'approve' && user ? { status: 'approved', userId: user.id, authTimeMs: clock.nowMs() } : { status: 'denied' },
    )
  }
  // @note the first poll of a request: lastPollMs is still null then.
  return { device: current, slowDown: script.slowDown && device.lastPollMs === null }
}
