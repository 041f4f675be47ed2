import cluster from "node:cluster";

/** Line the primary prints on stdout once every worker reported ready. */
export const READY_LINE = "bench-baseline-ready";

/** IPC message a worker sends its primary once it listens and its Redis subscriptions are in place. */
const WORKER_READY = "bench:worker-ready";

/**
 * Runs a baseline server as a Node cluster the way the realtime sidecar runs:
 * the primary forks `workers` workers sharing one port and prints
 * `READY_LINE` once all are ready; SIGTERM/SIGINT stop everything. Workers
 * run `startWorker` and must resolve it once they can serve.
 */
export function runBaselineCluster(workers: number, startWorker: () => Promise<void>): void {
  if (cluster.isPrimary) {
    let ready = 0;
    let stopping = false;
    for (let i = 0; i < workers; i++) {
      cluster.fork().on("message", (message: unknown) => {
        if (message === WORKER_READY && ++ready === workers) console.log(READY_LINE);
      });
    }
    cluster.on("exit", (worker, code, signal) => {
      if (!stopping) console.error(`baseline worker ${worker.process.pid} died (${signal ?? code})`);
    });
    const stop = () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
      process.exit(0);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    return;
  }
  // A worker ends with its primary: the benchmark never leaves servers behind.
  process.on("disconnect", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
  startWorker().then(
    () => process.send?.(WORKER_READY),
    (err: unknown) => {
      console.error("baseline worker failed to start:", err);
      process.exit(1);
    },
  );
}
