import { recordAudit, type AuditActor } from "../audit/record";
import { tokenRevoked, type DeviceIdentity } from "../auth/tokens";
import { prisma } from "../db";
import { AppError } from "../errors";
import { log } from "../log";
import { redis, redisPrefix } from "../redis/client";
import type { PatrolMeta } from "../realtime/protocol";
import { redisCall } from "../redis/guard";
import { patrolMetaKey } from "../redis/keys";
import { scopeContains, type Scope } from "../scope";
import { PATROL_META_SELECT, toPatrolMeta } from "./patrol-meta";
import { removeActivePatrol } from "./state-plane";

/** Who asks to stop a patrol: the vehicle's device, or a signed-in user. */
export type StopActor =
  | ({ kind: "vehicle" } & DeviceIdentity)
  | { kind: "user"; userId: number; role: "ADMIN" | "COMMANDER"; scope: Scope };

/**
 * Ends an active patrol: the owning vehicle, an admin, or a commander whose
 * scope contains the patrol may do it (to any other commander it does not exist: 404). The row is marked ENDED, then one
 * Redis MULTI clears every plane; if Redis fails the row is restored (503).
 * A stop that happened is audited as `patrol.stop` under `audit` (a device: no user, `detail.vehicleId`).
 */
export async function stopPatrol(
  patrolId: number,
  actor: StopActor,
  audit: AuditActor,
): Promise<{ patrolId: number; endedAt: number }> {
  if (actor.kind === "vehicle") {
    const vehicle = await prisma.vehicle.findUnique({ where: { id: actor.vehicleId }, select: { tokenGeneration: true } });
    if (vehicle?.tokenGeneration !== actor.generation) throw tokenRevoked();
  }
  const patrol = await prisma.patrol.findUnique({
    where: { id: patrolId },
    select: { ...PATROL_META_SELECT, status: true },
  });
  const missing = new AppError("NOT_FOUND", `Patrol ${patrolId} does not exist.`);
  if (!patrol) throw missing;
  if (actor.kind === "vehicle" && actor.vehicleId !== patrol.vehicleId) {
    throw new AppError("FORBIDDEN", `Patrol ${patrolId} belongs to another vehicle.`);
  }
  // A commander learns nothing about patrols outside their jurisdiction, not even that the id exists.
  if (actor.kind === "user" && actor.role !== "ADMIN" && !scopeContains(actor.scope, patrol)) throw missing;
  if (patrol.status !== "ACTIVE") {
    await clearLiveState(toPatrolMeta(patrol));
    throw new AppError("PATROL_NOT_ACTIVE", `Patrol ${patrolId} has already ended.`);
  }

  const endedAt = new Date();
  const ended = await prisma.patrol.updateMany({
    where: { id: patrolId, status: "ACTIVE" },
    data: {
      status: "ENDED",
      endedAt,
      endedBy: actor.kind === "vehicle" ? "vehicle" : "user",
      endedByUserId: actor.kind === "user" ? actor.userId : null,
    },
  });
  if (ended.count === 0) throw new AppError("PATROL_NOT_ACTIVE", `Patrol ${patrolId} has already ended.`);

  const meta = toPatrolMeta(patrol);
  try {
    await redisCall(removeActivePatrol(redis(), redisPrefix, meta));
  } catch (err) {
    await prisma.patrol
      .update({ where: { id: patrolId }, data: { status: "ACTIVE", endedAt: null, endedBy: null, endedByUserId: null } })
      .catch((e: unknown) => log.error({ err: e, patrolId }, "could not restore patrol after Redis failure; run npm run state:rebuild"));
    throw err;
  }
  log.info({ patrolId, by: actor.kind === "vehicle" ? `vehicle:${actor.vehicleId}` : `user:${actor.userId}` }, "patrol stopped");
  await recordAudit({
    action: "patrol.stop",
    actor: audit,
    target: `patrol:${patrolId}`,
    detail: { by: actor.kind, vehicleId: patrol.vehicleId, callSign: patrol.vehicle.callSign, stationId: patrol.stationId },
  });
  return { patrolId, endedAt: endedAt.getTime() };
}

/**
 * A stop retried after the web process died between its UPDATE and its Redis
 * MULTI finds the row ENDED while dashboards still show the patrol: finish the
 * cleanup (best effort: the 409 stands either way).
 */
async function clearLiveState(meta: PatrolMeta): Promise<void> {
  try {
    const r = redis();
    if (!(await r.exists(patrolMetaKey(redisPrefix, meta.patrolId)))) return;
    await removeActivePatrol(r, redisPrefix, meta);
    log.info({ patrolId: meta.patrolId }, "ended patrol was still live in Redis; cleared on a repeated stop");
  } catch (err) {
    log.warn({ err: String(err), patrolId: meta.patrolId }, "could not clear an ended patrol's live state");
  }
}
