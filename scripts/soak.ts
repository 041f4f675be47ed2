// npm run soak -- --minutes 10 – hours of a shift in minutes: steady telemetry into a private stack, hundreds of dashboards,
// memory of every process at start and end, and every frame accounted for.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import pg from "pg";
import { seededRandom } from "../lib/seed/tree";
import { scopeContains, type Scope, type UnitChain } from "../lib/scope";
import { childrenOf, rssBytes } from "../test/support/load/proc";
import { DashboardPool, type ClientStatus, type Collected, type DashboardSpec } from "../test/support/load/dashboards";
import { histogramQuantile, latencyBucket, LATENCY_BUCKETS_MS } from "../test/support/load/latency-histogram";
import { startTestStack, type TestStack } from "../test/support/stack";
import { enrolFleet, fetchRequest } from "./simulator/fleet";
import { VehicleFleet, type FleetPatrol } from "./simulator/vehicle-fleet";

const USAGE = `Usage: npm run soak -- [--minutes 10] [--rate 500] [--clients 500] [--client-processes 4] [--patrols N] [--json FILE]
Starts a private stack (bench seed: 600 stations, 1,000 vehicles; 2 realtime workers), drives --rate telemetry points per
second from N patrols (default min(1000, 2 × rate): each posts every N/rate seconds) to --clients dashboards held by
--client-processes child processes, for --minutes. Prints progress every 10 s, then RSS and heap of every process at start
(after a warm-up) and end, and delivered/expected frames. Targets: ratio exactly 1, growth under 10 % (judged from 2 minutes).
Exit code 0 when every target judged is met.`;

/** Memory growth allowed between the start and end samples: 10 %. */
const MAX_GROWTH_PCT = 10;
/** Runs shorter than this are too short to judge growth (warm-up dominates): 2 minutes. */
const MIN_MINUTES_FOR_GROWTH = 2;
const PROGRESS_MS = 10_000;
const SAMPLE_MS = 2_000;
/** Share of each scope level among the dashboards: most commanders run a station or a division. */
const SCOPE_MIX: Array<[Scope["level"], number]> = [
  ["city", 0.02],
  ["district", 0.04],
  ["zone", 0.1],
  ["division", 0.24],
  ["station", 0.6],
];

