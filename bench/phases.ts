import { monotonicMs, sleep } from "../test/support/load/clock";
import type { ClientStatus, Collected, DashboardPool, DashboardSpec } from "../test/support/load/dashboards";
import type { BenchPatrol } from "./fleet";
import type { LocalHttpClient, Outcome } from "../test/support/load/http-client";
import { runPaced, runSaturating, type PacedResult, type SaturationResult } from "./load-shapes";
import { collectedMemory, CpuWindow, type CollectedMemory, type CpuUsage, type ProcessRole } from "../test/support/load/proc";
import { RAMP_P99_LIMIT_MS, type Scenario } from "./scenario";
import { joinDeliveries, percentiles, type Percentiles } from "./stats";
import type { RealtimeSystem, SystemName } from "./systems";
import type { TelemetryDriver } from "../test/support/load/telemetry-driver";

/**
 * The measurements: a streaming window against a realtime tier (latency,
 * delivery, CPU, memory), a ramp of such windows, and saturating ingestion
 * runs. Every phase uses the same driver, patrols and dashboards.
 */

/** What every phase works with. */
export interface BenchContext {
  scenario: Scenario;
  /** Keep-alive client of the web server. */
  web: LocalHttpClient;
  driver: TelemetryDriver;
  pool: DashboardPool;
  patrols: BenchPatrol[];
  dashboards: DashboardSpec[];
  /** Patrol ids each client may see. */
  visible: Map<number, Set<number>>;
  /** Processes charged in every window besides a tier's own: web, Redis, PostgreSQL backends, load generators. */
  sharedRoles: ProcessRole[];
  /** Where the servers' memory probes (bench/memory-probe.mjs) write their answers. */
  memoryDir: string;
}

/**
 * Work run alongside a measured window's telemetry (the SOS drill), handed what
 * the dashboards decoded in that window, or counters read around it (the city
 * tier's Redis and socket counts); every hook is optional.
 */
export interface WindowCompanion {
  /** Called right before the window opens (its telemetry and CPU count start right after). */
  start?(): Promise<void>;
  /** Runs while the window's telemetry flows; `durationS` is the window's length. */
  run?(durationS: number): Promise<void>;
  /** Called right after the window's drain wait and CPU count, before the dashboards are asked for their frames. */
  stop?(): Promise<void>;
  /** Called once, after the window's drain wait, with everything the dashboards kept. */
  received?(collected: Collected): void;
}

/** CPU of one role over a window, with its cost per 1,000 delivered frames (or per 1,000 requests). */
export interface RoleCpu extends CpuUsage {
  /** CPU seconds per 1,000 delivered frames (streaming) or requests (saturation). */
  sPer1k: number;
}

/** CPU over a window. */
export interface CpuReport {
  wallS: number;
  /** The window on the shared monotonic clock, ms (`tsx bench/profile-summary.ts --from --to` cuts profiles to it). */
  fromMs: number;
  toMs: number;
  /** Busy CPU seconds of the whole machine (every process, ours or not). */
  machineBusyS: number;
  roles: RoleCpu[];
  /** Machine busy time not charged to any role: other work on the machine during the window. */
  unaccountedS: number;
}

/** Delivery of frames against expectations. */
export interface DeliveryReport {
  expected: number;
  delivered: number;
  /** delivered / expected over all clients (1 when nothing was expected). */
  ratio: number;
  /** Lowest per-client ratio. */
  minClientRatio: number;
  /** Clients that received fewer frames than expected. */
  clientsShort: number;
  duplicates: number;
  /** TELEMETRY frames of patrols outside the receiving client's scope, since connecting (must be 0). */
  outOfScope: number;
  /** SNAPSHOT entries outside the client's scope (must be 0). */
  snapshotOutOfScope: number;
  /** Clients whose SNAPSHOT did not list exactly the patrols of their scope. */
  snapshotMismatches: number;
  /** Clients the server disconnected before the window's frames were collected. */
  closedByServer: number;
  byLevel: Record<string, { clients: number; expected: number; delivered: number }>;
}

