import { ReplyError } from "ioredis";
import { AppError } from "../errors";

/** Replies that mean "Redis cannot serve this right now", not a bug: loading, busy, and Redis Cluster's shard states. */
const TRANSIENT_REPLY = /NOSCRIPT|LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN/;

/**
 * Under Redis Cluster, what ioredis says when a shard stays unreachable through its retries: a master failed and
 * its replica is not promoted yet (ioredis gave up redirecting), or the slot map could not be read.
 */
const SHARD_UNAVAILABLE = /CLUSTERDOWN|TRYAGAIN|MASTERDOWN|Too many Cluster redirections|Failed to refresh slots cache|Cluster isn't ready/;

/**
 * Awaits a Redis call, turning "Redis is unreachable" (connection refused,
 * closed, timed out) into a 503 the caller can act on — and, under Redis
 * Cluster, a shard failing over (CLUSTERDOWN, TRYAGAIN, redirections exhausted)
 * likewise. Redis's own replies (`ReplyError`, e.g. a script error) are bugs
 * and propagate as they are.
 */
export async function redisCall<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ReplyError && !TRANSIENT_REPLY.test(message)) throw err;
    if (SHARD_UNAVAILABLE.test(message)) {
      throw new AppError(
        "SERVICE_UNAVAILABLE",
        "Part of the live-tracking store (a Redis Cluster shard) is failing over or unreachable; try again in a few seconds.",
        {},
        { "Retry-After": "2" },
      );
    }
    throw new AppError("SERVICE_UNAVAILABLE", "The live-tracking store (Redis) is unavailable; try again shortly.", {}, {
      "Retry-After": "2",
    });
  }
}