interface Options {
  minutes: number;
  rate: number;
  clients: number;
  clientProcesses: number;
  patrols: number;
  json: string | null;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string", default: "10" },
      rate: { type: "string", default: "500" },
      clients: { type: "string", default: "500" },
      "client-processes": { type: "string", default: "4" },
      patrols: { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: string, raw: string | undefined, min: number, integer = true) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be ${integer ? "an integer" : "a number"} ≥ ${min} (got "${raw}").\n${USAGE}`);
    return n;
  };
  const rate = number("rate", values.rate, 1);
  const clients = number("clients", values.clients, 1);
  return {
    minutes: number("minutes", values.minutes, 0.05, false),
    rate,
    clients,
    clientProcesses: Math.min(clients, number("client-processes", values["client-processes"], 1)),
    patrols: values.patrols === undefined ? Math.min(1_000, rate * 2) : number("patrols", values.patrols, 1),
    json: values.json ?? null,
  };
}

/** One memory reading of one process; `heap` where the process exposes it. */
interface MemoryReading {
  pid: number;
  rss: number;
  heap: number | null;
  /** What `heap` measures. */
  heapKind?: string;
  /** A server under test (judged) or a load generator (reported only). */
  judged: boolean;
}

type Sample = { at: number; processes: Map<string, MemoryReading> };

/** The report `--json` writes (and the summary prints). */
export interface SoakReport {
  options: Options;
  interrupted: boolean;
  loadSeconds: number;
  warmupSeconds: number;
  telemetry: {
    sent: number;
    accepted: number;
    failed: Record<string, number>;
    ratePerSecond: number;
    /** Histogram quantiles: the upper bound of the bucket, in ms. */
    requestMs: { p50: number; p99: number };
  };
  delivery: {
    clients: number;
    expected: number;
    delivered: number;
    ratio: number;
    unknown: number;
    reconnects: number;
    clientsShortChanged: number;
    frameLatencyMs: { p50: number; p99: number; bucketsMs: number[]; counts: number[] };
  };
  processes: ProcessReport[];
  maxGrowthPct: number;
  verdict: { delivery: "pass" | "fail"; telemetry: "pass" | "fail"; growth: "pass" | "fail" | "not judged (run under 2 minutes)" };
  ok: boolean;
}

/** What one process looked like at start and end. */
interface ProcessReport {
  name: string;
  pid: number;
  judged: boolean;
  rss: { start: number; end: number; growthPct: number };
  heap: { kind: string; start: number; end: number; growthPct: number } | null;
}

async function main(): Promise<void> {
  const opts = options();
  // Fresh secrets per run; the soak mints device tokens and tickets with them, as the web tier would.
  const secret = () => randomBytes(36).toString("base64url");
  const secrets = { NEXTAUTH_SECRET: secret(), VEHICLE_TOKEN_SECRET: secret(), REALTIME_TICKET_SECRET: secret(), DEMO_PASSWORD: `soak-${secret()}` };
  Object.assign(process.env, secrets, { LOG_LEVEL: "warn" });
  const { signVehicleToken } = await import("../lib/auth/tokens");

  const durationMs = opts.minutes * 60_000;
  const warmupMs = Math.min(60_000, Math.max(5_000, durationMs / 10));
  const windowMs = Math.min(10_000, warmupMs);
  const intervalMs = (opts.patrols / opts.rate) * 1000;
  console.log(
    `Soak: ${opts.minutes} min, ${opts.rate} points/s from ${opts.patrols} patrols (one every ${(intervalMs / 1000).toFixed(2)} s each), ` +
      `${opts.clients} dashboards in ${opts.clientProcesses} processes. Starting a private stack (bench seed)…`,
  );
  const stack = await startTestStack({ label: "soak", seedProfile: "bench", secrets, realtime: true, env: { REALTIME_WORKERS: "2", LOG_LEVEL: "warn" } });
  let pool: DashboardPool | null = null;
  let fleet: VehicleFleet | null = null;
  /** Histogram (LATENCY_BUCKETS_MS) of telemetry request durations. */
  const postLatency = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.log("\nInterrupted: stopping the load and tearing the stack down…");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const redisInfo = new Redis(stack.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redisInfo.on("error", () => undefined);
  try {
    await redisInfo.connect();
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    const stations = (await db.query<UnitChain & { id: number }>(`SELECT id, id AS "stationId", "divisionId", "zoneId", "districtId" FROM stations`)).rows;
    const vehicles = (
      await db.query<{ id: number; callSign: string; homeStationId: number; tokenGeneration: number }>(
        `SELECT id, "callSign", "homeStationId", "tokenGeneration" FROM vehicles WHERE enabled ORDER BY id LIMIT $1`,
        [opts.patrols],
      )
    ).rows;
    await db.end();
    if (vehicles.length < opts.patrols) throw new Error(`--patrols ${opts.patrols}: the bench seed has only ${vehicles.length} vehicles.`);
    const chainOf = new Map(stations.map((s) => [s.id, s]));

    // Tokens are minted as the web tier mints them: the soak loads telemetry, not the token endpoint.
    const enrolled = await enrolFleet(fetchRequest(stack.baseUrl), vehicles, {
      authenticate: async (v) => ({ token: (await signVehicleToken(v.id, v.tokenGeneration)).token }),
      concurrency: 10,
    });
    const patrols = enrolled.patrols.map((p) => ({ patrolId: p.patrolId, token: p.token, chain: chainOf.get(p.vehicle.homeStationId)! }));

    const specs = dashboardSpecs(opts.clients, patrols.map((p) => p.chain));
    const inScope = specs.map((spec) => patrols.filter((p) => scopeContains(spec.scope, p.chain)).map((p) => p.patrolId));
    const dashboards = DashboardPool.start(opts.clientProcesses, secrets);
    pool = dashboards;
    const chains = patrols.map((p) => ({ patrolId: p.patrolId, ...p.chain }));
    const { errors } = await dashboards.connect("ws", stack.env.REALTIME_PUBLIC_URL!, specs, chains, { keepFrames: false, reconnect: true });
    if (errors.length) throw new Error(`${errors.length} dashboards could not connect, e.g. ${errors[0]}`);
    console.log(`${patrols.length} patrols on patrol, ${specs.length} dashboards connected (${describeMix(specs)}). Load starts now.`);

    const reportAll = async () => {
      const collected = await dashboards.collect();
      return { collected, counts: new Map(collected.clients.map((c) => [c.clientId, c])) };
    };
    const expectedFor = (published: Map<number, number>) => specs.map((_, i) => inScope[i]!.reduce((n, id) => n + (published.get(id) ?? 0), 0));
    const samples: Sample[] = [];
    const sampleMemory = async (at: number, collected: Collected) => {
      samples.push({ at, processes: await readMemory(stack, redisInfo, dashboards.pids, collected) });
    };

    fleet = new VehicleFleet<FleetPatrol>(stack.baseUrl, patrols, intervalMs, { onAnswer: (ms) => postLatency[latencyBucket(ms)]!++ });
    const began = performance.now();
    fleet.start();
    let lastProgress = began;
    let lastSent = 0;
    while (!interrupted && performance.now() - began < durationMs) {
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, durationMs - (performance.now() - began))));
      const { collected, counts } = await reportAll();
      await sampleMemory(performance.now() - began, collected);
      if (performance.now() - lastProgress >= PROGRESS_MS - 50) {
        const seconds = (performance.now() - lastProgress) / 1000;
        lastProgress = performance.now();
        const delivered = sumCounts(counts, "telemetry");
        const expected = expectedFor(fleet.published).reduce((a, b) => a + b, 0);
        console.log(
          `[soak ${clock(performance.now() - began)}/${clock(durationMs)}] sent ${Math.round((fleet.sent - lastSent) / seconds)}/s, ` +
            `accepted ${fleet.accepted.toLocaleString("en")} (${fleet.failed} failed) | delivered ${delivered.toLocaleString("en")} of ` +
            `${expected.toLocaleString("en")} (${((100 * delivered) / Math.max(1, expected)).toFixed(2)} %, some in flight), ` +
            `unknown ${sumCounts(counts, "unknown")}, reconnects ${sumCounts(counts, "reconnects")} | ${memoryLine(samples.at(-1)!)}`,
        );
        lastSent = fleet.sent;
      }
    }
    const loadMs = performance.now() - began;
    await fleet.stop();

    // Let the last frames arrive: delivered stops changing (or matches) within a few seconds.
    const expectedPer = expectedFor(fleet.published);
    const expected = expectedPer.reduce((a, b) => a + b, 0);
    let final = await reportAll();
    for (let previous = -1, waited = 0; waited < 15_000; waited += 500) {
      const delivered = sumCounts(final.counts, "telemetry");
      if (delivered >= expected || delivered === previous) break;
      previous = delivered;
      await new Promise((r) => setTimeout(r, 500));
      final = await reportAll();
    }

    const processes = compare(samples, warmupMs, loadMs, windowMs);
    const delivered = sumCounts(final.counts, "telemetry");
    const latency = final.collected.latency;
    const shortChanged = specs
      .map((spec, i) => ({ clientId: spec.clientId, expected: expectedPer[i]!, delivered: final.counts.get(spec.clientId)?.telemetry ?? 0 }))
      .filter((c) => c.delivered !== c.expected);
    const judgedGrowth = opts.minutes >= MIN_MINUTES_FOR_GROWTH;
    const worst = Math.max(...processes.filter((p) => p.judged).flatMap((p) => [p.rss.growthPct, p.heap?.growthPct ?? -Infinity]));
    const verdict: SoakReport["verdict"] = {
      delivery: delivered === expected && sumCounts(final.counts, "unknown") === 0 ? "pass" : "fail",
      telemetry: fleet.failed === 0 ? "pass" : "fail",
      growth: !judgedGrowth ? "not judged (run under 2 minutes)" : worst < MAX_GROWTH_PCT ? "pass" : "fail",
    };
    const report: SoakReport = {
      options: opts,
      interrupted,
      loadSeconds: round(loadMs / 1000, 1),
      warmupSeconds: round(warmupMs / 1000, 1),
      telemetry: {
        sent: fleet.sent,
        accepted: fleet.accepted,
        failed: Object.fromEntries(fleet.failures),
        ratePerSecond: round(fleet.sent / (loadMs / 1000), 1),
        requestMs: { p50: histogramQuantile(postLatency, 0.5), p99: histogramQuantile(postLatency, 0.99) },
      },
      delivery: {
        clients: specs.length,
        expected,
        delivered,
        ratio: expected ? delivered / expected : 1,
        unknown: sumCounts(final.counts, "unknown"),
        reconnects: sumCounts(final.counts, "reconnects"),
        clientsShortChanged: shortChanged.length,
        frameLatencyMs: { p50: histogramQuantile(latency, 0.5), p99: histogramQuantile(latency, 0.99), bucketsMs: LATENCY_BUCKETS_MS, counts: latency },
      },
      processes,
      maxGrowthPct: round(worst, 2),
      verdict,
      ok: !interrupted && Object.values(verdict).every((v) => v !== "fail"),
    };
    printReport(report);
    if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 2));
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await fleet?.stop();
    await pool?.disconnect().catch(() => undefined);
    await pool?.stop();
    redisInfo.disconnect();
    await stack.stop();
  }
}

/** Dashboards by SCOPE_MIX, each on a unit that has patrols (seeded, so runs compare). */
function dashboardSpecs(count: number, chains: UnitChain[]): DashboardSpec[] {
  const random = seededRandom(7);
  const specs: DashboardSpec[] = [];
  for (const [level, share] of SCOPE_MIX) {
    const n = level === "station" ? count - specs.length : Math.round(share * count);
    for (let i = 0; i < n; i++) {
      const chain = chains[Math.floor(random() * chains.length)]!;
      const scope: Scope = level === "city" ? { level, id: null } : { level, id: level === "station" ? chain.stationId : chain[`${level}Id`] };
      specs.push({ clientId: specs.length, userId: specs.length + 1, role: level === "city" ? "ADMIN" : "COMMANDER", scope });
    }
  }
  return specs;
}

function describeMix(specs: DashboardSpec[]): string {
  return SCOPE_MIX.map(([level]) => `${specs.filter((s) => s.scope.level === level).length} ${level}`).join(", ");
}

/** RSS of every process of the stack and of the load, plus heap where exposed. */
async function readMemory(stack: TestStack, redis: Redis, dashboardPids: number[], collected: Collected): Promise<Map<string, MemoryReading>> {
  const out = new Map<string, MemoryReading>();
  const put = (name: string, pid: number, judged: boolean, heap: number | null = null, heapKind?: string) =>
    out.set(name, { pid, rss: rssBytes(pid), heap, heapKind, judged });
  put("web (next-server)", stack.web.child.pid!, true);
  const launcher = stack.realtime!.child.pid!;
  put("realtime launcher (tsx)", launcher, true);
  const primary = childrenOf(launcher)[0];
  // The aggregated /metrics sums every worker's V8 heap.
  const metrics = await fetch(`http://127.0.0.1:${stack.env.REALTIME_PORT}/metrics`, { signal: AbortSignal.timeout(5_000) })
    .then((r) => r.text())
    .catch(() => "");
  if (primary) {
    put("realtime primary", primary, true);
    childrenOf(primary).forEach((pid, i) => put(`realtime worker ${i + 1}`, pid, true));
  }
  const heap = promGauge(metrics, "nodejs_heap_size_used_bytes");
  out.set("realtime workers, V8 heap (sum)", { pid: 0, rss: 0, heap, heapKind: "V8 heap used (/metrics)", judged: heap !== null });
  const info = await redis.info("memory").catch(() => "");
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
  put("redis", stack.redis.child.pid!, true, Number.isFinite(used) ? used : null, "used_memory");
  dashboardPids.forEach((pid, i) => put(`dashboards ${i + 1}`, pid, false, collected.heapUsed[i] ?? null, "V8 heap used"));
  put("soak driver", process.pid, false, process.memoryUsage().heapUsed, "V8 heap used");
  return out;
}

