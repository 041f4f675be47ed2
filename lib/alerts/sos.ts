import { z } from "zod";
import type { DeviceIdentity } from "../auth/tokens";
import { prisma } from "../db";
import { log } from "../log";
import { activePatrolFor } from "../patrols/patrol-actor";
import { readLastFrame } from "../patrols/read-patrols";
import { positionOfFrame, type PatrolMeta } from "../realtime/protocol";
import { redis, redisPrefix } from "../redis/client";
import { redisCall } from "../redis/guard";
import { publishAlert } from "./publish-alert";
import { raiseAlert } from "./raise-alert";

/** Body of `POST /api/patrols/{id}/sos`: where the officer is, when the device knows (default: the patrol's last point). */
export const sosSchema = z
  .strictObject({
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
  })
  .partial()
  .refine((b) => (b.lat === undefined) === (b.lon === undefined), { message: "send lat and lon together, or neither" });

/**
 * The panic button: raises an SOS for the device's own active patrol. PostgreSQL first — once this returns
 * the SOS cannot be lost — then `alerts:open` and an ALERT to every dashboard covering the patrol. Pressed
 * again while that SOS is not resolved, the same alert is announced again (a device retrying after a lost
 * answer or a 503 reaches the dashboards this way) and its id returned. Redis down → 503 (Retry-After), the
 * SOS recorded; the state-plane rebuild after a Redis restart re-announces it.
 */
export async function pressSos(patrolId: number, device: DeviceIdentity, body: z.infer<typeof sosSchema>): Promise<{ alertId: number }> {
  const sent = body.lat !== undefined && body.lon !== undefined ? { lat: body.lat, lon: body.lon } : null;
  // The patrol's last position is read beside the patrol check (not after it) when the device sent none.
  const [patrol, last] = await Promise.all([
    activePatrolFor(patrolId, { kind: "vehicle", ...device }),
    sent ? null : readLastFrame(redis(), redisPrefix, patrolId).then(positionOfFrame, () => null),
  ]);
  return soundSos(patrol, sent ?? last);
}

/**
 * Raises (or re-announces) the SOS of an active patrol at `at` (null: position unknown): PostgreSQL first, then
 * `alerts:open` and the ALERT frames. The caller checked who may (`pressSos`: the device's token; the OsmAnd route:
 * its device id).
 */
export async function soundSos(patrol: PatrolMeta, at: { lat: number; lon: number } | null): Promise<{ alertId: number }> {
  const { patrolId } = patrol;
  const { alert, created } = await raiseAlert(prisma, { kind: "SOS", patrol, lat: at?.lat ?? null, lon: at?.lon ?? null, detail: null });
  if (created) log.warn({ patrolId, alertId: alert.alertId, vehicleId: patrol.vehicleId, callSign: patrol.callSign }, "SOS raised");
  await redisCall(publishAlert(redis(), redisPrefix, alert));
  return { alertId: alert.alertId };
}
