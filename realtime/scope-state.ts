import type { Redis } from "ioredis";
import { metaFromHash, positionOfFrame, type PatrolMeta, type PatrolView, type Position } from "../lib/realtime/protocol";
import { lastStatusKey, patrolMetaKey, scopeSetKey, statePlaneReadyKey } from "../lib/redis/keys";
import type { Scope } from "../lib/scope";

/** Reads of the Redis state plane a client session needs. */
export interface ScopeStateReader {
  /** Ids of the scope's active patrols (one SMEMBERS). */
  activePatrolIds(scope: Scope): Promise<number[]>;
  /** Metas and last positions of `ids` in ONE round trip; patrols whose meta is gone (stopped meanwhile) are left out. */
  patrolViews(ids: number[]): Promise<PatrolView[]>;
}

/** The state-plane reader over a worker's command connection. */
export function redisScopeState(redis: Redis, prefix: string): ScopeStateReader {
  return {
    async activePatrolIds(scope) {
      const members = await redis.smembers(scopeSetKey(prefix, scope));
      return members.map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);
    },
    async patrolViews(ids) {
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(patrolMetaKey(prefix, id));
      pipeline.hmgetBuffer(lastStatusKey(prefix), ...ids.map(String));
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
      const lasts = (replies[ids.length]?.[1] ?? []) as Array<Buffer | null>;
      const views: PatrolView[] = [];
      ids.forEach((id, i) => {
        const meta = metaFromHash(id, replies[i]?.[1] as Record<string, string> | null);
        if (meta) views.push(patrolView(meta, positionOfFrame(lasts[i])));
      });
      return views.sort((a, b) => a.patrolId - b.patrolId);
    },
  };
}

/** True once the web tier built the state plane since Redis last started empty (`state_plane:ready`): a SNAPSHOT read now is complete. */
export async function statePlaneReady(redis: Redis, prefix: string): Promise<boolean> {
  return (await redis.exists(statePlaneReadyKey(prefix))) === 1;
}

/** A patrol as sent in SNAPSHOT and ADD_CAR: exactly the meta fields plus `last`, in contract order. */
export function patrolView(meta: PatrolMeta, last: Position | null): PatrolView {
  return {
    patrolId: meta.patrolId,
    vehicleId: meta.vehicleId,
    callSign: meta.callSign,
    stationId: meta.stationId,
    divisionId: meta.divisionId,
    zoneId: meta.zoneId,
    districtId: meta.districtId,
    startedAt: meta.startedAt,
    last,
  };
}