/**
 * Start and end memory of each process: the minimum over a window at the end
 * of the warm-up and at the end of the load. The minimum filters out garbage
 * the next collection would free, which would otherwise read as growth.
 */
function compare(samples: Sample[], warmupMs: number, loadMs: number, windowMs: number): ProcessReport[] {
  const inWindow = (from: number, to: number) => samples.filter((s) => s.at >= from && s.at <= to + SAMPLE_MS / 2);
  const start = inWindow(warmupMs - windowMs, warmupMs);
  const end = inWindow(loadMs - windowMs, loadMs);
  const names = [...(samples.at(-1)?.processes.keys() ?? [])];
  const min = (list: Sample[], name: string, field: "rss" | "heap") => {
    const values = list.map((s) => s.processes.get(name)?.[field]).filter((v): v is number => typeof v === "number" && v > 0);
    return values.length ? Math.min(...values) : 0;
  };
  const growth = (a: number, b: number) => (a > 0 ? round((100 * (b - a)) / a, 2) : 0);
  return names.map((name) => {
    const last = samples.at(-1)!.processes.get(name)!;
    const rss = { start: min(start, name, "rss"), end: min(end, name, "rss"), growthPct: 0 };
    rss.growthPct = growth(rss.start, rss.end);
    const heapStart = min(start, name, "heap");
    const heapEnd = min(end, name, "heap");
    return {
      name,
      pid: last.pid,
      judged: last.judged,
      rss,
      heap: last.heap === null || !last.heapKind ? null : { kind: last.heapKind, start: heapStart, end: heapEnd, growthPct: growth(heapStart, heapEnd) },
    };
  });
}

