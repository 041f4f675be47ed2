// History process entry point (`tsx history/main.ts`): drains the history stream into PostgreSQL; /metrics on HISTORY_METRICS_PORT.
import http from "node:http";
import { prisma } from "../lib/db";
import { env } from "../lib/env";
import { refuseWithoutOpsToken } from "../lib/http/ops-auth";
import { log as rootLog } from "../lib/log";
import { stopIdlePatrols } from "../lib/osmand/idle-stop";
import { createRedis, type RedisClient } from "../lib/redis/client";
import { settingsOrExit } from "../lib/settings";
import { AlertStage } from "./alert-stage";
import { loadHistoryConfig } from "./config";
import { HistoryDrain } from "./drain";
import { historyMetrics } from "./metrics";
import { PositionPartitions } from "./partitions";

async function main(): Promise<void> {
  const config = settingsOrExit(loadHistoryConfig);
  const log = rootLog.child({ role: "history", consumer: config.consumer });
  // Blocking reads hold the connection for up to a second: no command timeout shorter than that, and retry forever.
  // Under Redis Cluster the reads are one per patrol stream, not blocking: auto-pipelining sends each round's to a
  // master together.
  const redis = createRedis(undefined, { commandTimeout: 5_000, maxRetriesPerRequest: null, ...(env.REDIS_CLUSTER_NODES ? { enableAutoPipelining: true } : {}) });
  redis.on("error", (err: Error) => log.warn({ err: err.message }, "redis connection error"));
  let drain: HistoryDrain | null = null;
  const metrics = historyMetrics({ backlog: () => drain?.backlog() ?? Promise.resolve({ points: 0, oldestAgeMs: 0 }) }, config.streamMaxLen);
  const alerts = new AlertStage(redis, config, metrics, log.child({ stage: "alerts" }));
  drain = new HistoryDrain(redis, config, new PositionPartitions(), metrics, log, alerts);

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://history.invalid").pathname;
    if ((path === "/healthz" || path === "/metrics") && refuseWithoutOpsToken(req, res)) return;
    if (req.method === "GET" && path === "/metrics") {
      metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { "Content-Type": metrics.registry.contentType, "Cache-Control": "no-store" });
          res.end(text);
        })
        .catch((err: unknown) => {
          log.warn({ err: String(err) }, "metrics collection failed");
          json(res, 503, { error: { code: "METRICS_UNAVAILABLE", message: "Metrics could not be collected (is Redis up?); retry." } });
        });
      return;
    }
    if (req.method === "GET" && path === "/healthz") {
      json(res, redis.status === "ready" ? 200 : 503, { status: redis.status === "ready" ? "ok" : "unavailable", redis: redis.status });
      return;
    }
    json(res, 404, { error: { code: "NOT_FOUND", message: "Nothing here: GET /metrics or /healthz." } });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.metricsPort, resolve);
  });

  await redis.connect();
  await drain.start();
  // Its own connection: the drain's blocking reads hold the shared one for up to a second per command.
  const sweeperRedis = createRedis(undefined, { maxRetriesPerRequest: 1 });
  sweeperRedis.on("error", (err: Error) => log.warn({ err: err.message }, "idle sweeper: redis connection error"));
  await sweeperRedis.connect();
  const stopIdleSweeper = startIdleSweeper(sweeperRedis, config.redisPrefix, metrics, log.child({ stage: "idle-sweeper" }));
  log.info({ metricsPort: config.metricsPort, batchSize: config.batchSize, retentionDays: config.retentionDays }, "history process started");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "history process stopping: finishing the batch in hand");
    setTimeout(() => {
      log.error("history process did not stop in time; exiting (unacknowledged points will be stored after restart)");
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    stopIdleSweeper();
    void drain
      .stop()
      .then(() => Promise.allSettled([redis.quit(), sweeperRedis.quit(), prisma.$disconnect(), new Promise((r) => server.close(r))]))
      .then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

/**
 * Stops the patrols phones started that have gone quiet (lib/osmand/idle-stop.ts): every minute, or every tenth of
 * OSMAND_IDLE_STOP_MINUTES when that is shorter; one sweep at a time. Returns the function that ends it.
 */
function startIdleSweeper(redis: RedisClient, prefix: string, metrics: ReturnType<typeof historyMetrics>, log: typeof rootLog): () => void {
  const idleMs = env.OSMAND_IDLE_STOP_MINUTES * 60_000;
  let running = false;
  const timer = setInterval(
    () => {
      if (running) return;
      running = true;
      stopIdlePatrols(prisma, redis, prefix, idleMs)
        .then((stopped) => metrics.idleStops.inc(stopped.length))
        .catch((err: unknown) => log.warn({ err: String(err) }, "idle sweep failed; retrying at the next one"))
        .finally(() => (running = false));
    },
    Math.min(60_000, Math.max(1_000, idleMs / 10)),
  );
  return () => clearInterval(timer);
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

main().catch((err: unknown) => {
  rootLog.fatal({ err: String(err) }, "history process failed to start");
  process.exit(1);
});