/** One measured window of paced telemetry against a tier. */
export interface WindowReport {
  paced: PacedResult;
  accepted: number;
  errors: Record<string, number>;
  /** HTTP send → frame decoded in a dashboard process, ms. */
  latencyMs: Percentiles;
  /** HTTP send → 202 back in the driver, ms: the ingestion share of the latency (the frame is published before the answer). */
  httpResponseMs: Percentiles;
  delivery: DeliveryReport;
  cpu: CpuReport;
}

/** Connecting the dashboards to a tier. */
export interface ConnectReport {
  clients: number;
  failed: number;
  errors: string[];
  seconds: number;
  /** Clients per worker pid. */
  byWorker: Record<string, number>;
  /** Workers that died and were replaced by their primary between connecting and the end of the window (must be 0). */
  workersReplaced: number;
  /** Tier workers' memory (summed, each read right after a full GC) before connecting, once connected (before any telemetry) and after the streaming window; null if not measured. */
  workersBefore: { rssMb: number; heapMb: number } | null;
  workersConnected: { rssMb: number; heapMb: number } | null;
  workersAfterWindow: { rssMb: number; heapMb: number } | null;
  /**
   * What one more idle connection (its SNAPSHOT sent) costs: (RSS with every dashboard connected − RSS with the
   * first half connected) / the second half's clients. Clear of what the first connections cost once (code
   * compiled, buffers grown) and of start-up memory the workers were still giving back — two Sentinel sidecars
   * started alike read 799 and 652 MB before connecting 2,000 dashboards, and 874 and 867 MB after.
   */
  perIdleClientKb: number | null;
  /** (RSS with every dashboard connected − RSS before connecting) / clients: the same from an empty tier, one-time costs included. */
  perIdleClientSinceStartKb: number | null;
  /** (RSS after the window − RSS before connecting) / clients: what a connected, streaming client costs. */
  perClientKb: number | null;
  /** The same for the V8 heap in use: the client's live objects. */
  perClientHeapKb: number | null;
}

/** A tier's streaming result. */
export interface StreamingReport {
  system: SystemName;
  description: string;
  connect: ConnectReport;
  window: WindowReport;
}

/** Outcome of one saturating ingestion run, with CPU per request. */
export interface SaturationReport extends SaturationResult {
  label: string;
  cpu: CpuReport;
}

/** One ramp step. */
export interface RampStep {
  rate: number;
  achievedRate: number;
  errors: number;
  p99Ms: number;
  /** p99 of HTTP send → 202 (the ingestion share). */
  httpP99Ms: number;
  deliveryRatio: number;
  /** CPU seconds of the tier's own processes per 1,000 delivered frames. */
  tierCpuSPer1k: number;
  /** Requests that waited for one of the driver's sockets (their wait is inside the latency: send times are taken before). */
  backlogged: number;
  sustained: boolean;
}

/** A tier's ramp. */
export interface RampReport {
  system: SystemName;
  steps: RampStep[];
  /** Highest rate whose step was sustained (0 if none). */
  highestSustainedRate: number;
  /** Why the ramp stopped. */
  stoppedBecause: string;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function cpuReport(window: ReturnType<CpuWindow["stop"]>, per: number): CpuReport {
  const roles = window.roles.map((r) => ({ ...r, sPer1k: per > 0 ? round((r.cpuS * 1000) / per, 5) : 0 }));
  const charged = roles.reduce((a, r) => a + r.cpuS, 0);
  return {
    wallS: window.wallS,
    fromMs: window.fromMs,
    toMs: window.toMs,
    machineBusyS: window.machineBusyS,
    roles,
    unaccountedS: round(Math.max(0, window.machineBusyS - charged)),
  };
}

/**
 * The workers' memory after a full GC, summed; null (with a warning) when a
 * worker did not answer twice — a restarted worker is looked up again.
 */
async function workersMemory(ctx: BenchContext, system: RealtimeSystem): Promise<CollectedMemory | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await collectedMemory(system.workerPids(), ctx.memoryDir);
    } catch (err) {
      if (attempt === 2) {
        console.warn(`  ${system.name}: worker memory not measured (${String(err)})`);
        return null;
      }
      await sleep(1_000);
    }
  }
}

