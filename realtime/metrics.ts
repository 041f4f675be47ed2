import cluster from "node:cluster";
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics, register } from "prom-client";

/**
 * Prometheus metrics. Each worker records into prom-client's global registry;
 * the primary sums them (AggregatorRegistry) and `GET /metrics` on any worker
 * returns the cluster-wide text, fetched from the primary over IPC.
 */

/** Counters every worker updates as frames and events flow. */
export const metrics = {
  framesIn: new Counter({ name: "sentinel_realtime_frames_in_total", help: "TELEMETRY frames received from Redis." }),
  framesOut: new Counter({ name: "sentinel_realtime_frames_out_total", help: "TELEMETRY frames written to sockets." }),
  framesConflated: new Counter({
    name: "sentinel_realtime_frames_conflated_total",
    help: "TELEMETRY frames replaced by a newer one of the same patrol before a slow socket could take them.",
  }),
  eventsOut: new Counter({
    name: "sentinel_realtime_events_out_total",
    help: "SNAPSHOT, SYSTEM_EVENT and ALERT frames written to sockets, by type.",
    labelNames: ["type"] as const,
  }),
  heartbeatsOut: new Counter({
    name: "sentinel_realtime_heartbeats_out_total",
    help: "HEARTBEAT frames written to sockets that were otherwise silent for REALTIME_KEEPALIVE_MS.",
  }),
  refusals: new Counter({
    name: "sentinel_realtime_refusals_total",
    help: "Connections refused or closed by the sidecar, by code.",
    labelNames: ["code"] as const,
  }),
  malformed: new Counter({ name: "sentinel_realtime_malformed_messages_total", help: "Control-plane messages dropped as malformed." }),
  redisReconnects: new Counter({
    name: "sentinel_realtime_redis_reconnects_total",
    help: "Times a worker's Redis subscriber reconnected (each followed by a re-sync of its clients).",
  }),
};

/** Live values a worker exposes as gauges, read at scrape time. */
export interface WorkerGaugeSources {
  connections(): number;
  channels(): { data: number; control: number; user: number };
  bufferedBytes(): number;
}

/** Registers the worker's gauges and Node's default metrics, and answers the primary's metric requests. Call once per worker. */
export function observeWorker(sources: WorkerGaugeSources): void {
  collectDefaultMetrics();
  new Gauge({
    name: "sentinel_realtime_connections",
    help: "Open WebSocket connections.",
    collect() {
      this.set(sources.connections());
    },
  });
  new Gauge({
    name: "sentinel_realtime_subscribed_channels",
    help: "Redis channels subscribed, by kind (data: live:patrol:*, control: control:{level}:{id} and control:city, user: control:user:*).",
    labelNames: ["kind"] as const,
    collect() {
      const { data, control, user } = sources.channels();
      this.set({ kind: "data" }, data);
      this.set({ kind: "control" }, control);
      this.set({ kind: "user" }, user);
    },
  });
  new Gauge({
    name: "sentinel_realtime_buffered_bytes",
    help: "Bytes waiting to be written to sockets (socket buffers plus conflation queues).",
    collect() {
      this.set(sources.bufferedBytes());
    },
  });
  // Constructing one installs prom-client's worker-side listener that answers the primary.
  new AggregatorRegistry();
}

const REQUEST = "sentinel:metrics-request";
const RESPONSE = "sentinel:metrics-response";

interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: answers workers' requests with every worker's metrics summed, plus the primary's own `registry`. */
export function serveClusterMetrics(registry: Registry): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, message: MetricsMessage) => {
    if (message?.type !== REQUEST) return;
    Promise.all([aggregator.clusterMetrics(), registry.metrics()])
      .then(([workers, own]) => worker.send({ type: RESPONSE, id: message.id, text: workers + own }))
      .catch((err: unknown) => worker.send({ type: RESPONSE, id: message.id, error: String(err) }));
  });
}

let nextRequest = 0;

/** In a worker: the cluster-wide metrics text, asked of the primary. Rejects after `timeoutMs` (default 6 s). */
export function clusterMetricsText(timeoutMs = 6_000): Promise<string> {
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    const onMessage = (message: MetricsMessage) => {
      if (message?.type !== RESPONSE || message.id !== id) return;
      done();
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.text ?? "");
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the primary did not answer a metrics request within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      process.off("message", onMessage);
    };
    process.on("message", onMessage);
    process.send?.({ type: REQUEST, id } satisfies MetricsMessage);
  });
}

/** Content type of the Prometheus text format. */
export const METRICS_CONTENT_TYPE = register.contentType;
