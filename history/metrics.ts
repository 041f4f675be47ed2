import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** What the history process reports at scrape time about the stream it drains. */
export interface BacklogSource {
  /** Points in the stream not yet stored, and the age in ms of the oldest (0 when none). */
  backlog(): Promise<{ points: number; oldestAgeMs: number }>;
}

/** The history process's Prometheus metrics, in their own registry. */
export function historyMetrics(source: BacklogSource, streamMaxLen: number) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const m = {
    registry,
    stored: new Counter({ name: "sentinel_history_points_stored_total", help: "Points written to PostgreSQL.", registers }),
    duplicates: new Counter({
      name: "sentinel_history_points_duplicate_total",
      help: "Points read again after a redelivery and skipped because they were already stored.",
      registers,
    }),
    lost: new Counter({
      name: "sentinel_history_points_lost_total",
      help: "Points trimmed from the stream (past HISTORY_STREAM_MAXLEN) before they could be stored.",
      registers,
    }),
    expired: new Counter({
      name: "sentinel_history_points_expired_total",
      help: "Points older than HISTORY_RETENTION_DAYS, not stored.",
      registers,
    }),
    malformed: new Counter({ name: "sentinel_history_points_malformed_total", help: "Stream entries that were not a point, dropped.", registers }),
    idleStops: new Counter({
      name: "sentinel_osmand_idle_stops_total",
      help: "Patrols a device's first point started, stopped after OSMAND_IDLE_STOP_MINUTES without a point.",
      registers,
    }),
    failures: new Counter({ name: "sentinel_history_batch_failures_total", help: "Batches that could not be stored (retried).", registers }),
    alertPointsEvaluated: new Counter({
      name: "sentinel_alerts_points_evaluated_total",
      help: "Points the alert rules (OVERSPEED, LEFT_JURISDICTION) ran over.",
      registers,
    }),
    alertsRaised: new Counter({ name: "sentinel_alerts_raised_total", help: "Alerts raised, by kind.", labelNames: ["kind"] as const, registers }),
    alertLag: new Gauge({
      name: "sentinel_alerts_lag_seconds",
      help: "After the last evaluated batch: how long its oldest point had waited since it was accepted (stream entry time).",
      registers,
    }),
    batchSize: new Histogram({
      name: "sentinel_history_batch_size",
      help: "Points per batch written.",
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000],
      registers,
    }),
  };
  new Gauge({
    name: "sentinel_history_stream_bound_points",
    help: "HISTORY_STREAM_MAXLEN: un-stored points beyond this are trimmed (lost to history).",
    registers,
    collect() {
      this.set(streamMaxLen);
    },
  });
  // One read of the stream per scrape feeds both gauges.
  let pending: Promise<{ points: number; oldestAgeMs: number }> | null = null;
  const read = () => (pending ??= source.backlog().finally(() => setTimeout(() => (pending = null), 0)));
  new Gauge({
    name: "sentinel_history_backlog_points",
    help: "Points accepted but not yet stored; warn well before sentinel_history_stream_bound_points.",
    registers,
    async collect() {
      this.set((await read()).points);
    },
  });
  new Gauge({
    name: "sentinel_history_lag_seconds",
    help: "Age of the oldest point not yet stored (0 when everything is stored).",
    registers,
    async collect() {
      this.set((await read()).oldestAgeMs / 1000);
    },
  });
  return m;
}

/** The history process's metric instruments. */
export type HistoryMetrics = ReturnType<typeof historyMetrics>;
