import os from "node:os";
import { z } from "zod";
import { env } from "../lib/env";
import { parseSettings } from "../lib/settings";

/**
 * Settings only the history process reads, validated once per process. Shared
 * settings (DATABASE_URL, REDIS_URL, REDIS_PREFIX, HISTORY_STREAM_MAXLEN) come
 * from `lib/env`.
 */

const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const int = (min: number, max: number, fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback));

/** The history process's own environment variables, with their defaults. */
export const historyConfigSchema = z.object({
  /** Port of the history process's `/metrics` and `/healthz`. Default: 3002. */
  HISTORY_METRICS_PORT: int(1, 65535, 3002),
  /** Days of positions kept; older daily partitions are dropped whole. Default: 365. */
  HISTORY_RETENTION_DAYS: int(1, 36_500, 365),
  /** Most points read from the stream and written in one INSERT. Default: 2000. */
  HISTORY_BATCH_SIZE: int(1, 50_000, 2_000),
  /** A point another consumer read but did not store for this long is taken over (XAUTOCLAIM). Default: 30000 ms. */
  HISTORY_CLAIM_IDLE_MS: int(100, 3_600_000, 30_000),
  /** Consumer name in the stream's consumer group; stable across restarts so a restart resumes its own pending points. Default: the host name. */
  HISTORY_CONSUMER: z.preprocess(unsetIfEmpty, z.string().min(1).max(200).default(os.hostname())),
  /**
   * After a read that did not fill a batch, wait this long for more points before writing: fewer, larger INSERTs at
   * low rates, for at most this much added lag. 0 writes at once. Default: 100 ms.
   */
  HISTORY_BATCH_LINGER_MS: int(0, 5_000, 100),
  /** OVERSPEED: speed above this (km/h) on two consecutive points. 0 turns it off. Default: 100. */
  ALERT_OVERSPEED_KMH: int(0, 1_000, 100),
  /** SILENT: an active patrol without a point for this long (seconds). 0 turns it off. Default: 120. */
  ALERT_SILENT_SECONDS: int(0, 86_400, 120),
  /** Grace period for a clean shutdown (finish the batch in hand) before the process exits anyway. Default: 10000 ms. */
  HISTORY_SHUTDOWN_TIMEOUT_MS: int(100, 120_000, 10_000),
});

/** Validated history settings, plus the shared ones it uses. */
export interface HistoryConfig {
  metricsPort: number;
  retentionDays: number;
  batchSize: number;
  lingerMs: number;
  claimIdleMs: number;
  consumer: string;
  shutdownTimeoutMs: number;
  streamMaxLen: number;
  redisPrefix: string;
  overspeedKmh: number;
  silentSeconds: number;
}

/** Validates `source` (default: `process.env`) and returns the history process's settings. */
export function loadHistoryConfig(source: Record<string, string | undefined> = process.env): HistoryConfig {
  const c = parseSettings(historyConfigSchema, source, "Invalid history settings", "HISTORY_CONFIG_INVALID");
  return {
    metricsPort: c.HISTORY_METRICS_PORT,
    retentionDays: c.HISTORY_RETENTION_DAYS,
    batchSize: c.HISTORY_BATCH_SIZE,
    lingerMs: c.HISTORY_BATCH_LINGER_MS,
    claimIdleMs: c.HISTORY_CLAIM_IDLE_MS,
    consumer: c.HISTORY_CONSUMER,
    shutdownTimeoutMs: c.HISTORY_SHUTDOWN_TIMEOUT_MS,
    streamMaxLen: env.HISTORY_STREAM_MAXLEN,
    redisPrefix: env.REDIS_PREFIX,
    overspeedKmh: c.ALERT_OVERSPEED_KMH,
    silentSeconds: c.ALERT_SILENT_SECONDS,
  };
}
