import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import pg from "pg";
import { encodeTelemetryFrame } from "../lib/realtime/protocol";
import { historyStreamKey } from "../lib/redis/keys";
import { signIn } from "../scripts/simulator/sign-in";
import { cpuSeconds, processTree, type ProcessRole } from "../test/support/load/proc";
import { monotonicMs } from "../test/support/load/clock";
import { freePort, startHistory, startWeb, type TestStack } from "../test/support/stack";
import { LocalHttpClient } from "../test/support/load/http-client";
import { measureAlertEvaluation, type AlertEvaluationReport } from "./alert-evaluation";
import { runPaced } from "./load-shapes";
import { saturate, type BenchContext } from "./phases";
import { startFloorServer } from "./systems";
import { percentiles, type Percentiles } from "./stats";

/**
 * The history tier of `npm run bench`: what keeping every position costs and
 * how fast it is, on the stack the other tiers ran on. The earlier phases'
 * telemetry waits in the `history:points` stream (no writer ran), plus one
 * long synthetic patrol track; then the writer starts and drains it all
 * (throughput, PostgreSQL CPU per 1,000 points; the writer runs the alert
 * rules over every batch it stores), stays up while telemetry flows at a
 * steady rate (how long a point waits before it is queryable), the track API
 * serves that long track (JSON and GPX), and points fed straight into the
 * stream show whether the alert rules keep up and what SQL they cause.
 */

/** What the history tier measured. */
export interface HistoryReport {
  drain: {
    /** Rows the writer stored while draining the backlog. */
    points: number;
    seconds: number;
    pointsPerS: number;
    /** CPU seconds of every PostgreSQL process (the machine's cluster) and of the writer while draining. */
    postgresCpuS: number;
    writerCpuS: number;
    postgresCpuMsPer1k: number;
  };
  lag: {
    rate: number;
    seconds: number;
    accepted: number;
    /** Age of the oldest un-stored point, sampled every 50 ms: an upper bound on every point's wait. */
    lagMs: Percentiles;
  };
  track: {
    points: number;
    /** Whole-response times of `GET /api/patrols/{id}/track` (JSON), five runs. */
    jsonMs: Percentiles;
    jsonBytes: number;
    /** GPX: time to the first byte and to the last one (streamed page by page). */
    gpxFirstByteMs: number;
    gpxTotalMs: number;
    gpxBytes: number;
  };
  /** The hot path's cost of history, writer running: single-point rates with history on and off, through Next and on the bare server. */
  hotPath: { next: HotPathRuns; floor: HotPathRuns };
  /** The alert rules under a fixed rate of points fed into the stream. */
  alerts: AlertEvaluationReport;
}

/** Alternated saturating single-point runs with history off and on, and what history costs. */
export interface HotPathRuns {
  runs: { history: boolean; acceptedPerS: number }[];
  onPerS: number;
  offPerS: number;
  costPercent: number;
}

function hotPathOf(runs: HotPathRuns["runs"]): HotPathRuns {
  const mean = (on: boolean) => runs.filter((r) => r.history === on).reduce((a, r) => a + r.acceptedPerS, 0) / runs.filter((r) => r.history === on).length;
  return { runs, onPerS: mean(true), offPerS: mean(false), costPercent: (1 - mean(true) / mean(false)) * 100 };
}

/** How long the drain may take before the tier gives up: 5 minutes. */
const DRAIN_TIMEOUT_MS = 300_000;

