import type { TestStack } from "../test/support/stack";
import { DashboardPool, type DashboardSpec } from "../test/support/load/dashboards";
import { IoWindow, type IoCounters, type ProcessRole } from "../test/support/load/proc";
import { busiestStation, chooseCityDashboards, levelCounts, visiblePatrols } from "./fleet";
import { streamingRun, type BenchContext, type StreamingReport, type WindowCompanion } from "./phases";
import { RedisFanoutProbe, type RedisFanoutReport } from "./redis-fanout";
import type { CityScenario } from "./scenario";
import { startFirehose, startSentinel, startSocketIo, type RealtimeSystem } from "./systems";

/**
 * The city tier (issue #14): a whole force's dashboards — 10,000 by default,
 * 70 % station, 20 % division, 8 % zone, 1 % district, 1 % city — in their own
 * load processes, against Sentinel (default placement, then
 * REALTIME_PLACEMENT=round-robin), the firehose and Socket.IO, every tier on
 * `workers` workers of its own; then a hot spot for Sentinel: the same
 * dashboards with every station view on the busiest station. Besides the
 * streaming measurements, each window counts Redis → worker traffic
 * (bench/redis-fanout.ts) and the workers' write syscalls.
 */

/** A city window of one tier: the streaming report plus Redis → worker traffic and the workers' syscalls. */
export interface CitySystemReport extends StreamingReport {
  /** Redis → worker pushes and bytes in the window. */
  redis: RedisFanoutReport;
  /** The tier's workers over the window (/proc/<pid>/io): `writes` are write/writev calls, which is how they write to sockets. */
  workerIo: IoCounters;
}

/** The hot spot: Sentinel with every station dashboard on one station. */
export interface CityHotSpotReport extends CitySystemReport {
  stationId: number;
  /** Patrols of that station. */
  stationPatrols: number;
  /** Dashboards watching it (every station-level one). */
  stationDashboards: number;
}

/** The city tier's result. */
export interface CityReport {
  clients: number;
  dashboardProcesses: number;
  workers: number;
  rate: number;
  windowS: number;
  warmupS: number;
  /** Dashboards per scope level. */
  dashboards: Record<string, number>;
  /** Sentinel, Sentinel with round-robin placement, then the baselines (unless --no-baselines). */
  systems: CitySystemReport[];
  hotSpot: CityHotSpotReport | null;
}

/** What the city tier needs from the run: everything a phase does but the dashboards, which it brings. */
export type CityBase = Omit<BenchContext, "pool" | "dashboards" | "visible">;

/**
 * Runs the city tier on `stack` with `base`'s fleet and driver (`base.sharedRoles` without any dashboard
 * processes: the tier's own are added), starting and stopping each tier's servers itself.
 */
