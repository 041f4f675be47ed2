import { z } from "zod";
import { resolveBySystem } from "../alerts/resolve-by-system";
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
import { endedByUser, type EndedNotice } from "./ended-notice";
import { PATROL_META_SELECT, toPatrolMeta } from "./patrol-meta";
import { removeActivePatrol } from "./state-plane";

/** Who asks to stop a patrol: the vehicle's device, or a signed-in user (`name` is what the crew is told). */
export type StopActor =
  | ({ kind: "vehicle" } & DeviceIdentity)
  | { kind: "user"; userId: number; name: string; role: "ADMIN" | "COMMANDER"; scope: Scope };

/** Body of `POST /api/patrols/{id}/stop` (optional): why, as the commander typed it; blank counts as none. */
export const stopSchema = z.strictObject({
  reason: z
    .string()
    .trim()
    .max(200, "must be at most 200 characters")
    .refine((r) => !/[\p{Cc}\p{Cf}]/u.test(r), "must not contain control or invisible characters")
    .optional()
    .transform((r) => (r ? r : undefined)),
});

/** Who ended an ENDED patrol row, for the answer to its crew (null when its device stopped it). */
const ENDED_SELECT = { endedAt: true, endReason: true, endedByUser: { select: { name: true, email: true } } } as const;

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
  reason?: string,
): Promise<{ patrolId: number; endedAt: number }> {
  if (actor.kind === "vehicle") {
    const vehicle = await prisma.vehicle.findUnique({ where: { id: actor.vehicleId }, select: { tokenGeneration: true } });
    if (vehicle?.tokenGeneration !== actor.generation) throw tokenRevoked();
  }
  const patrol = await prisma.patrol.findUnique({
    where: { id: patrolId },
    select: { ...PATROL_META_SELECT, status: true, ...ENDED_SELECT },
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
    if (actor.kind === "vehicle" && patrol.endedByUser) throw endedByUser(patrolId, endedNoticeOf(patrol));
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
      endReason: actor.kind === "user" ? (reason ?? null) : null,
    },
  });
  if (ended.count === 0) throw new AppError("PATROL_NOT_ACTIVE", `Patrol ${patrolId} has already ended.`);

  const meta = toPatrolMeta(patrol);
  try {
    const notice: EndedNotice | undefined = actor.kind === "user" ? { by: actor.name, at: endedAt.getTime(), reason: reason ?? null } : undefined;
    await redisCall(removeActivePatrol(redis(), redisPrefix, meta, notice));
  } catch (err) {
    await prisma.patrol
      .update({ where: { id: patrolId }, data: { status: "ACTIVE", endedAt: null, endedBy: null, endedByUserId: null, endReason: null } })
      .catch((e: unknown) => log.error({ err: e, patrolId }, "could not restore patrol after Redis failure; run npm run state:rebuild"));
    throw err;
  }
  log.info({ patrolId, by: actor.kind === "vehicle" ? `vehicle:${actor.vehicleId}` : `user:${actor.userId}` }, "patrol stopped");
  // Off patrol, silence means nothing: a SILENT alert ends with it (an SOS or any other stays for a commander to resolve).
  await resolveBySystem(prisma, redis(), redisPrefix, patrolId, ["SILENT"]).catch((err: unknown) =>
    log.warn({ err: String(err), patrolId }, "could not resolve the ended patrol's SILENT alert; a commander can"),
  );
  await recordAudit({
    action: "patrol.stop",
    actor: audit,
    target: `patrol:${patrolId}`,
    detail: {
      by: actor.kind,
      vehicleId: patrol.vehicleId,
      callSign: patrol.vehicle.callSign,
      stationId: patrol.stationId,
      ...(actor.kind === "user" && reason ? { reason } : {}),
    },
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

/** The "ended by" notice of an ENDED row a user stopped. */
export function endedNoticeOf(row: { endedAt: Date | null; endReason: string | null; endedByUser: { name: string; email: string } | null }): EndedNotice | null {
  if (!row.endedByUser || !row.endedAt) return null;
  return { by: row.endedByUser.name || row.endedByUser.email, at: row.endedAt.getTime(), reason: row.endReason };
}
