import type { ChainableCommander } from "ioredis";
import type { RedisClient } from "../redis/client";
import { metaToHash, type ControlEvent, type PatrolMeta } from "../realtime/protocol";
import { ENDED_NOTICE_TTL_S, type EndedNotice } from "./ended-notice";
import {
  clusterLayout,
  controlChannel,
  lastStatusKey,
  patrolCredentialKey,
  patrolEndedKey,
  patrolLastFrameKey,
  patrolLastTsKey,
  patrolMetaKey,
  scopeSetKey,
  vehicleActivePatrolKey,
} from "../redis/keys";
import { execOrThrow } from "../redis/exec-or-throw";
import { scopesOf } from "../scope";
import { queueCredentials, type PatrolCredentials } from "../vehicles/credential-mirror";

/**
 * Writes to the Redis state and control planes (docs/ARCHITECTURE.md §2, §3). Under a single Redis, start and stop
 * are each ONE `MULTI`: every ancestor's set, the meta hash, the vehicle key and the control events change together
 * or not at all. Under Redis Cluster a patrol's own keys (its slot) and the state plane (`{sp}`) are two slots, so
 * each is one `MULTI` of its own, in an order that keeps one invariant at every step: **a patrol named by a set or a
 * vehicle key has its meta**, or is on its way out (readers skip a member without meta: `readPatrolViews`).
 */

/** Credentials of a patrol started without any (tests and tools): generation 0, no device id. */
const NO_CREDENTIALS: PatrolCredentials = { generation: 0, deviceIdHash: null };

/**
 * Adds an active patrol to every ancestor set and announces it on every ancestor control channel; under Redis
 * Cluster also writes its credential mirror (`credentials`; default generation 0 and no device id, for tests).
 */
export async function addActivePatrol(redis: RedisClient, prefix: string, meta: PatrolMeta, credentials: PatrolCredentials = NO_CREDENTIALS): Promise<void> {
  if (!clusterLayout) {
    const tx = redis.multi();
    writePatrolState(tx, prefix, meta);
    announce(tx, prefix, { type: "PATROL_START", patrol: meta });
    await execOrThrow(tx);
    return;
  }
  // 1. The patrol's slot: meta and credential mirror. Nothing names the patrol yet; its telemetry is accepted from
  //    here on (the script's owner is the meta's vehicleId), which is right: PostgreSQL has the row.
  const patrolTx = redis.multi();
  writePatrolKeys(patrolTx, prefix, meta, credentials);
  await execOrThrow(patrolTx);
  // 2. The state plane: sets, vehicle key and control events, one MULTI of the {sp} slot. Every member it adds has
  //    its meta (step 1). If it fails, step 1 is undone (best effort) so no patrol the caller rolls back takes points.
  const planeTx = redis.multi();
  writeMembership(planeTx, prefix, meta);
  announce(planeTx, prefix, { type: "PATROL_START", patrol: meta });
  try {
    await execOrThrow(planeTx);
  } catch (err) {
    await redis.del(patrolMetaKey(prefix, meta.patrolId), patrolCredentialKey(prefix, meta.patrolId)).catch(() => undefined);
    throw err;
  }
}

/**
 * Removes an ended patrol from every set, drops its keys and last status, and announces the stop; with `ended` (a
 * user stopped it) also leaves the notice of who, when and why for the crew's device (`patrol:{id}:ended`, a day).
 */
export async function removeActivePatrol(redis: RedisClient, prefix: string, meta: PatrolMeta, ended?: EndedNotice): Promise<void> {
  if (!clusterLayout) {
    const tx = redis.multi();
    if (ended) tx.set(patrolEndedKey(prefix, meta.patrolId), JSON.stringify(ended), "EX", ENDED_NOTICE_TTL_S);
    for (const scope of scopesOf(meta)) tx.srem(scopeSetKey(prefix, scope), String(meta.patrolId));
    tx.del(patrolMetaKey(prefix, meta.patrolId));
    clearVehicleKey(tx, prefix, meta);
    tx.hdel(lastStatusKey(prefix), String(meta.patrolId));
    tx.del(patrolLastTsKey(prefix, meta.patrolId));
    announce(tx, prefix, { type: "PATROL_STOP", patrol: meta });
    await execOrThrow(tx);
    return;
  }
  // 1. The patrol's slot: the ended notice, meta, credential mirror and last point go together, so from here the
  //    script refuses the patrol's points (with the notice). Sets may still name it: readers skip a member without meta.
  const patrolTx = redis.multi();
  if (ended) patrolTx.set(patrolEndedKey(prefix, meta.patrolId), JSON.stringify(ended), "EX", ENDED_NOTICE_TTL_S);
  patrolTx.del(patrolMetaKey(prefix, meta.patrolId), patrolCredentialKey(prefix, meta.patrolId), patrolLastFrameKey(prefix, meta.patrolId), patrolLastTsKey(prefix, meta.patrolId));
  await execOrThrow(patrolTx);
  // 2. The state plane: sets, vehicle key and the stop event. If this fails the caller answers 503 and restores the
  //    row; a retried stop runs both steps again (each is idempotent).
  const planeTx = redis.multi();
  for (const scope of scopesOf(meta)) planeTx.srem(scopeSetKey(prefix, scope), String(meta.patrolId));
  clearVehicleKey(planeTx, prefix, meta);
  announce(planeTx, prefix, { type: "PATROL_STOP", patrol: meta });
  await execOrThrow(planeTx);
}

/** Queues the deletion of the vehicle key if it still points at this patrol (a restart may have replaced it). */
function clearVehicleKey(tx: ChainableCommander, prefix: string, meta: PatrolMeta): void {
  tx.eval(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    1,
    vehicleActivePatrolKey(prefix, meta.vehicleId),
    String(meta.patrolId),
  );
}

/** Queues the publication of a patrol's start or stop on every ancestor's control channel (station … city). */
export function announce(tx: ChainableCommander, prefix: string, event: Extract<ControlEvent, { type: "PATROL_START" | "PATROL_STOP" }>): void {
  const payload = JSON.stringify(event);
  for (const scope of scopesOf(event.patrol)) tx.publish(controlChannel(prefix, scope), payload);
}

/** Single Redis: queues the state-plane writes of one active patrol (sets, meta, vehicle key) on a MULTI or pipeline. */
export function writePatrolState(tx: ChainableCommander, prefix: string, meta: PatrolMeta): void {
  writeMembership(tx, prefix, meta);
  writeMeta(tx, prefix, meta);
}

/** Redis Cluster: queues the keys of one active patrol in its own slot (meta, credential mirror) on a MULTI of that slot. */
export function writePatrolKeys(tx: ChainableCommander, prefix: string, meta: PatrolMeta, credentials: PatrolCredentials): void {
  writeMeta(tx, prefix, meta);
  queueCredentials(tx, prefix, meta.patrolId, credentials);
}

/** Queues the replacement of a patrol's meta hash. */
function writeMeta(tx: ChainableCommander, prefix: string, meta: PatrolMeta): void {
  tx.del(patrolMetaKey(prefix, meta.patrolId));
  tx.hset(patrolMetaKey(prefix, meta.patrolId), metaToHash(meta));
}

/** Queues a patrol's membership of the state plane (every ancestor set, the vehicle key): under Redis Cluster, the {sp} slot. */
export function writeMembership(tx: ChainableCommander, prefix: string, meta: PatrolMeta): void {
  for (const scope of scopesOf(meta)) tx.sadd(scopeSetKey(prefix, scope), String(meta.patrolId));
  tx.set(vehicleActivePatrolKey(prefix, meta.vehicleId), String(meta.patrolId));
}
