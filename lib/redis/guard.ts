import { ReplyError } from "ioredis";
import { AppError } from "../errors";
import { log } from "../log";
import { clusterLayout } from "./keys";

/** At most one log line per this period for the Redis failures turned into 503s (an outage fails every request): 5 s. */
const FAILURE_LOG_EVERY_MS = 5_000;
let lastFailureLog = 0;

/** Replies that mean "Redis cannot serve this right now", not a bug: loading, busy, and Redis Cluster's shard states. */
const TRANSIENT_REPLY = /NOSCRIPT|LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN/;

/**
 * Under Redis Cluster, what ioredis says when a shard stays unreachable through its retries: a master failed and
 * its replica is not promoted yet (ioredis gave up redirecting), or the slot map could not be read.
 */
const SHARD_UNAVAILABLE = /CLUSTERDOWN|TRYAGAIN|MASTERDOWN|Too many Cluster redirections|Failed to refresh slots cache|Cluster isn't ready/;

/**
 * Under Redis Cluster, the longest a web request waits for Redis: 3 s. The cluster client keeps retrying a slot whose
 * master is down (to ride through a failover, lib/redis/client.ts) for far longer than a device should wait for an
 * answer; past this the request gets the 503 and retries, and a point the script still runs later is a repeat its
 * retry does not publish twice (same ts, same bytes: ingest.lua step 3).
 */
const CLUSTER_CALL_DEADLINE_MS = 3_000;

/**
 * Awaits a Redis call, turning "Redis is unreachable" (connection refused,
 * closed, timed out) into a 503 the caller can act on — and, under Redis
 * Cluster, a shard failing over (CLUSTERDOWN, TRYAGAIN, redirections exhausted)
 * likewise. Redis's own replies (`ReplyError`, e.g. a script error) are bugs
 * and propagate as they are.
 */
export async function redisCall<T>(work: Promise<T>): Promise<T> {
  let deadline: ReturnType<typeof setTimeout> | undefined;
  try {
    if (!clusterLayout) return await work;
    const late = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`Cluster isn't ready: no answer within ${CLUSTER_CALL_DEADLINE_MS} ms`)), CLUSTER_CALL_DEADLINE_MS);
    });
    return await Promise.race([work, late]);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ReplyError && !TRANSIENT_REPLY.test(message)) throw err;
    const now = Date.now();
    if (now - lastFailureLog >= FAILURE_LOG_EVERY_MS) {
      lastFailureLog = now;
      log.warn({ err: message }, "a Redis call failed; answering 503 (further failures within 5 s are not logged)");
    }
    // Under Redis Cluster an unreachable connection is one shard's (the others answer): say so.
    if (clusterLayout || SHARD_UNAVAILABLE.test(message)) {
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
  } finally {
    clearTimeout(deadline);
  }
}