/**
 * Connects every dashboard to `system`, in two halves (every other dashboard
 * first). Its workers' memory is read (after a full GC) before connecting,
 * after each half, and again by `finish()` after the window; a worker that was
 * replaced meanwhile is counted in `workersReplaced`.
 */
export async function connectDashboards(
  ctx: BenchContext,
  system: RealtimeSystem,
): Promise<{ report: ConnectReport; finish(): Promise<void> }> {
  const workersAtStart = system.workerPids();
  const before = await workersMemory(ctx, system);
  const halves = [ctx.dashboards.filter((_, i) => i % 2 === 0), ctx.dashboards.filter((_, i) => i % 2 === 1)];
  const clients: ClientStatus[] = [];
  const errors: string[] = [];
  const memory: Array<CollectedMemory | null> = [];
  const connectedPerHalf: number[] = [];
  const isConnected = (c: ClientStatus) => c.snapshotPatrols >= 0;
  let connectMs = 0;
  for (const half of halves) {
    const started = monotonicMs();
    const connected = await ctx.pool.connect(system.transport, system.url, half, ctx.patrols, { keepFrames: true, reconnect: false });
    connectMs += monotonicMs() - started;
    clients.push(...connected.clients);
    errors.push(...connected.errors);
    connectedPerHalf.push(connected.clients.filter(isConnected).length);
    memory.push(await workersMemory(ctx, system));
  }
  const byWorker: Record<string, number> = {};
  for (const c of clients) byWorker[String(c.worker ?? "unknown")] = (byWorker[String(c.worker ?? "unknown")] ?? 0) + 1;
  const connected = clients.filter(isConnected).length;
  const [half, idle] = memory;
  const sameWorkers = system.workerPids().every((pid) => workersAtStart.includes(pid));
  const perClient = (from: CollectedMemory | null | undefined, to: CollectedMemory | null | undefined, n: number) =>
    from && to && n > 0 && sameWorkers ? round((to.rss - from.rss) / 1024 / n, 1) : null;
  const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
  const report: ConnectReport = {
    clients: connected,
    failed: ctx.dashboards.length - connected,
    errors: errors.slice(0, 5),
    seconds: round(connectMs / 1000, 1),
    byWorker,
    workersReplaced: 0,
    workersBefore: before && { rssMb: mb(before.rss), heapMb: mb(before.heapUsed) },
    workersConnected: idle ? { rssMb: mb(idle.rss), heapMb: mb(idle.heapUsed) } : null,
    workersAfterWindow: null,
    perIdleClientKb: perClient(half, idle, connectedPerHalf[1] ?? 0),
    perIdleClientSinceStartKb: perClient(before, idle, connected),
    perClientKb: null,
    perClientHeapKb: null,
  };
  return {
    report,
    async finish() {
      report.workersReplaced = system.workerPids().filter((pid) => !workersAtStart.includes(pid)).length;
      const after = await workersMemory(ctx, system);
      if (!after) return;
      report.workersAfterWindow = { rssMb: mb(after.rss), heapMb: mb(after.heapUsed) };
      if (!before || !connected || report.workersReplaced) return;
      report.perClientKb = round((after.rss - before.rss) / 1024 / connected, 1);
      report.perClientHeapKb = round((after.heapUsed - before.heapUsed) / 1024 / connected, 1);
    },
  };
}

