import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { env } from "../env";

/** A connection to Sentinel's Redis: one server, or a Redis Cluster when `REDIS_CLUSTER_NODES` is set. */
export type RedisClient = Redis | Cluster;

/** Options shared by every Sentinel Redis connection (under Redis Cluster: of each node connection). */
export function redisOptions(extra: RedisOptions = {}): RedisOptions {
  return {
    // `next build` imports route modules: never connect at import time.
    lazyConnect: true,
    // Fail commands fast while Redis is down so the web tier answers 503 instead of hanging.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    ...extra,
  };
}

/**
 * Options of a Sentinel Redis Cluster client. A failover leaves a shard's slots unserved for a few seconds (the
 * cluster's node timeout plus an election); meanwhile a command cycles through MOVED, "Connection is closed." and
 * CLUSTERDOWN, each retried after 200 ms and each counting against `maxRedirections`: 50 rides through ~5 s (ioredis's
 * default of 16 gave up mid-failover in test/support/redis-cluster.integration.test.ts). The slot map is re-read every
 * second (default 5 s), so a promotion is seen soon even without a MOVED.
 */
export function clusterOptions(extra: RedisOptions = {}, cluster: ClusterOptions = {}): ClusterOptions {
  const { enableAutoPipelining, ...node } = extra;
  return {
    lazyConnect: true,
    redisOptions: redisOptions(node),
    maxRedirections: 50,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    slotsRefreshInterval: 1_000,
    slotsRefreshTimeout: 1_000,
    // Auto-pipelining groups each event-loop turn's commands per node: what makes many single commands cheap where a
    // pipeline spanning nodes is refused.
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...cluster,
  };
}

/**
 * Creates a new connection: to the Redis Cluster of `REDIS_CLUSTER_NODES` when set (then `url` is ignored), else to
 * `REDIS_URL` (or `url`). `extra` applies to the connection (under Redis Cluster: to each node's, except
 * `enableAutoPipelining`, which the cluster client does per node).
 */
export function createRedis(url: string = env.REDIS_URL, extra: RedisOptions = {}): RedisClient {
  if (env.REDIS_CLUSTER_NODES) return new Cluster(env.REDIS_CLUSTER_NODES, clusterOptions(extra));
  return new Redis(url, redisOptions(extra));
}

const globalForRedis = globalThis as unknown as { sentinelRedis?: RedisClient };

/**
 * The web process's shared command connection. Under Redis Cluster it auto-pipelines, which groups each event-loop
 * turn's commands per node (a pipeline spanning nodes is refused, and a snapshot reads each patrol with its own
 * command). A single Redis does not: its gain was not measurable, and e2e runs once saw telemetry answer 503 with it.
 */
export function redis(): RedisClient {
  globalForRedis.sentinelRedis ??= createRedis(env.REDIS_URL, env.REDIS_CLUSTER_NODES ? { enableAutoPipelining: true } : {});
  return globalForRedis.sentinelRedis;
}

/** The masters of `client` (under Redis Cluster) or the client itself: what a SCAN or KEYS must visit to see every key. */
export function keyHolders(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes("master") : [client];
}

/** The deployment prefix for every key and channel (`REDIS_PREFIX`). */
export const redisPrefix = env.REDIS_PREFIX;
