import type { RedisClient } from "../lib/redis/client";
import type pg from "pg";
import { encodeTelemetryFrame } from "../lib/realtime/protocol";
import { monotonicMs, sleep } from "../test/support/load/clock";
import type { BenchPatrol } from "./fleet";
import { SQL_STATS_FLUSH_MS } from "./sql-stats";
import { percentiles, type Percentiles } from "./stats";

/**
 * The alert rules' phase of the history tier: points go straight into the
 * history stream (XADD, as ingestion queues them) at a fixed rate while the
 * writer — which stores every batch and then runs the alert rules over it —
 * is sampled through its `/metrics`. A few patrols send two consecutive points
 * over the speed limit, so OVERSPEED alerts are raised; PostgreSQL's table
 * counters show what SQL the rules caused (writes should equal alerts raised).
 */

/** What the alert-evaluation phase measured. */
export interface AlertEvaluationReport {
  /** Target rate, points/s, and the feed's length, s. */
  rate: number;
  seconds: number;
  fed: number;
  fedPerS: number;
  /** Points the rules ran over (`sentinel_alerts_points_evaluated_total`), from the feed's start until every fed point was evaluated. */
  evaluated: number;
  /** The feed's last point sent → a sample showing every fed point evaluated, s (an upper bound, at the sampling's granularity). */
  caughtUpS: number;
  /** `sentinel_alerts_lag_seconds` sampled every 100 ms over the same span, ms. */
  lagMs: Percentiles;
  /** The stream's oldest un-stored point (not yet stored and evaluated), sampled with it, ms. */
  backlogMs: Percentiles;
  /** Patrols sent two consecutive points over the limit: each should raise one OVERSPEED. */
  speeders: number;
  /** Alerts raised over the phase by kind (`sentinel_alerts_raised_total`). */
  raised: Record<string, number>;
  raisedTotal: number;
  /** Rows inserted, updated and deleted in `alerts`, and scans of `alerts` and `stations` (boundaries), over the phase (pg_stat_user_tables). */
  alertRowsWritten: number;
  alertTableScans: number;
  /** Rows written in `alerts` per 1,000 points fed. */
  writesPer1kPoints: number;
}

/** Where to read the writer's metrics. */
export interface MetricsEndpoint {
  url: string;
  headers: Record<string, string>;
}

/** Speed of the speeders' fast points: 120 km/h, in m/s (the default limit is 100 km/h). */
const FAST_MPS = 120 / 3.6;
/** How often the writer's metrics and the stream are sampled: 100 ms. */
const SAMPLE_EVERY_MS = 100;
/** Longest wait for the writer to evaluate every fed point after the feed: 60 s. */
const CATCH_UP_TIMEOUT_MS = 60_000;

/** The writer's alert counters, read from its Prometheus text. */
interface AlertMetrics {
  lagS: number;
  evaluated: number;
  raised: Record<string, number>;
}