export async function runCityTier(base: CityBase, stack: TestStack, city: CityScenario, log: (line: string) => void): Promise<CityReport> {
  const pool = DashboardPool.start(city.dashboardProcesses, stack.env);
  const scenario = { ...base.scenario, clients: city.clients, dashboardProcesses: city.dashboardProcesses, workers: city.workers, windowS: city.windowS };
  const withDashboards = (dashboards: DashboardSpec[]): BenchContext => ({
    ...base,
    scenario,
    pool,
    dashboards,
    visible: visiblePatrols(dashboards, base.patrols),
    sharedRoles: [...base.sharedRoles, { name: "dashboards (load)", kind: "load", pids: pool.pids } satisfies ProcessRole],
  });
  const running: Array<{ system: RealtimeSystem; hot: boolean }> = [];
  try {
    const mix = withDashboards(chooseCityDashboards(city.clients, base.patrols));
    const systems: CitySystemReport[] = [];
    let hotSpot: CityHotSpotReport | null = null;
    // Every window on servers of its own. They all start before the first window and idle until their turn: a
    // process just started gives memory back to the OS for tens of seconds, which would hide what connections cost
    // (and compiling TypeScript in 8 new workers would take CPU from a window under way).
    const runs: Array<{ start: () => Promise<RealtimeSystem>; hot?: true }> = [
      { start: () => startSentinel(stack, city.workers) },
      ...(city.hotSpot ? [{ start: () => startSentinel(stack, city.workers), hot: true as const }] : []),
      { start: () => startSentinel(stack, city.workers, { REALTIME_PLACEMENT: "round-robin" }) },
      ...(scenario.baselines ? [{ start: () => startFirehose(stack, city.workers) }, { start: () => startSocketIo(stack, city.workers) }] : []),
    ];
    log(`city: starting ${runs.length} tiers of ${city.workers} workers each`);
    for (const run of runs) running.push({ system: await run.start(), hot: run.hot === true });
    for (const { system, hot } of running) {
      try {
        if (!hot) {
          log(`city: ${system.name}, ${city.clients} dashboards in ${city.dashboardProcesses} processes, ${scenario.rate} points/s for ${city.windowS} s`);
          systems.push(await cityWindow(mix, system, stack, log));
          continue;
        }
        const spot = busiestStation(base.patrols);
        const dashboards = chooseCityDashboards(city.clients, base.patrols, spot.stationId);
        const stationDashboards = dashboards.filter((d) => d.scope.level === "station").length;
        log(`city: ${system.name} hot spot, ${stationDashboards} of the dashboards on station ${spot.stationId} (${spot.patrols} patrols)`);
        const report = await cityWindow(withDashboards(dashboards), system, stack, log);
        hotSpot = { ...report, stationId: spot.stationId, stationPatrols: spot.patrols, stationDashboards };
      } finally {
        await system.stop();
      }
    }
    return {
      clients: city.clients,
      dashboardProcesses: city.dashboardProcesses,
      workers: city.workers,
      rate: scenario.rate,
      windowS: city.windowS,
      warmupS: scenario.warmupS,
      dashboards: levelCounts(mix.dashboards),
      systems,
      hotSpot,
    };
  } finally {
    await pool.stop();
    // Stopping is idempotent: what a failed window left running stops here.
    for (const { system } of running) await system.stop();
  }
}

/** One streaming window of `system` with `ctx`'s dashboards, with Redis → worker traffic and the workers' syscalls counted over it. */
async function cityWindow(ctx: BenchContext, system: RealtimeSystem, stack: TestStack, log: (line: string) => void): Promise<CitySystemReport> {
  const counters = new WindowCounters(system, stack);
  try {
    const report = await streamingRun(ctx, system, undefined, counters);
    const { redis, workerIo } = counters;
    if (!redis || !workerIo) throw new Error(`${system.name}: the window's counters were not read`);
    const w = report.window;
    const perFrame = (n: number) => (w.delivery.delivered ? (n / w.delivery.delivered).toFixed(2) : "–");
    log(
      `  p99 ${w.latencyMs.p99} ms, delivered ${w.delivery.delivered}/${w.delivery.expected}, Redis→worker ${perFrame(redis.messages)} messages ` +
        `and ${perFrame(redis.bytes)} bytes per frame, ${perFrame(workerIo.writes)} worker writes per frame`,
    );
    return { ...report, redis, workerIo };
  } finally {
    counters.close();
  }
}

/** Redis → worker traffic and the workers' syscalls, counted over a window (a companion of `streamingRun`). */
class WindowCounters implements WindowCompanion {
  redis: RedisFanoutReport | null = null;
  workerIo: IoCounters | null = null;
  private readonly fanout: RedisFanoutProbe;
  private readonly io: IoWindow;

  constructor(system: RealtimeSystem, stack: TestStack) {
    this.fanout = new RedisFanoutProbe(stack.redis.url, stack.redis.port, () => system.workerPids(), system.redisPatterns);
    this.io = new IoWindow(() => system.workerPids());
  }

  async start(): Promise<void> {
    await this.fanout.start();
    this.io.start();
  }

  async stop(): Promise<void> {
    this.workerIo = this.io.stop();
    this.redis = await this.fanout.stop();
  }

  /** Closes the Redis tap if the window failed before `stop()`. */
  close(): void {
    this.fanout.close();
  }
}
