import cluster, { type Worker } from "node:cluster";
import { Counter, Registry } from "prom-client";
import { log as rootLog } from "../lib/log";
import type { RealtimeConfig } from "./config";
import { followWorker, handoffServer } from "./handoff";
import { serveClusterMetrics } from "./metrics";
import { Placer } from "./placement";
import { SHUTDOWN_MESSAGE } from "./worker";

/** A worker that dies sooner than this after starting counts as crash-looping and is restarted with backoff. */
const QUICK_DEATH_MS = 5_000;

/**
 * The cluster primary: forks REALTIME_WORKERS workers, starts a new one
 * whenever one dies (backing off if they die right after starting), serves
 * aggregated metrics to the workers, and on SIGTERM/SIGINT asks every worker
 * to shut down gracefully before exiting.
 *
 * With REALTIME_PLACEMENT=scope (the default) the primary itself listens on
 * REALTIME_PORT and hands each connection to the worker its ticket's zone
 * belongs on (handoff.ts, placement.ts); a worker that dies leaves the book
 * with its sockets, whose browsers reconnect and are placed again. With
 * `round-robin` the workers share REALTIME_PORT and the cluster module deals
 * connections out in turn.
 */
export function runPrimary(config: RealtimeConfig): void {
  const log = rootLog.child({ role: "primary" });
  const registry = new Registry();
  const restarts = new Counter({
    name: "sentinel_realtime_worker_restarts_total",
    help: "Workers the primary started again after one died.",
    registers: [registry],
  });
  serveClusterMetrics(registry);

  const startedAt = new Map<number, number>();
  let quickDeaths = 0;
  let stopping = false;

  const placer = new Placer();
  const handoff =
    config.placement === "scope"
      ? handoffServer({ placer, worker: (id) => cluster.workers?.[id], handshakeTimeoutMs: config.handshakeTimeoutMs, log })
      : null;

  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
    followWorker(worker, placer);
  };

  cluster.on("exit", (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    placer.remove(worker.id);
    if (stopping) {
      if (liveWorkers().length === 0) {
        log.info("every worker stopped; primary exiting");
        process.exit(0);
      }
      return;
    }
    quickDeaths = lived < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
    const delayMs = quickDeaths > 1 ? Math.min(250 * 2 ** (quickDeaths - 2), 10_000) : 0;
    log.error({ workerPid: worker.process.pid, code, signal, restartInMs: delayMs }, "worker died; starting a new one");
    restarts.inc();
    setTimeout(() => {
      if (!stopping) fork();
    }, delayMs);
  });

  for (let i = 0; i < config.workers; i++) fork();
  handoff?.on("error", (err) => {
    log.fatal({ err }, "realtime server error");
    process.exit(1);
  });
  handoff?.listen(config.port);
  log.info({ port: config.port, workers: config.workers, placement: config.placement }, "realtime sidecar starting");

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    handoff?.close();
    log.info({ signal, workers: liveWorkers().length }, "shutting down workers");
    for (const worker of liveWorkers()) {
      if (worker.isConnected()) worker.send({ type: SHUTDOWN_MESSAGE });
      else worker.process.kill("SIGTERM");
    }
    if (liveWorkers().length === 0) process.exit(0);
    setTimeout(() => {
      log.error("workers did not stop in time; killing them");
      for (const worker of liveWorkers()) worker.process.kill("SIGKILL");
      process.exit(1);
    }, config.shutdownTimeoutMs + 2_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

function liveWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
}
