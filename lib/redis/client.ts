import { Redis, type RedisOptions } from "ioredis";
import { env } from "../env";

/** Options shared by every Sentinel Redis connection. */
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

/** Creates a new Redis connection to `REDIS_URL` (or `url`). */
export function createRedis(url: string = env.REDIS_URL, extra: RedisOptions = {}): Redis {
  return new Redis(url, redisOptions(extra));
}

const globalForRedis = globalThis as unknown as { sentinelRedis?: Redis };

/** The web process's shared command connection. */
export function redis(): Redis {
  globalForRedis.sentinelRedis ??= createRedis();
  return globalForRedis.sentinelRedis;
}

/** The deployment prefix for every key and channel (`REDIS_PREFIX`). */
export const redisPrefix = env.REDIS_PREFIX;