async function readAlertMetrics(endpoint: MetricsEndpoint): Promise<AlertMetrics> {
  const res = await fetch(endpoint.url, { headers: endpoint.headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`history /metrics answered ${res.status}: ${text.slice(0, 200)}`);
  const out: AlertMetrics = { lagS: 0, evaluated: 0, raised: {} };
  for (const line of text.split("\n")) {
    const m = /^(sentinel_alerts_\w+)(?:\{kind="(\w+)"\})? (\S+)$/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (m[1] === "sentinel_alerts_lag_seconds") out.lagS = value;
    else if (m[1] === "sentinel_alerts_points_evaluated_total") out.evaluated = value;
    else if (m[1] === "sentinel_alerts_raised_total" && m[2]) out.raised[m[2]] = value;
  }
  return out;
}

/** Rows written in `alerts`, and scans of the tables the rules read, so far (published counters). */
async function alertTableCounters(db: pg.Client): Promise<{ written: number; scans: number }> {
  const { rows } = await db.query<{ written: string; scans: string }>(
    `SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del) FILTER (WHERE relname = 'alerts'), 0) AS written,
            COALESCE(SUM(seq_scan + COALESCE(idx_scan, 0)), 0) AS scans
       FROM pg_stat_user_tables WHERE relname IN ('alerts', 'stations')`,
  );
  return { written: Number(rows[0]!.written), scans: Number(rows[0]!.scans) };
}

/**
 * Feeds `rate` points/s for `seconds` into `streamKey` for `patrols` (round robin, each near its station), with
 * the second and third point of a few of them over the limit, and measures the writer's alert evaluation.
 */
export async function measureAlertEvaluation(opts: {
  redis: RedisClient;
  db: pg.Client;
  streamKey: string;
  metrics: MetricsEndpoint;
  patrols: BenchPatrol[];
  rate: number;
  seconds: number;
  oldestUnstoredMs: () => Promise<number>;
}): Promise<AlertEvaluationReport> {
  const { redis, patrols, rate, seconds } = opts;
  const speeders = Math.min(10, Math.ceil(patrols.length / 100));
  const speederEvery = Math.floor(patrols.length / speeders);
  const sentOf = new Map<number, number>();
  const lastTs = new Map<number, number>();

  const sqlBefore = await alertTableCounters(opts.db);
  const before = await readAlertMetrics(opts.metrics);
  const lag: number[] = [];
  const backlog: number[] = [];
  let latest = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const [m, b] = await Promise.all([readAlertMetrics(opts.metrics), opts.oldestUnstoredMs()]);
      latest = m;
      lag.push(m.lagS * 1000);
      backlog.push(b);
      await sleep(SAMPLE_EVERY_MS);
    }
  })();

  const started = monotonicMs();
  const total = Math.floor(rate * seconds);
  let fed = 0;
  while (fed < total) {
    const due = Math.min(total, Math.floor(((monotonicMs() - started) / 1000) * rate)) - fed;
    if (due > 0) {
      const batch = redis.pipeline();
      for (let i = 0; i < due; i++, fed++) {
        const index = fed % patrols.length;
        const patrol = patrols[index]!;
        const n = (sentOf.get(patrol.patrolId) ?? 0) + 1;
        sentOf.set(patrol.patrolId, n);
        const ts = Math.max(Date.now(), (lastTs.get(patrol.patrolId) ?? 0) + 1);
        lastTs.set(patrol.patrolId, ts);
        const fast = index % speederEvery === 0 && index / speederEvery < speeders && (n === 2 || n === 3);
        const frame = encodeTelemetryFrame(patrol.patrolId, {
          lat: patrol.lat + ((n % 50) - 25) * 1e-5,
          lon: patrol.lon + ((n % 30) - 15) * 1e-5,
          ts,
          speed: fast ? FAST_MPS : 8 + (n % 5),
        });
        batch.xadd(opts.streamKey, "*", "v", String(patrol.vehicleId), "f", frame);
      }
      await batch.exec();
    }
    await sleep(5);
  }
  const fedS = (monotonicMs() - started) / 1000;
  while (latest.evaluated - before.evaluated < fed) {
    if (monotonicMs() - started > seconds * 1000 + CATCH_UP_TIMEOUT_MS) break;
    await sleep(SAMPLE_EVERY_MS);
  }
  const caughtUpS = (monotonicMs() - started) / 1000 - fedS;
  sampling = false;
  await sampler;
  const after = latest;

  // Backends publish their table counters within 10 s of going idle.
  await sleep(SQL_STATS_FLUSH_MS);
  const sqlAfter = await alertTableCounters(opts.db);
  const raised: Record<string, number> = {};
  for (const [kind, n] of Object.entries(after.raised)) if (n - (before.raised[kind] ?? 0) > 0) raised[kind] = n - (before.raised[kind] ?? 0);
  const alertRowsWritten = sqlAfter.written - sqlBefore.written;
  const evaluated = after.evaluated - before.evaluated;
  return {
    rate,
    seconds,
    fed,
    fedPerS: fed / fedS,
    evaluated,
    caughtUpS,
    lagMs: percentiles(lag),
    backlogMs: percentiles(backlog),
    speeders,
    raised,
    raisedTotal: Object.values(raised).reduce((a, b) => a + b, 0),
    alertRowsWritten,
    alertTableScans: sqlAfter.scans - sqlBefore.scans,
    writesPer1kPoints: fed ? (alertRowsWritten * 1000) / fed : 0,
  };
}