function postgresPids(): number[] {
  // Every process of the machine's PostgreSQL cluster: the writer's backend and whatever it wakes (WAL writer…).
  try {
    return execFileSync("pgrep", ["-x", "postgres"], { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU seconds of every PostgreSQL process and of `pids` since `before` was taken: a backend forked meanwhile (the
 * writer's pool opens connections as it needs them) counts from zero.
 */
function cpuSince(before: Map<number, number>, pids: number[]): number {
  let total = 0;
  for (const pid of pids) total += (cpuSeconds(pid) ?? before.get(pid) ?? 0) - (before.get(pid) ?? 0);
  return total;
}

function cpuSnapshot(pids: number[]): Map<number, number> {
  return new Map(pids.flatMap((pid) => (cpuSeconds(pid) === null ? [] : [[pid, cpuSeconds(pid)!] as [number, number]])));
}

/** The stream's oldest entry's age in ms (0 when the writer has stored everything). */
async function oldestUnstoredMs(redis: Redis, key: string): Promise<number> {
  const [first] = await redis.xrange(key, "-", "+", "COUNT", 1);
  return first ? Date.now() - Number(first[0].split("-")[0]) : 0;
}

export async function historyTier(
  ctx: BenchContext,
  stack: TestStack,
  opts: { trackPoints: number; lagRate: number; lagS: number; alertRate: number; alertS: number; log: (line: string) => void; roles: ProcessRole[] },
): Promise<HistoryReport> {
  const prefix = stack.env.REDIS_PREFIX ?? "";
  const key = historyStreamKey(prefix);
  const redis = new Redis(stack.redis.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  let history: Awaited<ReturnType<typeof startHistory>> | null = null;
  try {
    // One patrol's long track, a point a second, queued as the ingest script queues points. It ends a day ago, so
    // no point the earlier phases sent for that patrol falls in its window (and yesterday's partitions get made).
    const patrol = ctx.patrols[0]!;
    const end = Date.now() - 86_400_000;
    const start = end - (opts.trackPoints - 1) * 1_000;
    for (let from = 0; from < opts.trackPoints; from += 1_000) {
      const batch = redis.pipeline();
      for (let i = from; i < Math.min(from + 1_000, opts.trackPoints); i++) {
        const frame = encodeTelemetryFrame(patrol.patrolId, { lat: 9.9 + (i % 3_600) * 1e-5, lon: 76.3 + Math.floor(i / 3_600) * 1e-3, ts: start + i * 1_000, speed: 8 });
        batch.xadd(key, "*", "v", String(patrol.vehicleId), "f", frame);
      }
      await batch.exec();
    }
    const backlog = await redis.xlen(key);
    const rowsBefore = Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM positions")).rows[0]!.n);
    opts.log(`history: ${backlog.toLocaleString("en-US")} points wait in the stream (earlier phases and a ${opts.trackPoints.toLocaleString("en-US")}-point track); starting the writer`);

    // Drain: from the writer's start to an empty stream.
    // Measured from the moment the writer answers its health check to an empty stream: what it stored meanwhile.
    history = await startHistory({ ...stack.env, HISTORY_METRICS_PORT: stack.env.HISTORY_METRICS_PORT! } as Parameters<typeof startHistory>[0]);
    const writerPids = processTree(history.child.pid!);
    const postgresBefore = cpuSnapshot(postgresPids());
    const writerBefore = cpuSnapshot(writerPids);
    const drainStarted = monotonicMs();
    const rowsAtStart = Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM positions")).rows[0]!.n);
    opts.log(`history: the writer is up (${(rowsAtStart - rowsBefore).toLocaleString("en-US")} points stored while it started)`);
    while ((await redis.xlen(key)) > 0) {
      if (monotonicMs() - drainStarted > DRAIN_TIMEOUT_MS) throw new Error(`history: the backlog did not drain within ${DRAIN_TIMEOUT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const drainS = (monotonicMs() - drainStarted) / 1000;
    const stored = Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM positions")).rows[0]!.n) - rowsAtStart;
    const postgresCpuS = cpuSince(postgresBefore, postgresPids());
    const writerCpuS = cpuSince(writerBefore, writerPids);
    opts.log(`history: stored ${stored.toLocaleString("en-US")} points in ${drainS.toFixed(1)} s`);

    // Steady state: telemetry at `lagRate` while the lag is sampled.
    opts.log(`history: ${opts.lagRate} points/s for ${opts.lagS} s, sampling the writer's lag`);
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await oldestUnstoredMs(redis, key));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    ctx.driver.startRecording();
    await runPaced(opts.lagRate, opts.lagS, () => ctx.driver.point(ctx.web));
    const { tally } = ctx.driver.stopRecording();
    await new Promise((r) => setTimeout(r, 1_000));
    sampling = false;
    await sampler;

    // The hot path with history on and off (HISTORY_STREAM_MAXLEN=0: no XADD, and nothing for the writer to store),
    // the writer running as in production: through Next (the stack's web server, and a second one with history
    // off), and on the bare ingestion server, where no Next overhead hides the difference. Alternated, off first.
    opts.log("history: single points with history off / on / off / on, through Next and on the bare server");
    const offWebPort = await freePort();
    const offWeb = await startWeb({ ...stack.env, PORT: String(offWebPort), HISTORY_STREAM_MAXLEN: "0" });
    const offWebClient = new LocalHttpClient(`http://127.0.0.1:${offWebPort}`);
    const nextRuns: HotPathRuns["runs"] = [];
    try {
      // A fresh server runs cold (JIT, module loading) for its first seconds: warm it up unmeasured.
      await saturate(ctx, "next single, history off (warm-up, not counted)", [], ctx.scenario.singleConcurrency, () => ctx.driver.point(offWebClient));
      for (const history of [false, true, false, true]) {
        const client = history ? ctx.web : offWebClient;
        const roles: ProcessRole[] = [{ name: "web", kind: "backend", pids: processTree((history ? stack.web : offWeb).child.pid!) }, ...opts.roles];
        const run = await saturate(ctx, `next single, history ${history ? "on" : "off"}`, roles, ctx.scenario.singleConcurrency, () => ctx.driver.point(client));
        nextRuns.push({ history, acceptedPerS: run.acceptedPerS });
      }
    } finally {
      offWebClient.close();
      await offWeb.stop();
    }
    const floorRuns: HotPathRuns["runs"] = [];
    for (const history of [false, true, false, true]) {
      const floor = await startFloorServer(stack, history ? {} : { HISTORY_STREAM_MAXLEN: "0" });
      const client = new LocalHttpClient(floor.baseUrl);
      try {
        const roles: ProcessRole[] = [{ name: "floor server", kind: "backend", pids: floor.pids }, ...opts.roles];
        const run = await saturate(ctx, `floor single, history ${history ? "on" : "off"}`, roles, ctx.scenario.singleConcurrency, () => ctx.driver.point(client));
        floorRuns.push({ history, acceptedPerS: run.acceptedPerS });
      } finally {
        client.close();
        await floor.stop();
      }
    }

    // The track API on the long track, as an admin would ask for it.
    const cookie = await signIn(stack.baseUrl, "admin@sentinel.local", stack.env.DEMO_PASSWORD!);
    const trackUrl = (format: string) => `${stack.baseUrl}/api/patrols/${patrol.patrolId}/track?from=${start}&to=${end}&format=${format}`;
    const jsonMs: number[] = [];
    let jsonBytes = 0;
    let jsonPoints = 0;
    for (let run = 0; run < 5; run++) {
      const t = monotonicMs();
      const res = await fetch(trackUrl("json"), { headers: { cookie } });
      const text = await res.text();
      jsonMs.push(monotonicMs() - t);
      if (res.status !== 200) throw new Error(`history: track JSON answered ${res.status}: ${text.slice(0, 200)}`);
      jsonBytes = text.length;
      jsonPoints = (JSON.parse(text) as { points: unknown[] }).points.length;
    }
    const t = monotonicMs();
    const gpx = await fetch(trackUrl("gpx"), { headers: { cookie } });
    const gpxFirstByteMs = monotonicMs() - t;
    let gpxBytes = 0;
    for await (const chunk of gpx.body as unknown as AsyncIterable<Uint8Array>) gpxBytes += chunk.length;
    const gpxTotalMs = monotonicMs() - t;

    // Last, long after the drain's SQL: the alert rules at a fixed rate, points fed straight into the stream.
    opts.log(`history: ${opts.alertRate} points/s into the stream for ${opts.alertS} s, sampling the alert rules' lag on /metrics`);
    const alerts = await measureAlertEvaluation({
      redis,
      db,
      streamKey: key,
      metrics: {
        url: `http://127.0.0.1:${stack.env.HISTORY_METRICS_PORT}/metrics`,
        headers: stack.env.METRICS_TOKEN ? { authorization: `Bearer ${stack.env.METRICS_TOKEN}` } : {},
      },
      patrols: ctx.patrols,
      rate: opts.alertRate,
      seconds: opts.alertS,
      oldestUnstoredMs: () => oldestUnstoredMs(redis, key),
    });
    opts.log(
      `history: alert rules evaluated ${alerts.evaluated.toLocaleString("en-US")} of ${alerts.fed.toLocaleString("en-US")} points, lag p99 ${alerts.lagMs.p99.toFixed(0)} ms, ` +
        `${alerts.raisedTotal} alerts raised, ${alerts.alertRowsWritten} rows written in alerts`,
    );

    return {
      drain: {
        points: stored,
        seconds: drainS,
        pointsPerS: stored / drainS,
        postgresCpuS,
        writerCpuS,
        postgresCpuMsPer1k: stored ? (postgresCpuS * 1_000 * 1_000) / stored : 0,
      },
      lag: { rate: opts.lagRate, seconds: opts.lagS, accepted: tally.accepted, lagMs: percentiles(samples) },
      track: { points: jsonPoints, jsonMs: percentiles(jsonMs), jsonBytes, gpxFirstByteMs, gpxTotalMs, gpxBytes },
      hotPath: { next: hotPathOf(nextRuns), floor: hotPathOf(floorRuns) },
      alerts,
    };
  } finally {
    await history?.stop();
    await db.end();
    redis.disconnect();
  }
}
