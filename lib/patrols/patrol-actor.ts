import { requestAddress, userActor, type AuditActor } from "../audit/record";
import type { SessionUser } from "../auth/options";
import { requireUser } from "../auth/session";
import { authenticateVehicle, tokenRevoked, type DeviceIdentity } from "../auth/tokens";
import { prisma } from "../db";
import { AppError } from "../errors";
import type { PatrolMeta } from "../realtime/protocol";
import { scopeContains } from "../scope";
import { endedByUser } from "./ended-notice";
import { PATROL_META_SELECT, toPatrolMeta } from "./patrol-meta";
import { endedNoticeOf } from "./stop-patrol";

/** Who acts on a patrol: its vehicle's device (bearer token), or a signed-in user (session cookie). */
export type PatrolActor = ({ kind: "vehicle" } & DeviceIdentity) | { kind: "user"; user: SessionUser };

/** The actor of a request — a bearer token means the device, otherwise the session — and its audit identity. */
export async function patrolActorOf(req: Request): Promise<{ actor: PatrolActor; audit: AuditActor }> {
  if (req.headers.has("authorization")) {
    return { actor: { kind: "vehicle", ...(await authenticateVehicle(req)) }, audit: { userId: null, email: null, ip: requestAddress(req.headers) } };
  }
  const user = await requireUser();
  return { actor: { kind: "user", user }, audit: userActor(user, req) };
}

/**
 * The ACTIVE patrol `patrolId` as `actor` may act on it: its own vehicle (a revoked token → 401, a disabled
 * vehicle → 403, another vehicle's patrol → 403), or a user whose scope covers it (to anyone else it does not
 * exist: 404, as for the live map). An ended patrol → 409. One or two primary-key reads.
 */
export async function activePatrolFor(patrolId: number, actor: PatrolActor): Promise<PatrolMeta> {
  const [patrol, vehicle] = await Promise.all([
    prisma.patrol.findUnique({
      where: { id: patrolId },
      select: { ...PATROL_META_SELECT, status: true, endedAt: true, endReason: true, endedByUser: { select: { name: true, email: true } } },
    }),
    actor.kind === "vehicle"
      ? prisma.vehicle.findUnique({ where: { id: actor.vehicleId }, select: { tokenGeneration: true, enabled: true } })
      : null,
  ]);
  if (actor.kind === "vehicle") {
    if (vehicle?.tokenGeneration !== actor.generation) throw tokenRevoked();
    if (!vehicle.enabled) throw new AppError("VEHICLE_DISABLED", "This vehicle is disabled. Ask an admin to enable it.");
  }
  const missing = new AppError("NOT_FOUND", `Patrol ${patrolId} does not exist.`);
  if (!patrol) throw missing;
  if (actor.kind === "vehicle" && actor.vehicleId !== patrol.vehicleId) {
    throw new AppError("FORBIDDEN", `Patrol ${patrolId} belongs to another vehicle.`);
  }
  if (actor.kind === "user" && !scopeContains(actor.user.scope, patrol)) throw missing;
  if (patrol.status !== "ACTIVE") {
    // Its crew learns who ended it and why; anyone else just that it ended.
    if (actor.kind === "vehicle" && patrol.endedByUser) throw endedByUser(patrolId, endedNoticeOf(patrol));
    throw new AppError("PATROL_NOT_ACTIVE", `Patrol ${patrolId} has ended.`);
  }
  return toPatrolMeta(patrol);
}