function deliveryReport(ctx: BenchContext, join: ReturnType<typeof joinDeliveries>, statuses: ClientStatus[]): DeliveryReport {
  const byLevel: DeliveryReport["byLevel"] = {};
  const levelOf = new Map(ctx.dashboards.map((d) => [d.clientId, d.scope.level]));
  let expected = 0;
  let delivered = 0;
  let duplicates = 0;
  let clientsShort = 0;
  let minClientRatio = 1;
  for (const c of join.clients) {
    expected += c.expected;
    delivered += c.delivered;
    duplicates += c.duplicates;
    if (c.delivered < c.expected) clientsShort++;
    if (c.expected > 0) minClientRatio = Math.min(minClientRatio, c.delivered / c.expected);
    const level = (byLevel[levelOf.get(c.clientId) ?? "?"] ??= { clients: 0, expected: 0, delivered: 0 });
    level.clients++;
    level.expected += c.expected;
    level.delivered += c.delivered;
  }
  return {
    expected,
    delivered,
    ratio: expected ? round(delivered / expected, 5) : 1,
    minClientRatio: round(minClientRatio, 5),
    clientsShort,
    duplicates,
    outOfScope: statuses.reduce((a, s) => a + s.outOfScope, 0),
    snapshotOutOfScope: statuses.reduce((a, s) => a + s.snapshotOutOfScope, 0),
    snapshotMismatches: statuses.filter((s) => s.snapshotPatrols !== (ctx.visible.get(s.clientId)?.size ?? 0)).length,
    closedByServer: statuses.filter((s) => s.closedCode !== null).length,
    byLevel,
  };
}

/**
 * Streams at `rate` for `durationS` with the dashboards connected and
 * measures the window: latency of every delivered frame, delivery per
 * client, and CPU of the tier's and the shared processes.
 */
export async function measureWindow(
  ctx: BenchContext,
  system: RealtimeSystem,
  rate: number,
  durationS: number,
  companion?: WindowCompanion,
): Promise<WindowReport> {
  await ctx.pool.collect(); // frames of earlier traffic are not part of this window
  await companion?.start?.();
  const cpu = new CpuWindow([...system.roles(), ...ctx.sharedRoles]);
  ctx.driver.startRecording();
  cpu.start();
  const [paced] = await Promise.all([runPaced(rate, durationS, () => ctx.driver.point(ctx.web)), companion?.run?.(durationS)]);
  await sleep(ctx.scenario.drainMs);
  const usage = cpu.stop();
  await companion?.stop?.();
  const { sent, responseMs, tally } = ctx.driver.stopRecording();
  const collected = await ctx.pool.collect();
  companion?.received?.(collected);
  const { frames, clients } = collected;
  const join = joinDeliveries(sent, frames, (id) => ctx.visible.get(id) ?? new Set());
  const delivery = deliveryReport(ctx, join, clients);
  return {
    paced,
    accepted: tally.accepted,
    errors: tally.errors,
    latencyMs: percentiles(join.latenciesMs),
    httpResponseMs: percentiles(responseMs),
    delivery,
    cpu: cpuReport(usage, delivery.delivered),
  };
}

/**
 * A tier's streaming run: connect the dashboards, warm up, optionally run
 * `beforeWindow` (e.g. wait for SQL statistics), measure one window (with
 * `companion` running alongside, if given), and disconnect the dashboards again.
 */
export async function streamingRun(
  ctx: BenchContext,
  system: RealtimeSystem,
  beforeWindow?: () => Promise<void>,
  companion?: WindowCompanion,
): Promise<StreamingReport> {
  await system.activate();
  const { report: connect, finish } = await connectDashboards(ctx, system);
  if (connect.failed) throw new Error(`${system.name}: ${connect.failed} dashboards failed to connect: ${connect.errors.join("; ")}`);
  await runPaced(ctx.scenario.rate, ctx.scenario.warmupS, () => ctx.driver.point(ctx.web));
  await beforeWindow?.();
  const window = await measureWindow(ctx, system, ctx.scenario.rate, ctx.scenario.windowS, companion);
  await finish();
  await ctx.pool.disconnect();
  return { system: system.name, description: system.description, connect, window };
}

/**
 * Ramp mode against one tier: windows of `rampStepS` at rising rates until a
 * step's p99 exceeds 50 ms, a request fails, the driver cannot keep the rate,
 * or a frame goes missing. Requests queued for a socket are not a failure in
 * themselves: their send time is taken before the queue, so it shows in p99.
 */
