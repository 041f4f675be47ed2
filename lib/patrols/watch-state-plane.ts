import { prisma } from "../db";
import { log } from "../log";
import { redis, redisPrefix } from "../redis/client";
import { rebuildStateIfMissing } from "./rebuild-state";

/**
 * Whenever this process's Redis connection becomes ready (at start and after
 * every reconnect), rebuilds the state plane if Redis lost it. Redis here keeps
 * nothing on disk, so a restart empties it while PostgreSQL still has ACTIVE patrols.
 */
export function watchStatePlane(): void {
  const r = redis();
  const check = () => {
    rebuildStateIfMissing(prisma, r, redisPrefix)
      .then((result) => {
        if (result) log.warn({ ...result }, "state plane was missing; rebuilt from PostgreSQL");
      })
      .catch((err: unknown) => log.error({ err }, "state plane check failed; it will be retried on the next reconnect"));
  };
  r.on("ready", check);
  r.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
  r.connect().catch(() => undefined);
}
