import type { ChainableCommander } from "ioredis";
import type { RedisClient } from "../redis/client";
import { metaToHash, type ControlEvent, type PatrolMeta } from "../realtime/protocol";
import { ENDED_NOTICE_TTL_S, type EndedNotice } from "./ended-notice";
import { controlChannel, lastStatusKey, patrolEndedKey, patrolLastTsKey, patrolMetaKey, scopeSetKey, vehicleActivePatrolKey } from "../redis/keys";
import { execOrThrow } from "../redis/exec-or-throw";
import { scopesOf } from "../scope";

/**
 * Writes to the RedisClient state and control planes (docs/ARCHITECTURE.md §2, §3). Start and
 * stop are each ONE `MULTI`: every ancestor's set, the meta hash, the vehicle
 * key and the control events change together or not at all.
 */

/** Adds an active patrol to every ancestor set and announces it on every ancestor control channel. */
export async function addActivePatrol(redis: RedisClient, prefix: string, meta: PatrolMeta): Promise<void> {
  const tx = redis.multi();
  writePatrolState(tx, prefix, meta);
  announce(tx, prefix, { type: "PATROL_START", patrol: meta });
  await execOrThrow(tx);
}

/**
 * Removes an ended patrol from every set, drops its keys and last status, and announces the stop; with `ended` (a
 * user stopped it) also leaves the notice of who, when and why for the crew's device (`patrol:{id}:ended`, a day).
 */
export async function removeActivePatrol(redis: RedisClient, prefix: string, meta: PatrolMeta, ended?: EndedNotice): Promise<void> {
  const tx = redis.multi();
  if (ended) tx.set(patrolEndedKey(prefix, meta.patrolId), JSON.stringify(ended), "EX", ENDED_NOTICE_TTL_S);
  for (const scope of scopesOf(meta)) tx.srem(scopeSetKey(prefix, scope), String(meta.patrolId));
  tx.del(patrolMetaKey(prefix, meta.patrolId));
  // Only clear the vehicle key if it still points at this patrol (a restart may have replaced it).
  tx.eval(
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    1,
    vehicleActivePatrolKey(prefix, meta.vehicleId),
    String(meta.patrolId),
  );
  tx.hdel(lastStatusKey(prefix), String(meta.patrolId));
  tx.del(patrolLastTsKey(prefix, meta.patrolId));
  announce(tx, prefix, { type: "PATROL_STOP", patrol: meta });
  await execOrThrow(tx);
}

/** Queues the publication of a patrol's start or stop on every ancestor's control channel (station … city). */
export function announce(tx: ChainableCommander, prefix: string, event: Extract<ControlEvent, { type: "PATROL_START" | "PATROL_STOP" }>): void {
  const payload = JSON.stringify(event);
  for (const scope of scopesOf(event.patrol)) tx.publish(controlChannel(prefix, scope), payload);
}

/** Queues the state-plane writes of one active patrol (sets, meta, vehicle key) on a MULTI or pipeline. */
export function writePatrolState(tx: ChainableCommander, prefix: string, meta: PatrolMeta): void {
  for (const scope of scopesOf(meta)) tx.sadd(scopeSetKey(prefix, scope), String(meta.patrolId));
  tx.del(patrolMetaKey(prefix, meta.patrolId));
  tx.hset(patrolMetaKey(prefix, meta.patrolId), metaToHash(meta));
  tx.set(vehicleActivePatrolKey(prefix, meta.vehicleId), String(meta.patrolId));
}