export async function rampRun(ctx: BenchContext, system: RealtimeSystem): Promise<RampReport> {
  await system.activate();
  const { report: connect } = await connectDashboards(ctx, system);
  if (connect.failed) throw new Error(`${system.name}: ${connect.failed} dashboards failed to connect`);
  await runPaced(ctx.scenario.rate, ctx.scenario.warmupS, () => ctx.driver.point(ctx.web));
  const steps: RampStep[] = [];
  let stoppedBecause = "every rate sustained";
  for (const rate of ctx.scenario.rampRates) {
    const w = await measureWindow(ctx, system, rate, ctx.scenario.rampStepS);
    const errors = Object.values(w.errors).reduce((a, b) => a + b, 0);
    const reasons = [
      w.latencyMs.p99 > RAMP_P99_LIMIT_MS && `p99 ${w.latencyMs.p99} ms > ${RAMP_P99_LIMIT_MS} ms`,
      errors > 0 && `${errors} request errors (${Object.keys(w.errors).join(", ")})`,
      w.paced.achievedRate < rate * 0.95 && `only ${w.paced.achievedRate} msg/s sent`,
      w.delivery.ratio < 1 && `delivered ${w.delivery.ratio} of expected`,
    ].filter((r): r is string => typeof r === "string");
    const tierCpuS = w.cpu.roles.filter((r) => r.kind === "tier").reduce((a, r) => a + r.cpuS, 0);
    const tierCpuSPer1k = w.delivery.delivered ? round((tierCpuS * 1000) / w.delivery.delivered, 5) : 0;
    steps.push({
      rate,
      achievedRate: w.paced.achievedRate,
      errors,
      p99Ms: w.latencyMs.p99,
      httpP99Ms: w.httpResponseMs.p99,
      deliveryRatio: w.delivery.ratio,
      tierCpuSPer1k,
      backlogged: w.paced.backlogged,
      sustained: reasons.length === 0,
    });
    console.log(
      `  ${system.name} ramp ${rate} msg/s: p99 ${w.latencyMs.p99} ms (HTTP ${w.httpResponseMs.p99} ms), delivered ${w.delivery.ratio}, tier CPU ${tierCpuSPer1k} s/1k frames` +
        (reasons.length ? ` — stop: ${reasons.join("; ")}` : ""),
    );
    if (reasons.length) {
      stoppedBecause = `at ${rate} msg/s: ${reasons.join("; ")}`;
      break;
    }
    await sleep(1_000); // let queues empty between steps
  }
  await ctx.pool.disconnect();
  const sustained = steps.filter((s) => s.sustained);
  return { system: system.name, steps, highestSustainedRate: sustained.at(-1)?.rate ?? 0, stoppedBecause };
}

/**
 * Keeps `concurrency` requests in flight against a server for the scenario's
 * saturation time and charges CPU per 1,000 requests to `roles`.
 */
export async function saturate(
  ctx: BenchContext,
  label: string,
  roles: ProcessRole[],
  concurrency: number,
  send: () => Promise<{ outcome: Outcome; ok: boolean; units: number }>,
): Promise<SaturationReport> {
  const { saturationWarmupS, saturationS } = ctx.scenario;
  const cpu = new CpuWindow(roles);
  // The CPU window starts after the warm-up, like the count of requests.
  const timer = setTimeout(() => cpu.start(), saturationWarmupS * 1000);
  const result = await runSaturating(concurrency, saturationWarmupS, saturationS, send);
  clearTimeout(timer);
  const usage = cpu.stop();
  const report = { label, ...result, cpu: cpuReport(usage, result.requests) };
  console.log(`  ${label}: ${result.acceptedPerS} req/s accepted${result.unitsPerS !== result.acceptedPerS ? ` (${result.unitsPerS} points/s)` : ""}, p99 ${result.responseMs.p99} ms`);
  return report;
}
