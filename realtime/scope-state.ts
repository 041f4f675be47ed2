import type { RedisClient } from "../lib/redis/client";
import { readUserAccess, type AccessRecord } from "../lib/auth/access-state";
import { readOpenAlerts } from "../lib/alerts/publish-alert";
import { activePatrolIds, readLastFrame, readPatrolViews } from "../lib/patrols/read-patrols";
import type { AlertView, PatrolView } from "../lib/realtime/protocol";
import { statePlaneComplete } from "../lib/patrols/state-plane-ready";
import type { Scope } from "../lib/scope";

/** Reads of the Redis state plane a client session needs. */
export interface ScopeStateReader {
  /** Ids of the scope's active patrols (one SMEMBERS). */
  activePatrolIds(scope: Scope): Promise<number[]>;
  /** Metas and last positions of `ids` in ONE round trip; patrols whose meta is gone (stopped meanwhile) are left out. */
  patrolViews(ids: number[]): Promise<PatrolView[]>;
  /** The last TELEMETRY frame of one patrol as published (one HGET), or null before its first point. */
  lastFrame(id: number): Promise<Buffer | null>;
  /** A user's access as the access plane holds it now (one HMGET of `user:{id}:access`). */
  userAccess(userId: number): Promise<AccessRecord>;
  /** Every alert not yet resolved (one HVALS of `alerts:open`), oldest first; the session keeps those in its scope. */
  openAlerts(): Promise<AlertView[]>;
}

/** The state-plane reader over a worker's command connection (the same reads `GET /api/patrols` makes). */
export function redisScopeState(redis: RedisClient, prefix: string): ScopeStateReader {
  return {
    activePatrolIds: (scope) => activePatrolIds(redis, prefix, scope),
    patrolViews: (ids) => readPatrolViews(redis, prefix, ids),
    lastFrame: (id) => readLastFrame(redis, prefix, id),
    userAccess: (userId) => readUserAccess(redis, prefix, userId),
    openAlerts: () => readOpenAlerts(redis, prefix),
  };
}

/**
 * True once the web tier built the state plane since Redis (under Redis Cluster: any shard) last started empty
 * (`state_plane:ready` and the slot markers): a SNAPSHOT read now is complete.
 */
export function statePlaneReady(redis: RedisClient, prefix: string): Promise<boolean> {
  return statePlaneComplete(redis, prefix);
}
