import type { RedisClient } from "../redis/client";
import { queueAccessPlane, readAccessPlane } from "../auth/access-plane";
import type { PrismaClient } from "../generated/prisma/client";
import type { PatrolMeta } from "../realtime/protocol";
import { execOrThrow } from "../redis/exec-or-throw";
import { ALERT_SELECT, toAlertView } from "../alerts/alert-view";
import { queueAlert } from "../alerts/publish-alert";
import type { AlertView } from "../realtime/protocol";
import { isStatePlaneKey, lastStatusKey, openAlertsKey, patrolLastTsKey, statePlaneReadyKey, statePlaneScanPatterns } from "../redis/keys";
import { PATROL_META_SELECT, toPatrolMeta } from "./patrol-meta";
import { queueDeviceKeys } from "../vehicles/device-id";
import { announce, removeActivePatrol, writePatrolState } from "./state-plane";

/** What a rebuild did. */
export interface RebuildResult {
  activePatrols: number;
  removedKeys: number;
}

/** Every ACTIVE patrol in PostgreSQL, as state-plane metas. */
export async function activePatrolMetas(prisma: PrismaClient): Promise<PatrolMeta[]> {
  const rows = await prisma.patrol.findMany({ where: { status: "ACTIVE" }, select: PATROL_META_SELECT, orderBy: { id: "asc" } });
  return rows.map(toPatrolMeta);
}

/** Every alert not yet resolved, from PostgreSQL (the source of truth `alerts:open` mirrors). */
export async function unresolvedAlerts(prisma: PrismaClient): Promise<AlertView[]> {
  const rows = await prisma.alert.findMany({ where: { state: { not: "RESOLVED" } }, select: ALERT_SELECT, orderBy: { id: "asc" } });
  return rows.map(toAlertView);
}

async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys;
}

/**
 * Rebuilds the RedisClient state plane (every scope set, meta hash and vehicle key)
 * from PostgreSQL's ACTIVE patrols, the open alerts (`alerts:open`, re-announced), and the access plane (lib/auth/access-plane.ts), in one MULTI that also re-announces each
 * patrol on its control channels, and marks the plane ready
 * (`state_plane:ready`). Idempotent: stale keys are removed, last positions of
 * still-active patrols are kept.
 */
export async function rebuildState(prisma: PrismaClient, redis: RedisClient, prefix: string): Promise<RebuildResult> {
  const metas = await activePatrolMetas(prisma);
  const active = new Set(metas.map((m) => String(m.patrolId)));
  const stale = [...new Set((await Promise.all(statePlaneScanPatterns(prefix).map((p) => scanKeys(redis, p)))).flat())].filter((key) =>
    isStatePlaneKey(prefix, key),
  );
  const lastStatusFields = await redis.hkeys(lastStatusKey(prefix));
  const endedFields = lastStatusFields.filter((field) => !active.has(field));

  const [access, alerts] = await Promise.all([readAccessPlane(prisma), unresolvedAlerts(prisma)]);
  const tx = redis.multi();
  queueAccessPlane(tx, prefix, access);
  if (stale.length) tx.del(...stale);
  // Device keys are scanned as state-plane keys (a revoked id's key is stale): the current ones are written after the DEL.
  queueDeviceKeys(tx, prefix, access.vehicles);
  tx.del(openAlertsKey(prefix));
  if (endedFields.length) {
    tx.hdel(lastStatusKey(prefix), ...endedFields);
    tx.del(...endedFields.map((field) => patrolLastTsKey(prefix, field)));
  }
  for (const meta of metas) {
    writePatrolState(tx, prefix, meta);
    // Dashboards that re-synced before the rebuild learn of the patrols now; the sidecar ignores
    // a START for a car a client already shows, so announcing again is safe.
    announce(tx, prefix, { type: "PATROL_START", patrol: meta });
  }
  // Open alerts after their patrols: a dashboard that re-synced before the rebuild gets them now.
  for (const alert of alerts) queueAlert(tx, prefix, alert);
  tx.set(statePlaneReadyKey(prefix), String(Date.now()));
  await execOrThrow(tx);
  return { activePatrols: metas.length, removedKeys: stale.length };
}

/**
 * Restores the state plane when RedisClient lost it — `state_plane:ready` absent,
 * e.g. after a restart, since RedisClient keeps nothing on disk here — and returns
 * null when it was there. Writes every ACTIVE patrol, re-announced, the
 * access plane and the marker in one MULTI. Unlike `rebuildState` it deletes nothing, so a patrol
 * started on the empty RedisClient meanwhile is kept; one that ended between our
 * read and our write (its stop cleared RedisClient first) is removed again after.
 */
export async function rebuildStateIfMissing(prisma: PrismaClient, redis: RedisClient, prefix: string): Promise<RebuildResult | null> {
  if (await redis.exists(statePlaneReadyKey(prefix))) return null;
  const metas = await activePatrolMetas(prisma);
  const [access, alerts] = await Promise.all([readAccessPlane(prisma), unresolvedAlerts(prisma)]);
  const tx = redis.multi();
  queueAccessPlane(tx, prefix, access);
  queueDeviceKeys(tx, prefix, access.vehicles);
  for (const meta of metas) {
    writePatrolState(tx, prefix, meta);
    announce(tx, prefix, { type: "PATROL_START", patrol: meta });
  }
  // An SOS raised while RedisClient was away is in PostgreSQL: announced now, and in every SNAPSHOT from here on.
  for (const alert of alerts) queueAlert(tx, prefix, alert);
  tx.set(statePlaneReadyKey(prefix), String(Date.now()));
  await execOrThrow(tx);
  const stillActive = new Set(
    (await prisma.patrol.findMany({ where: { id: { in: metas.map((m) => m.patrolId) }, status: "ACTIVE" }, select: { id: true } })).map(
      (row) => row.id,
    ),
  );
  const ended = metas.filter((m) => !stillActive.has(m.patrolId));
  for (const meta of ended) await removeActivePatrol(redis, prefix, meta);
  return { activePatrols: metas.length - ended.length, removedKeys: 0 };
}
