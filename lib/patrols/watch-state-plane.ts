import { prisma } from "../db";
import { log } from "../log";
import { redis, redisPrefix } from "../redis/client";
import { clusterLayout } from "../redis/keys";
import { rebuildStateIfMissing } from "./rebuild-state";

/** Delay before a failed check is tried again (e.g. PostgreSQL was down too): 2 s. */
const RETRY_MS = 2_000;
/** Redis Cluster: how often the state plane's markers are checked, a shard's empty restart not being a reconnect: 5 s. */
const CLUSTER_CHECK_MS = 5_000;

let checking: Promise<void> | null = null;
let retryTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * Restores the state plane if Redis lost it (see `rebuildStateIfMissing`).
 * One check at a time per process; a failed one is retried every 2 s while
 * the Redis connection is up. Telemetry calls this when it finds the plane
 * missing, so a flushed Redis heals without a reconnect.
 */
export function ensureStatePlane(): Promise<void> {
  checking ??= rebuildStateIfMissing(prisma, redis(), redisPrefix)
    .then((result) => {
      if (result?.activePatrols) log.warn({ ...result }, "state plane was missing; restored from PostgreSQL");
      else if (result) log.info("state plane marked ready (no active patrols)");
    })
    .catch((err: unknown) => {
      log.error({ err }, "state plane check failed; retrying shortly");
      retryTimer ??= setTimeout(() => {
        retryTimer = null;
        if (redis().status === "ready") void ensureStatePlane();
      }, RETRY_MS);
    })
    .finally(() => {
      checking = null;
    });
  return checking;
}

/**
 * Whenever this process's Redis connection becomes ready (at start and after
 * every reconnect), and under Redis Cluster every 5 s, restores the state plane if Redis lost it. Redis here keeps
 * nothing on disk, so a restart empties it while PostgreSQL still has ACTIVE patrols.
 */
export function watchStatePlane(): void {
  const r = redis();
  r.on("ready", () => void ensureStatePlane());
  // Under Redis Cluster one shard may restart empty while the client stays "ready": look every few seconds.
  if (clusterLayout) {
    setInterval(() => {
      if (r.status === "ready") void ensureStatePlane();
    }, CLUSTER_CHECK_MS).unref();
  }
  r.on("error", (err) => log.warn({ err: err.message }, "redis connection error"));
  r.connect().catch(() => undefined);
}
