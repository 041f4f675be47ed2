import { requestAddress, userActor, type AuditActor } from "../audit/record";
import type { SessionUser } from "../auth/options";
import { requireUser } from "../auth/session";
import { authenticateVehicle, tokenRevoked, vehicleDisabled, type DeviceIdentity } from "../auth/tokens";
import { prisma } from "../db";
import { AppError } from "../errors";
import type { PatrolMeta } from "../realtime/protocol";
import { scopeContains } from "../scope";
import { ENDED_SELECT, endedByUser, endedNoticeOf } from "./ended-notice";
import { PATROL_META_SELECT, toPatrolMeta } from "./patrol-meta";

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

const PATROL_SELECT = { ...PATROL_META_SELECT, status: true, ...ENDED_SELECT } as const;

/**
 * The patrol `patrolId`, active or ended, as `actor` may act on it: its own vehicle (a revoked token → 401, a
 * disabled vehicle → 403, another vehicle's patrol → 403), or a user whose scope covers it (to anyone else it does
 * not exist: 404, as for the live map). One or two primary-key reads, in parallel.
 */
export async function patrolFor(patrolId: number, actor: PatrolActor) {
  const [patrol, vehicle] = await Promise.all([
    prisma.patrol.findUnique({ where: { id: patrolId }, select: PATROL_SELECT }),
    actor.kind === "vehicle"
      ? prisma.vehicle.findUnique({ where: { id: actor.vehicleId }, select: { tokenGeneration: true, enabled: true } })
      : null,
  ]);
  if (actor.kind === "vehicle") {
    if (vehicle?.tokenGeneration !== actor.generation) throw tokenRevoked();
    if (!vehicle.enabled) throw vehicleDisabled();
  }
  const missing = new AppError("NOT_FOUND", `Patrol ${patrolId} does not exist.`);
  if (!patrol) throw missing;
  if (actor.kind === "vehicle" && actor.vehicleId !== patrol.vehicleId) {
    throw new AppError("FORBIDDEN", `Patrol ${patrolId} belongs to another vehicle.`);
  }
  // A commander learns nothing about patrols outside their jurisdiction, not even that the id exists.
  if (actor.kind === "user" && !scopeContains(actor.user.scope, patrol)) throw missing;
  return patrol;
}

/** The 409 for an ended patrol: its crew learns who ended it and why (when a user did); anyone else just that it ended. */
export function notActive(patrolId: number, patrol: Awaited<ReturnType<typeof patrolFor>>, actor: PatrolActor): AppError {
  const notice = actor.kind === "vehicle" ? endedNoticeOf(patrol) : null;
  return notice ? endedByUser(patrolId, notice) : new AppError("PATROL_NOT_ACTIVE", `Patrol ${patrolId} has already ended.`);
}

/** `patrolFor`, ACTIVE patrols only (an ended one → 409 `notActive`), as the meta its state plane holds. */
export async function activePatrolFor(patrolId: number, actor: PatrolActor): Promise<PatrolMeta> {
  const patrol = await patrolFor(patrolId, actor);
  if (patrol.status !== "ACTIVE") throw notActive(patrolId, patrol, actor);
  return toPatrolMeta(patrol);
}
