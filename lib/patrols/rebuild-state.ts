import type { RedisClient } from "../redis/client";
import { queueAccessPlane, readAccessPlane } from "../auth/access-plane";
import type { PrismaClient } from "../generated/prisma/client";
import type { PatrolMeta } from "../realtime/protocol";
import { execOrThrow } from "../redis/exec-or-throw";
import { ALERT_SELECT, toAlertView } from "../alerts/alert-view";
import { queueAlert } from "../alerts/publish-alert";
import type { AlertView } from "../realtime/protocol";
import {
  clusterLayout,
  deviceVehicleKey,
  inStatePlaneSlot,
  isStatePlaneKey,
  lastFrameScanPattern,
  lastStatusKey,
  openAlertsKey,
  patrolIdOfKey,
  patrolLastFrameKey,
  patrolLastTsKey,
  statePlaneReadyKey,
  statePlaneScanPatterns,
} from "../redis/keys";
import { keyHolders } from "../redis/client";
import { recordCommands } from "../redis/command-recorder";
import { credentialsOf } from "../vehicles/credential-mirror";
import { PATROL_META_SELECT, toPatrolMeta } from "./patrol-meta";
import { queueDeviceKeys } from "../vehicles/device-id";
import { announce, removeActivePatrol, writeMembership, writePatrolKeys, writePatrolState } from "./state-plane";
import { statePlaneComplete, writeSlotMarkers } from "./state-plane-ready";

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

/** Every key matching `pattern`: one SCAN over each master (under Redis Cluster), or over the one Redis. */
async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const perNode = await Promise.all(
    keyHolders(redis).map(async (node) => {
      const keys: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== "0");
      return keys;
    }),
  );
  return perNode.flat();
}

/**
 * Rebuilds the Redis state plane (every scope set, meta hash and vehicle key)
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
  if (clusterLayout) {
    const lastFrames = await scanKeys(redis, lastFrameScanPattern(prefix));
    await writeClusterState(prisma, redis, prefix, metas, { full: true, stale, endedPatrols: lastFrames.map((key) => patrolIdOfKey(prefix, key)!).filter((id) => !active.has(String(id))) });
    return { activePatrols: metas.length, removedKeys: stale.filter((key) => !isRewritten(prefix, key, active)).length };
  }
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
 * Restores the state plane when Redis lost it — `state_plane:ready` absent,
 * e.g. after a restart, since Redis keeps nothing on disk here, or under Redis
 * Cluster a slot marker gone with a shard that restarted empty — and returns
 * null when it was there. Writes every ACTIVE patrol, re-announced, the
 * access plane and the marker in one MULTI. Unlike `rebuildState` it deletes nothing, so a patrol
 * started on the empty Redis meanwhile is kept; one that ended between our
 * read and our write (its stop cleared Redis first) is removed again after.
 */
export async function rebuildStateIfMissing(prisma: PrismaClient, redis: RedisClient, prefix: string): Promise<RebuildResult | null> {
  if (await statePlaneComplete(redis, prefix)) return null;
  const metas = await activePatrolMetas(prisma);
  if (clusterLayout) await writeClusterState(prisma, redis, prefix, metas, { full: false, stale: [], endedPatrols: [] });
  else await writeMissingState(prisma, redis, prefix, metas);
  const stillActive = new Set(
    (await prisma.patrol.findMany({ where: { id: { in: metas.map((m) => m.patrolId) }, status: "ACTIVE" }, select: { id: true } })).map(
      (row) => row.id,
    ),
  );
  const ended = metas.filter((m) => !stillActive.has(m.patrolId));
  for (const meta of ended) await removeActivePatrol(redis, prefix, meta);
  return { activePatrols: metas.length - ended.length, removedKeys: 0 };
}

/** Single Redis: `rebuildStateIfMissing`'s one MULTI. */
async function writeMissingState(prisma: PrismaClient, redis: RedisClient, prefix: string, metas: PatrolMeta[]): Promise<void> {
  const [access, alerts] = await Promise.all([readAccessPlane(prisma), unresolvedAlerts(prisma)]);
  const tx = redis.multi();
  queueAccessPlane(tx, prefix, access);
  queueDeviceKeys(tx, prefix, access.vehicles);
  for (const meta of metas) {
    writePatrolState(tx, prefix, meta);
    announce(tx, prefix, { type: "PATROL_START", patrol: meta });
  }
  // An SOS raised while Redis was away is in PostgreSQL: announced now, and in every SNAPSHOT from here on.
  for (const alert of alerts) queueAlert(tx, prefix, alert);
  tx.set(statePlaneReadyKey(prefix), String(Date.now()));
  await execOrThrow(tx);
}

