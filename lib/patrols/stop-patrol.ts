import { z } from "zod";
import { resolveBySystem } from "../alerts/resolve-by-system";
import { recordAudit, type AuditActor } from "../audit/record";
import { prisma } from "../db";
import { AppError } from "../errors";
import { log } from "../log";
import type { StoppedPatrol } from "../openapi/responses";
import { redis, redisPrefix } from "../redis/client";
import type { PatrolMeta } from "../realtime/protocol";
import { redisCall } from "../redis/guard";
import { clusterLayout, patrolMetaKey, scopeSetKey } from "../redis/keys";
import type { EndedNotice } from "./ended-notice";
import { notActive, patrolFor, type PatrolActor } from "./patrol-actor";
import { toPatrolMeta } from "./patrol-meta";
import { removeActivePatrol } from "./state-plane";
import { STOP_REASON_MAX } from "./stop-reason";

/** Body of `POST /api/patrols/{id}/stop` (optional): why, as the commander typed it; blank counts as none. */
export const stopSchema = z.strictObject({
  reason: z
    .string()
    .trim()
    .max(STOP_REASON_MAX, `must be at most ${STOP_REASON_MAX} characters`)
    .refine((r) => !/[\p{Cc}\p{Cf}]/u.test(r), "must not contain control or invisible characters")
    .optional()
    .transform((r) => (r ? r : undefined))
    .describe("Why, from a commander or admin (stored, audited and shown to the crew); ignored from a device."),
});

/**
 * Ends an active patrol: the owning vehicle, an admin, or a commander whose scope contains the patrol may do it
 * (`patrolFor`'s rules). The row is marked ENDED, then one Redis MULTI clears every plane (and, when a user stopped
 * it, leaves the crew the notice of who, when and `reason`); if Redis fails the row is restored (503).
 * A stop that happened is audited as `patrol.stop` under `audit` (a device: no user, `detail.vehicleId`).
 */
export async function stopPatrol(
  patrolId: number,
  actor: PatrolActor,
  audit: AuditActor,
  reason?: string,
): Promise<StoppedPatrol> {
  const patrol = await patrolFor(patrolId, actor);
  const user = actor.kind === "user" ? actor.user : null;
  if (patrol.status !== "ACTIVE") {
    await clearLiveState(toPatrolMeta(patrol));
    throw notActive(patrolId, patrol, actor);
  }

  const endedAt = new Date();
  const ended = await prisma.patrol.updateMany({
    where: { id: patrolId, status: "ACTIVE" },
    data: {
      status: "ENDED",
      endedAt,
      endedBy: user ? "user" : "vehicle",
      endedByUserId: user?.id ?? null,
      endReason: user ? (reason ?? null) : null,
    },
  });
  if (ended.count === 0) throw new AppError("PATROL_NOT_ACTIVE", `Patrol ${patrolId} has already ended.`);

  const meta = toPatrolMeta(patrol);
  try {
    const notice: EndedNotice | undefined = user ? { by: user.name || user.email, at: endedAt.getTime(), reason: reason ?? null } : undefined;
    await redisCall(removeActivePatrol(redis(), redisPrefix, meta, notice));
  } catch (err) {
    await prisma.patrol
      .update({ where: { id: patrolId }, data: { status: "ACTIVE", endedAt: null, endedBy: null, endedByUserId: null, endReason: null } })
      .catch((e: unknown) => log.error({ err: e, patrolId }, "could not restore patrol after Redis failure; run npm run state:rebuild"));
    throw err;
  }
  log.info({ patrolId, by: user ? `user:${user.id}` : `vehicle:${patrol.vehicleId}` }, "patrol stopped");
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
      ...(user && reason ? { reason } : {}),
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
    // Under Redis Cluster a process that died between the stop's two MULTIs left the sets naming a patrol without meta.
    const live =
      (await r.exists(patrolMetaKey(redisPrefix, meta.patrolId))) ||
      (clusterLayout && (await r.sismember(scopeSetKey(redisPrefix, { level: "city", id: null }), String(meta.patrolId))));
    if (!live) return;
    await removeActivePatrol(r, redisPrefix, meta);
    log.info({ patrolId: meta.patrolId }, "ended patrol was still live in Redis; cleared on a repeated stop");
  } catch (err) {
    log.warn({ err: String(err), patrolId: meta.patrolId }, "could not clear an ended patrol's live state");
  }
}
