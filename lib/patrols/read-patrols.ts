import type { RedisClient } from "../redis/client";
import { metaFromHash, patrolView, positionOfFrame, type PatrolView } from "../realtime/protocol";
import { execOrThrow } from "../redis/exec-or-throw";
import { clusterLayout, lastStatusKey, patrolLastFrameKey, patrolMetaKey, scopeSetKey } from "../redis/keys";
import type { Scope } from "../scope";

/** Active patrol ids of a scope unit (one SMEMBERS on its state-plane set). */
export async function activePatrolIds(redis: RedisClient, prefix: string, scope: Scope): Promise<number[]> {
  const members = await redis.smembers(scopeSetKey(prefix, scope));
  return members.map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);
}

/**
 * Metas and last positions of `patrolIds` in ONE round trip (a pipeline of
 * HGETALLs plus one HMGET), by patrol id. Patrols whose meta vanished
 * (stopped meanwhile) are left out. Serves `GET /api/patrols` and the
 * sidecar's SNAPSHOT alike. Under Redis Cluster, where a pipeline may not span
 * nodes, every patrol's two reads go out at once as single commands (a client
 * with auto-pipelining groups them per node): one round trip per node.
 */
export async function readPatrolViews(redis: RedisClient, prefix: string, patrolIds: number[]): Promise<PatrolView[]> {
  if (patrolIds.length === 0) return [];
  if (clusterLayout) {
    const read = await Promise.all(
      patrolIds.map((id) => Promise.all([redis.hgetall(patrolMetaKey(prefix, id)), redis.getBuffer(patrolLastFrameKey(prefix, id))] as const)),
    );
    // A set member without meta is a patrol being stopped (or not yet started) between its two MULTIs: skipped.
    return read
      .flatMap(([hash, frame], i) => {
        const meta = metaFromHash(patrolIds[i]!, hash);
        return meta ? [patrolView(meta, positionOfFrame(frame))] : [];
      })
      .sort((a, b) => a.patrolId - b.patrolId);
  }
  const pipe = redis.pipeline();
  for (const id of patrolIds) pipe.hgetall(patrolMetaKey(prefix, id));
  pipe.hmgetBuffer(lastStatusKey(prefix), ...patrolIds.map(String));
  const replies = await execOrThrow(pipe);
  const lastFrames = (replies[patrolIds.length]?.[1] ?? []) as (Buffer | null)[];
  const views: PatrolView[] = [];
  patrolIds.forEach((id, i) => {
    const meta = metaFromHash(id, replies[i]?.[1] as Record<string, string> | undefined);
    if (meta) views.push(patrolView(meta, positionOfFrame(lastFrames[i])));
  });
  return views.sort((a, b) => a.patrolId - b.patrolId);
}

/** The last TELEMETRY frame of one patrol, as published (bytes), or null before its first point. */
export function readLastFrame(redis: RedisClient, prefix: string, patrolId: number): Promise<Buffer | null> {
  if (clusterLayout) return redis.getBuffer(patrolLastFrameKey(prefix, patrolId));
  return redis.hgetBuffer(lastStatusKey(prefix), String(patrolId));
}

/** Every active patrol visible to `scope`, with meta and last position: two round trips, no SQL. */
export async function listPatrolsInScope(redis: RedisClient, prefix: string, scope: Scope): Promise<PatrolView[]> {
  const views = await readPatrolViews(redis, prefix, await activePatrolIds(redis, prefix, scope));
  return views.sort((a, b) => a.callSign.localeCompare(b.callSign));
}