function printReport(report: SoakReport): void {
  const mb = (bytes: number) => (bytes ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : "–");
  const pct = (p: number) => `${p >= 0 ? "+" : ""}${p.toFixed(1)} %`;
  const t = report.telemetry;
  const d = report.delivery;
  console.log(`\n━━ Soak report (${report.loadSeconds} s of load${report.interrupted ? ", interrupted" : ""})`);
  console.log(
    `telemetry  ${t.sent.toLocaleString("en")} sent (${t.ratePerSecond}/s), ${t.accepted.toLocaleString("en")} accepted, ` +
      `failed ${JSON.stringify(t.failed)}; request p50 ≤ ${t.requestMs.p50} ms, p99 ≤ ${t.requestMs.p99} ms`,
  );
  console.log(
    `delivery   ${d.delivered.toLocaleString("en")} of ${d.expected.toLocaleString("en")} frames to ${d.clients} dashboards: ratio ${d.ratio.toFixed(6)}; ` +
      `unknown ${d.unknown}, reconnects ${d.reconnects}, dashboards short-changed ${d.clientsShortChanged}; frame latency p50 ≤ ${d.frameLatencyMs.p50} ms, p99 ≤ ${d.frameLatencyMs.p99} ms`,
  );
  console.log(`memory     minimum over ${report.warmupSeconds >= 10 ? 10 : report.warmupSeconds} s at the end of the ${report.warmupSeconds} s warm-up (start) and of the load (end)`);
  const rows = [["process", "pid", "RSS start", "RSS end", "growth", "heap start", "heap end", "growth", "heap measures"]];
  for (const p of report.processes) {
    rows.push([
      `${p.name}${p.judged ? "" : " (load)"}`,
      p.pid ? String(p.pid) : "",
      p.rss.start ? mb(p.rss.start) : "",
      p.rss.end ? mb(p.rss.end) : "",
      p.rss.start ? pct(p.rss.growthPct) : "",
      p.heap ? mb(p.heap.start) : "n/a",
      p.heap ? mb(p.heap.end) : "",
      p.heap ? pct(p.heap.growthPct) : "",
      p.heap?.kind ?? (p.name.startsWith("web") ? "(Next exposes no heap metric)" : ""),
    ]);
  }
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  for (const r of rows) console.log(`  ${r.map((cell, col) => (col >= 2 && col <= 7 ? cell.padStart(widths[col]!) : cell.padEnd(widths[col]!))).join("  ").trimEnd()}`);
  console.log(
    `verdict    delivery ${report.verdict.delivery} (target ratio 1.0), telemetry ${report.verdict.telemetry} (target: none failed), ` +
      `growth ${report.verdict.growth} (target < ${MAX_GROWTH_PCT} %, worst ${pct(report.maxGrowthPct)})`,
  );
}

function sumCounts(counts: Map<number, ClientStatus>, field: "telemetry" | "unknown" | "reconnects"): number {
  let n = 0;
  for (const c of counts.values()) n += c[field];
  return n;
}

function memoryLine(sample: Sample): string {
  const mb = (name: string) => Math.round((sample.processes.get(name)?.rss ?? 0) / 1024 / 1024);
  const workers = [...sample.processes.keys()].filter((k) => k.startsWith("realtime worker ")).map(mb);
  return `RSS MB web ${mb("web (next-server)")}, realtime ${mb("realtime primary")}+${workers.join("+")}, redis ${mb("redis")}`;
}

/** The value of a gauge in Prometheus text (summed over its series), or null when absent. */
function promGauge(text: string, name: string): number | null {
  const values = [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))].map((m) => Number(m[1]));
  return values.length ? values.reduce((a, b) => a + b, 0) : null;
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

main().catch((err: unknown) => {
  console.error(`Soak failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
