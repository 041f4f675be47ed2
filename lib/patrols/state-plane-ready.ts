import { Cluster } from "ioredis";
import type { RedisClient } from "../redis/client";
import { SLOT_COUNT } from "../redis/key-slot";
import { clusterLayout, slotReadyKey, statePlaneReadyKey } from "../redis/keys";

/** Slot markers written per burst by `writeSlotMarkers`: 2,048 (16384 in 8 bursts). */
const MARKER_BURST = 2_048;

/**
 * Redis Cluster: the first slot of each run of slots one master serves. A master that restarted empty lost the
 * markers of all its slots, so one marker per run tells; after a resharding, runs are just shorter.
 */
function sampleSlots(cluster: Cluster): number[] {
  const samples: number[] = [];
  let owner: string | undefined;
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const node = cluster.slots[slot]?.[0];
    if (node === owner) continue;
    owner = node;
    if (node !== undefined) samples.push(slot);
  }
  return samples;
}

/**
 * True when the state plane is there: its ready marker (`state_plane:ready`) and, under Redis Cluster, the slot
 * marker of every master's every run of slots (a shard that restarted empty lost them with its keys). False means a
 * rebuild from PostgreSQL is due (lib/patrols/rebuild-state.ts).
 */
export async function statePlaneComplete(redis: RedisClient, prefix: string): Promise<boolean> {
  if (!(await redis.exists(statePlaneReadyKey(prefix)))) return false;
  if (!clusterLayout || !(redis instanceof Cluster)) return true;
  const present = await Promise.all(sampleSlots(redis).map((slot) => redis.exists(slotReadyKey(prefix, slot))));
  return present.every((n) => n === 1);
}

/** Redis Cluster: writes the ready marker of every hash slot (`slotReadyKey`), in bursts; the cluster client sends each to its master. */
export async function writeSlotMarkers(redis: RedisClient, prefix: string, at = Date.now()): Promise<void> {
  for (let from = 0; from < SLOT_COUNT; from += MARKER_BURST) {
    const burst: Promise<unknown>[] = [];
    for (let slot = from; slot < Math.min(SLOT_COUNT, from + MARKER_BURST); slot++) burst.push(redis.set(slotReadyKey(prefix, slot), String(at)));
    await Promise.all(burst);
  }
}
