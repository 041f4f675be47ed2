import type { RedisClient } from "../../lib/redis/client";
import { metaFromHash, type PatrolMeta } from "../../lib/realtime/protocol";
import { patrolMetaKey } from "../../lib/redis/keys";

/**
 * The in-process cache of `patrol:{id}:meta` a team would put in front of
 * per-frame permission checks: one HGETALL per patrol, then memory. Work for
 * a patrol whose meta is still being read waits in arrival order, so its
 * frames are not reordered.
 */
export class PatrolMetaCache {
  private readonly known = new Map<number, PatrolMeta>();
  private readonly waiting = new Map<number, Array<(meta: PatrolMeta) => void>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Runs `apply` with the patrol's meta: at once when cached, else after reading it (dropped if the patrol is gone). */
  with(patrolId: number, apply: (meta: PatrolMeta) => void): void {
    const meta = this.known.get(patrolId);
    if (meta) return apply(meta);
    const queue = this.waiting.get(patrolId);
    if (queue) {
      queue.push(apply);
      return;
    }
    this.waiting.set(patrolId, [apply]);
    this.redis.hgetall(patrolMetaKey(this.prefix, patrolId)).then(
      (hash) => this.settle(patrolId, metaFromHash(patrolId, hash)),
      () => this.settle(patrolId, null),
    );
  }

  private settle(patrolId: number, meta: PatrolMeta | null): void {
    const queue = this.waiting.get(patrolId) ?? [];
    this.waiting.delete(patrolId);
    if (!meta) return;
    this.known.set(patrolId, meta);
    for (const apply of queue) apply(meta);
  }
}