/**
 * Redis Cluster: what the single Redis's one MULTI writes, as one MULTI per slot, ordered so that the state plane's
 * invariant (a patrol a set names has its meta) holds throughout and the ready marker is written last, when
 * everything it vouches for is there:
 * 1. the per-key mirrors (user access, token generations, device keys: each stands alone) and the deletion of stale
 *    keys outside the `{sp}` slot (metas and credential mirrors of patrols no longer active, replaced device ids),
 *    and of ended patrols' last points (`endedPatrols`);
 * 2. every active patrol's own slot: meta and credential mirror (one MULTI each, all at once);
 * 3. the `{sp}` slot, one MULTI: stale sets and vehicle keys deleted, every membership written, every patrol
 *    re-announced;
 * 4. `alerts:open` (emptied first by a `full` rebuild) and the ALERT events (one MULTI), after their patrols as under
 *    a single Redis;
 * 5. every slot's ready marker, then the state plane's.
 */
async function writeClusterState(
  prisma: PrismaClient,
  redis: RedisClient,
  prefix: string,
  metas: PatrolMeta[],
  { full, stale, endedPatrols }: { full: boolean; stale: string[]; endedPatrols: number[] },
): Promise<void> {
  const [access, alerts] = await Promise.all([readAccessPlane(prisma), unresolvedAlerts(prisma)]);
  const active = new Set(metas.map((m) => String(m.patrolId)));
  const mirrors = recordCommands();
  queueAccessPlane(mirrors.batch, prefix, access);
  queueDeviceKeys(mirrors.batch, prefix, access.vehicles);
  const currentDeviceKeys = new Set(access.vehicles.flatMap((v) => (v.deviceIdHash ? [deviceVehicleKey(prefix, v.deviceIdHash)] : [])));
  const outside = stale.filter((key) => !inStatePlaneSlot(prefix, key) && !isRewritten(prefix, key, active) && !currentDeviceKeys.has(key));
  await Promise.all([
    mirrors.run(redis),
    ...outside.map((key) => redis.del(key)),
    ...endedPatrols.map((id) => redis.del(patrolLastFrameKey(prefix, id), patrolLastTsKey(prefix, id))),
  ]);

  const vehicles = new Map(access.vehicles.map((v) => [v.id, v]));
  await Promise.all(
    metas.map((meta) => {
      const tx = redis.multi();
      const vehicle = vehicles.get(meta.vehicleId);
      writePatrolKeys(tx, prefix, meta, vehicle ? credentialsOf(vehicle) : { generation: 0, deviceIdHash: null });
      return execOrThrow(tx);
    }),
  );

  const plane = redis.multi();
  const staleInPlane = stale.filter((key) => inStatePlaneSlot(prefix, key));
  if (staleInPlane.length) plane.del(...staleInPlane);
  for (const meta of metas) {
    writeMembership(plane, prefix, meta);
    announce(plane, prefix, { type: "PATROL_START", patrol: meta });
  }
  await execOrThrow(plane);

  const alertTx = redis.multi();
  if (full) alertTx.del(openAlertsKey(prefix));
  for (const alert of alerts) queueAlert(alertTx, prefix, alert);
  await execOrThrow(alertTx);

  // Every slot's marker (what a shard that restarts empty loses), then the state plane's own.
  const at = Date.now();
  await writeSlotMarkers(redis, prefix, at);
  await redis.set(statePlaneReadyKey(prefix), String(at));
}

/** Redis Cluster: true for a stale-scanned key of an active patrol's own slot, which step 2 rewrites rather than deletes. */
function isRewritten(prefix: string, key: string, active: Set<string>): boolean {
  const patrolId = patrolIdOfKey(prefix, key);
  return patrolId !== null && active.has(String(patrolId));
}
