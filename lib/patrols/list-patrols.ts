import type { PatrolView } from "../realtime/protocol";
import { redis, redisPrefix } from "../redis/client";
import { redisCall } from "../redis/guard";
import type { Scope } from "../scope";
import { listPatrolsInScope } from "./read-patrols";

/** Active patrols visible to `scope`, from the Redis state plane. */
export function listPatrols(scope: Scope): Promise<PatrolView[]> {
  return redisCall(listPatrolsInScope(redis(), redisPrefix, scope));
}
