import { z } from "zod";
import { recordAudit, type AuditActor } from "../audit/record";
import { prisma } from "../db";
import { log } from "../log";
import type { StatusChanged } from "../openapi/responses";
import { redis, redisPrefix } from "../redis/client";
import { redisCall } from "../redis/guard";
import { controlChannel, patrolMetaKey } from "../redis/keys";
import { UNIT_STATUSES, type ControlEvent, type UnitStatus } from "../realtime/protocol";
import { scopesOf } from "../scope";
import { activePatrolFor, type PatrolActor } from "./patrol-actor";

/** Body of `POST /api/patrols/{id}/status`. */
export const setStatusSchema = z.strictObject({
  status: z.enum(UNIT_STATUSES, { error: `must be one of ${UNIT_STATUSES.join(", ")}` }).describe("The new duty status."),
});

/**
 * Sets the duty status only while the patrol's meta hash exists (a stop that cleared it meanwhile wins), then
 * announces the change on every ancestor's control channel: one script, one round trip.
 */
const SET_STATUS_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'status', ARGV[1]) end
for i = 3, #ARGV do redis.call('PUBLISH', ARGV[i], ARGV[2]) end
return 1`;

/**
 * Changes an active patrol's duty status, by its vehicle or by a user covering it: recorded in PostgreSQL
 * (the patrol's `dutyStatus` and one `patrol_status_changes` row, in one transaction), then mirrored into
 * `patrol:{id}:meta` and announced as STATUS to every dashboard covering the patrol. A user's change is
 * audited as `patrol.status`. Redis down → 503 after the change is recorded; repeating it is harmless.
 */
export async function setPatrolStatus(
  patrolId: number,
  status: UnitStatus,
  actor: PatrolActor,
  audit: AuditActor,
): Promise<StatusChanged> {
  const patrol = await activePatrolFor(patrolId, actor);
  const at = new Date();
  const userId = actor.kind === "user" ? actor.user.id : null;
  await prisma.$transaction([
    prisma.patrol.update({ where: { id: patrolId }, data: { dutyStatus: status } }),
    prisma.patrolStatusChange.create({ data: { patrolId, status, at, userId } }),
  ]);
  const event: ControlEvent = { type: "STATUS", patrol: { ...patrol, status }, at: at.getTime() };
  const channels = scopesOf(patrol).map((scope) => controlChannel(redisPrefix, scope));
  await redisCall(redis().eval(SET_STATUS_SCRIPT, 1, patrolMetaKey(redisPrefix, patrolId), status, JSON.stringify(event), ...channels));
  log.info({ patrolId, status, by: userId === null ? "vehicle" : `user:${userId}` }, "patrol status changed");
  if (actor.kind === "user") {
    await recordAudit({
      action: "patrol.status",
      actor: audit,
      target: `patrol:${patrolId}`,
      detail: { status, from: patrol.status, vehicleId: patrol.vehicleId, callSign: patrol.callSign, stationId: patrol.stationId },
    });
  }
  return { patrolId, status, at: at.getTime() };
}
