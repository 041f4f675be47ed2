// npm run bench [-- --quick] [--city | --map | --cluster] [--ramp] [--json FILE] – Sentinel against a firehose, Socket.IO and the ingestion floor, on its own stack.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, startTestStack, type TestStack } from "../test/support/stack";
import { TEST_SECRETS } from "../test/support/secrets";
import { monotonicMs, sleep } from "../test/support/load/clock";
import { DashboardPool } from "../test/support/load/dashboards";
import { runCityTier } from "./city-tier";
import { runMapTier } from "./map-tier";
import { chooseDashboards, issueDeviceIds, levelCounts, loadOrganisation, patrolsAtNewestTs, startFleet, visiblePatrols, type BenchPatrol } from "./fleet";
import { LocalHttpClient } from "../test/support/load/http-client";
import { rampRun, saturate, streamingRun, type BenchContext, type RampReport } from "./phases";
import { SosDrill } from "./sos-drill";
import { parentOf, processTree, type ProcessRole } from "../test/support/load/proc";
import { historyTier } from "./history-tier";
import { checkTargets, cityTargets, clusterTargets, mapTargets, renderMarkdown, type BenchReport, type CityBenchReport, type ClusterBenchReport, type MachineInfo, type MapBenchReport } from "./report";
import { ShardCounters, type ClusterTierReport, type ClusterWindowReport } from "./cluster-tier";
import { startRedisCluster, type PrivateRedisCluster } from "../test/support/redis-cluster";
import { Redis } from "ioredis";
import { BENCH_TELEMETRY_RATE_PER_SECOND, parseScenario, USAGE, type Scenario } from "./scenario";
import { backendPids, SQL_STATS_FLUSH_MS, SqlWindow } from "./sql-stats";
import { sentinelSystem, startFirehose, startFloorServer, startSocketIo, type RealtimeSystem } from "./systems";
import { TelemetryDriver } from "../test/support/load/telemetry-driver";

/**
 * The team's build lock: `npm run build` runs under `flock` on it, and
 * anything serving `.next` holds it shared, so nobody rebuilds under a
 * running server.
 */
const BUILD_LOCK = "/tmp/sentinel-build.lock";
/** Routes the benchmark calls; a build without them is stale. */
const REQUIRED_ROUTES = ["/map", "/api/ping", "/api/telemetry", "/api/telemetry/batch", "/api/osmand", "/api/vehicles/token", "/api/patrols/start"];
const RESULTS_DIR = path.join(ROOT, "bench", "results");

/** True when `.next` holds a production build with every route the benchmark calls. */
function buildIsUsable(): boolean {
  const manifest = path.join(ROOT, ".next", "app-path-routes-manifest.json");
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID")) || !existsSync(manifest)) return false;
  const routes = new Set(Object.values(JSON.parse(readFileSync(manifest, "utf8")) as Record<string, string>));
  return REQUIRED_ROUTES.every((r) => routes.has(r));
}

/** Longest wait for a build in progress to release the lock: 15 minutes. */
const LOCK_WAIT_S = 900;

/**
 * True when one of our ancestors holds the build lock exclusively, as
 * `flock … npm test` does around the suite that runs this benchmark's smoke
 * test: nobody can rebuild under us then, and waiting for a shared lock would
 * wait for ourselves.
 */
function lockHeldByAncestor(fd: number): boolean {
  const inode = fstatSync(fd).ino;
  const holders = new Set<number>();
  for (const line of readFileSync("/proc/locks", "utf8").split("\n")) {
    const m = /^\d+: FLOCK\s+ADVISORY\s+WRITE\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s/i.exec(line);
    if (m && Number(m[2]) === inode) holders.add(Number(m[1]));
  }
  for (let pid: number | null = process.ppid; pid !== null && pid > 1; pid = parentOf(pid)) if (holders.has(pid)) return true;
  return false;
}

/**
 * Builds the web app when there is no usable build (or on `--rebuild`) under
 * the exclusive build lock, then takes the lock shared for the rest of this
 * process's life. `flock -s 3` locks the open file description it inherits
 * from us, so the lock stays with our descriptor after `flock` exits. Without
 * `flock` (not Linux) the benchmark runs unlocked.
 */
function holdBuild(rebuild: boolean): void {
  const flock = spawnSync("flock", ["--version"], { stdio: "ignore" }).status === 0;
  const fd = flock ? openSync(BUILD_LOCK, "a") : null;
  const ours = fd !== null && lockHeldByAncestor(fd);
  if (rebuild || !buildIsUsable()) {
    console.log("Building the web app (no usable production build)…");
    if (fd !== null && !ours) execFileSync("flock", ["-w", String(LOCK_WAIT_S), BUILD_LOCK, "npm", "run", "build"], { cwd: ROOT, stdio: "inherit" });
    else execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  }
  if (fd === null || ours) return;
  const locked = spawnSync("flock", ["-s", "-w", String(LOCK_WAIT_S), "3"], { stdio: ["ignore", "inherit", "inherit", fd] });
  if (locked.status !== 0) throw new Error(`could not take ${BUILD_LOCK} shared within ${LOCK_WAIT_S} s (is a build stuck?)`);
}

function machineInfo(): MachineInfo {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    nproc: Number(execFileSync("nproc").toString().trim()),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadavgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    calibrationMs: calibrate(),
  };
}

/**
 * How fast one core of this machine runs JavaScript now: the median of three timings of 10⁸ additions, ms. A VM's
 * host can differ several-fold from one day to the next (this one's did), so absolute rates compare only between
 * runs with similar calibrations; ratios between systems of one run compare always.
 */
function calibrate(): number {
  const times = [0, 1, 2].map(() => {
    const start = monotonicMs();
    let sum = 0;
    for (let i = 0; i < 1e8; i++) sum += i;
    if (sum < 0) throw new Error("unreachable");
    return monotonicMs() - start;
  });
  return Math.round(times.sort((a, b) => a - b)[1]!);
}

/** What every report begins with, taken when a run starts; `header()` adds the run's duration so far. */
function runStart(scenario: Scenario, command: string) {
  const startedAt = new Date();
  const started = monotonicMs();
  const machine = machineInfo();
  return {
    header: () => ({
      version: 1 as const,
      command,
      startedAt: startedAt.toISOString(),
      durationS: Math.round((monotonicMs() - started) / 1000),
      machine,
      scenario,
    }),
  };
}

function log(line: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

async function waitUntil(monotonicDeadline: number): Promise<void> {
  const left = monotonicDeadline - monotonicMs();
  if (left > 0) await sleep(left);
}

/**
 * The stack's settings for a run, and the environment every server started with the stack's environment (web,
 * realtime, baselines, floor) gets: the memory probe preloaded, and the CPU profiler with --profile.
 */
function benchEnv(scenario: Scenario) {
  const memoryDir = mkdtempSync(path.join(os.tmpdir(), "sentinel-bench-memory-"));
  const preload = (file: string) => `--import ${pathToFileURL(path.join(__dirname, file)).href}`;
  if (scenario.profileDir) mkdirSync(scenario.profileDir, { recursive: true });
  return {
    stackEnv: { TELEMETRY_RATE_PER_SECOND: String(BENCH_TELEMETRY_RATE_PER_SECOND), REALTIME_WORKERS: String(scenario.workers), LOG_LEVEL: "warn" },
    probeEnv: {
      NODE_OPTIONS: [preload("memory-probe.mjs"), ...(scenario.profileDir ? [preload("cpu-profiler.mjs")] : [])].join(" "),
      SENTINEL_BENCH_MEMORY_DIR: memoryDir,
      SENTINEL_BENCH_PROFILE_DIR: scenario.profileDir ?? undefined,
    },
    memoryDir,
  };
}

/** Ctrl-C or a kill: never leave the servers (each in its own process group) behind. Returns what removes the handlers again. */
function stopOnSignal(stop: () => Promise<void>): () => void {
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the stack`);
    void stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  return () => {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  };
}

/**
 * Puts the scenario's patrols on the road through the vehicle API, each vehicle with an OsmAnd device id (unless
 * `deviceIds` is false: the cluster tier posts with tokens only).
 */
async function startBenchFleet(stack: TestStack, scenario: Scenario, web: LocalHttpClient, deviceIds = true): Promise<{ stations: number; patrols: BenchPatrol[] }> {
  const org = await loadOrganisation(stack.databaseUrl);
  // Every n-th vehicle, so a smaller fleet still spans the whole organisation.
  const vehicles = org.vehicles.filter((_, i) => i % Math.max(1, Math.floor(org.vehicles.length / scenario.patrols)) === 0).slice(0, scenario.patrols);
  const password = stack.env.DEMO_PASSWORD ?? TEST_SECRETS.DEMO_PASSWORD;
  const redisPrefix = stack.env.REDIS_PREFIX ?? "";
  log(`starting ${vehicles.length} patrols through the vehicle API${deviceIds ? ", each vehicle with an OsmAnd device id" : ""}`);
  const started = await startFleet(web, password, org.stations, vehicles);
  // Phones as units: every vehicle also gets an OsmAnd device id (SQL, so before the window).
  const patrols = deviceIds ? await issueDeviceIds(stack.databaseUrl, stack.redis.url, redisPrefix, started) : started;
  return { stations: org.stations.size, patrols };
}

/**
 * The stack's processes charged in every window — web, Redis (`cluster`'s masters when given), PostgreSQL backends —
 * and the driver (this process).
 */
async function stackRoles(stack: TestStack, cluster?: PrivateRedisCluster): Promise<{ web: ProcessRole; redis: ProcessRole; driver: ProcessRole; all: ProcessRole[] }> {
  const web: ProcessRole = { name: "web (next start)", kind: "backend", pids: processTree(stack.web.child.pid!) };
  const redis: ProcessRole = { name: "redis-server", kind: "backend", pids: cluster ? cluster.masters.map((m) => m.child.pid!) : [stack.redis.child.pid!] };
  const driver: ProcessRole = { name: "driver (load)", kind: "load", pids: [process.pid] };
  return { web, redis, driver, all: [web, redis, { name: "postgres backends", kind: "backend", pids: await backendPids(stack.databaseUrl) }, driver] };
}

/** `npm run bench -- --city`: the city tier alone, on a stack without a sidecar of its own (the tier starts its tiers). */
async function runCityBenchmark(scenario: Scenario, command: string): Promise<CityBenchReport> {
  const run = runStart(scenario, command);
  const { stackEnv, probeEnv, memoryDir } = benchEnv(scenario);
  log('starting a private stack (database seeded "bench", redis-server, next start)');
  const stack = await startTestStack({ label: "bench", seedProfile: "bench", secrets: TEST_SECRETS, env: { ...stackEnv, ...probeEnv } });
  const web = new LocalHttpClient(stack.baseUrl);
  const stopEverything = async () => {
    web.close();
    await stack.stop();
    rmSync(memoryDir, { recursive: true, force: true });
  };
  const removeSignalHandlers = stopOnSignal(stopEverything);
  try {
    const { stations, patrols } = await startBenchFleet(stack, scenario, web);
    const roles = await stackRoles(stack);
    const driver = new TelemetryDriver(stack.baseUrl, { patrols });
    const city = await runCityTier({ scenario, web, driver, patrols, sharedRoles: roles.all, memoryDir }, stack, scenario.city, log);
    return {
      ...run.header(),
      stackEnv: { TELEMETRY_RATE_PER_SECOND: stackEnv.TELEMETRY_RATE_PER_SECOND, REALTIME_WORKERS: String(scenario.city.workers) },
      fleet: { stations, patrols: patrols.length, dashboards: city.dashboards, dashboardProcesses: scenario.city.dashboardProcesses },
      city,
      targets: cityTargets(city),
    };
  } finally {
    removeSignalHandlers();
    await stopEverything();
  }
}

/** `npm run bench -- --cluster`: the streaming tier on one Redis, then alike on a private 3-master Redis Cluster. */
async function runClusterBenchmark(scenario: Scenario, command: string): Promise<ClusterBenchReport> {
  const run = runStart(scenario, command);
  const single = await clusterTierWindow(scenario, null);
  log("starting a private Redis Cluster (3 masters, no replicas)");
  const cluster = await startRedisCluster({ masters: 3 });
  let sharded: ClusterWindowReport & { stations: number; patrols: number; dashboards: Record<string, number> };
  try {
    sharded = await clusterTierWindow(scenario, cluster);
  } finally {
    await cluster.stop();
  }
  const tier: ClusterTierReport = { masters: cluster.masters.length, single, cluster: sharded };
  return {
    ...run.header(),
    stackEnv: { TELEMETRY_RATE_PER_SECOND: String(BENCH_TELEMETRY_RATE_PER_SECOND), REALTIME_WORKERS: String(scenario.workers) },
    fleet: { stations: sharded.stations, patrols: sharded.patrols, dashboards: sharded.dashboards, dashboardProcesses: scenario.dashboardProcesses },
    cluster: tier,
    targets: clusterTargets(tier),
  };
}

/**
 * One window of the cluster tier: a fresh stack (web and realtime) on one Redis (`cluster` null) or on `cluster`, the
 * scenario's fleet and dashboards, Sentinel streaming, and each Redis server's load over the window.
 */
async function clusterTierWindow(
  scenario: Scenario,
  cluster: PrivateRedisCluster | null,
): Promise<ClusterWindowReport & { stations: number; patrols: number; dashboards: Record<string, number> }> {
  const { stackEnv, probeEnv, memoryDir } = benchEnv(scenario);
  const where = cluster ? `Redis Cluster of ${cluster.masters.length} masters` : "one redis-server";
  log(`starting a private stack on ${where} (database seeded "bench", next start, realtime ×${scenario.workers})`);
  const stack = await startTestStack({
    label: "bench",
    seedProfile: "bench",
    secrets: TEST_SECRETS,
    // The single-Redis window never inherits a cluster from the caller's environment.
    env: { ...stackEnv, ...probeEnv, REDIS_CLUSTER_NODES: cluster ? cluster.nodes : "" },
    realtime: true,
  });
  const pool = DashboardPool.start(scenario.dashboardProcesses, stack.env);
  const web = new LocalHttpClient(stack.baseUrl);
  const stopEverything = async () => {
    web.close();
    await pool.stop();
    await stack.stop();
    rmSync(memoryDir, { recursive: true, force: true });
  };
  const removeSignalHandlers = stopOnSignal(stopEverything);
  try {
    const { stations, patrols } = await startBenchFleet(stack, scenario, web, false);
    const dashboards = chooseDashboards(scenario.clients, patrols);
    const roles = await stackRoles(stack, cluster ?? undefined);
    const ctx: BenchContext = {
      scenario,
      web,
      driver: new TelemetryDriver(stack.baseUrl, { patrols }),
      pool,
      patrols,
      dashboards,
      visible: visiblePatrols(dashboards, patrols),
      sharedRoles: [...roles.all, { name: "dashboards (load)", kind: "load", pids: pool.pids }],
      memoryDir,
    };
    const sentinel = await sentinelSystem(stack, scenario.workers);
    const nodes = cluster ? cluster.masters.map((m) => `127.0.0.1:${m.port}`) : [`127.0.0.1:${stack.redis.port}`];
    const slots = cluster ? await slotCounts(cluster) : new Map<string, number>();
    const counters = new ShardCounters(nodes, (node) => slots.get(node) ?? 16_384);
    try {
      log(`${where}: ${dashboards.length} dashboards, ${scenario.rate} points/s for ${scenario.windowS} s`);
      const streaming = await streamingRun(ctx, sentinel, undefined, counters);
      const w = streaming.window;
      log(`  p99 ${w.latencyMs.p99} ms, delivered ${w.delivery.delivered}/${w.delivery.expected}`);
      return { redis: cluster ? "cluster" : "single", streaming, shards: counters.result ?? [], stations, patrols: patrols.length, dashboards: levelCounts(dashboards) };
    } finally {
      counters.close();
    }
  } finally {
    removeSignalHandlers();
    await stopEverything();
  }
}

/** Hash slots each master of `cluster` serves, by "host:port" (CLUSTER SLOTS asked of its first master). */
async function slotCounts(cluster: PrivateRedisCluster): Promise<Map<string, number>> {
  const redis = new Redis({ port: cluster.masters[0]!.port, lazyConnect: true });
  await redis.connect();
  try {
    const counts = new Map<string, number>();
    for (const [from, to, master] of await redis.cluster("SLOTS")) {
      const node = `127.0.0.1:${master![1]}`;
      counts.set(node, (counts.get(node) ?? 0) + to - from + 1);
    }
    return counts;
  } finally {
    redis.disconnect();
  }
}

/** `npm run bench -- --map`: the map tier alone, on a stack of its own (seeded "city"). */
async function runMapBenchmark(scenario: Scenario, command: string): Promise<MapBenchReport> {
  const run = runStart(scenario, command);
  const map = await runMapTier(scenario.map, log, scenario.profileDir);
  return {
    ...run.header(),
    stackEnv: { TELEMETRY_RATE_PER_SECOND: String(BENCH_TELEMETRY_RATE_PER_SECOND), REALTIME_WORKERS: "2" },
    fleet: { stations: map.stations, patrols: map.vehicles, dashboards: { city: 1 }, dashboardProcesses: 0 },
    map,
    targets: mapTargets(map),
  };
}

/** The full run: every phase on a fresh stack, then (unless skipped) the map tier on a stack of its own. */
async function runFullBenchmark(scenario: Scenario, command: string): Promise<BenchReport> {
  const started = monotonicMs();
  const report = await runBenchmark(scenario, command);
  if (scenario.mapTier !== "last") return report;
  const map = await runMapTier(scenario.map, log, scenario.profileDir);
  return { ...report, durationS: Math.round((monotonicMs() - started) / 1000), map, targets: [...report.targets, ...mapTargets(map)] };
}

/** Runs every phase on a fresh stack and returns the report (the map tier, on a stack of its own, follows it). */
async function runBenchmark(scenario: Scenario, command: string): Promise<BenchReport> {
  const run = runStart(scenario, command);
  const { stackEnv, probeEnv, memoryDir } = benchEnv(scenario);
  log(`starting a private stack (database seeded "bench", redis-server, next start, realtime ×${scenario.workers})`);
  const stack: TestStack = await startTestStack({ label: "bench", seedProfile: "bench", secrets: TEST_SECRETS, env: { ...stackEnv, ...probeEnv }, realtime: true });
  const pool = DashboardPool.start(scenario.dashboardProcesses, stack.env);
  const web = new LocalHttpClient(stack.baseUrl);
  // The baselines start now, next to the fleet, and idle without subscriptions until their turn; by then V8 has
  // collected their start-up garbage as it has the sidecar's, so the tiers' RSS deltas compare like with like.
  const baselineServers = scenario.baselines
    ? Promise.all([startFirehose(stack, scenario.workers), startSocketIo(stack, scenario.workers)])
    : Promise.resolve(null);
  // Awaited when their turn comes; a failure to start is reported there, not as an unhandled rejection now.
  baselineServers.catch(() => undefined);
  const stopEverything = async () => {
    web.close();
    await pool.stop();
    for (const system of (await baselineServers.catch(() => null)) ?? []) await system.stop();
    await stack.stop();
    rmSync(memoryDir, { recursive: true, force: true });
  };
  const removeSignalHandlers = stopOnSignal(stopEverything);
  try {
    const { stations, patrols } = await startBenchFleet(stack, scenario, web);
    const password = stack.env.DEMO_PASSWORD ?? TEST_SECRETS.DEMO_PASSWORD;
    const redisPrefix = stack.env.REDIS_PREFIX ?? "";
    // The last SQL the benchmark causes until the window: statistics must flush before the window opens.
    const sqlQuietFrom = monotonicMs();
    const dashboards = chooseDashboards(scenario.clients, patrols);
    const roles = await stackRoles(stack);
    const { web: webRole, redis: redisRole, driver: driverRole } = roles;
    const sharedRoles: ProcessRole[] = [...roles.all, { name: "dashboards (load)", kind: "load", pids: pool.pids }];
    const ctx: BenchContext = { scenario, web, driver: new TelemetryDriver(stack.baseUrl, { patrols }), pool, patrols, dashboards, visible: visiblePatrols(dashboards, patrols), sharedRoles, memoryDir };
    const sentinel = await sentinelSystem(stack, scenario.workers);
    const [firehose, socketio] = (await baselineServers) ?? [null, null];
    const stream = (system: RealtimeSystem, beforeWindow?: () => Promise<void>) => {
      log(`${system.name}: ${dashboards.length} dashboards, ${scenario.rate} points/s for ${scenario.windowS} s`);
      return streamingRun(ctx, system, beforeWindow);
    };
    const streamThenStop = async (system: RealtimeSystem) => {
      try {
        return await stream(system);
      } finally {
        await system.stop();
      }
    };

    // The firehose goes first: it fills the wait for the fleet's SQL statistics to flush.
    const firehoseReport = firehose ? await streamThenStop(firehose) : null;

    // SQL is counted from here to the end of the last phase that sends telemetry through Next.
    const sql = new SqlWindow(stack.databaseUrl);
    let webPointsBefore = 0;
    let osmandPointsBefore = 0;
    const sentinelReport = await stream(sentinel, async () => {
      await waitUntil(sqlQuietFrom + SQL_STATS_FLUSH_MS);
      await sql.start();
      webPointsBefore = ctx.driver.acceptedPoints(web);
      osmandPointsBefore = ctx.driver.acceptedOsmandPoints(web);
    });

    log("ingestion through Next: single points (vehicle API, then OsmAnd) and 500-point batches");
    const ingestRoles = [webRole, redisRole, driverRole];
    const nextSingle = await saturate(ctx, "POST /api/telemetry", ingestRoles, scenario.singleConcurrency, () => ctx.driver.point(web));
    const nextOsmand = await saturate(ctx, "GET /api/osmand", ingestRoles, scenario.singleConcurrency, () => ctx.driver.osmand(web));
    // Before the batches move every patrol on: the newest point of each is now its last OsmAnd one.
    const osmandNewestLive = await patrolsAtNewestTs(stack.redis.url, redisPrefix, patrols, ctx.driver.lastTimestamps());
    const nextBatch = await saturate(ctx, "POST /api/telemetry/batch", ingestRoles, scenario.batchConcurrency, () => ctx.driver.batch(web, scenario.batchSize));

    const socketioReport = socketio ? await streamThenStop(socketio) : null;
    const lastWebTelemetry = monotonicMs();
    const webPoints = ctx.driver.acceptedPoints(web) - webPointsBefore;
    const osmandPoints = ctx.driver.acceptedOsmandPoints(web) - osmandPointsBefore;

    // Nothing in the floor phase can reach PostgreSQL: it fills the wait before the SQL counters are read again.
    log("floors: GET /api/ping and the bare node:http ingestion server");
    const nextPing = await saturate(ctx, "GET /api/ping", [webRole, redisRole, driverRole], scenario.singleConcurrency, async () => {
      const outcome = await web.request("GET", "/api/ping");
      return { outcome, ok: outcome.status === 204, units: 1 };
    });
    const floor = await startFloorServer(stack);
    const floorClient = new LocalHttpClient(floor.baseUrl);
    const floorRoles: ProcessRole[] = [{ name: "floor server", kind: "backend", pids: floor.pids }, redisRole, driverRole];
    let floorSingle, floorBatch;
    try {
      floorSingle = await saturate(ctx, "floor single", floorRoles, scenario.singleConcurrency, () => ctx.driver.point(floorClient));
      floorBatch = await saturate(ctx, "floor batch", floorRoles, scenario.batchConcurrency, () => ctx.driver.batch(floorClient, scenario.batchSize));
    } finally {
      floorClient.close();
      await floor.stop();
    }
    await waitUntil(lastWebTelemetry + SQL_STATS_FLUSH_MS);
    const sqlDelta = await sql.stop();

    // The control room: SOS presses in a Sentinel window of its own, after the SQL window closed (each press
    // writes an alert, which the "0 SQL per telemetry point" window must not see).
    log(`control room: ${dashboards.length} dashboards, ${scenario.rate} points/s for ${scenario.windowS} s, an SOS a second`);
    const drill = new SosDrill(ctx, stack.baseUrl);
    const controlRoom = await streamingRun(ctx, sentinel, () => drill.warmUp(), drill);
    const sos = { window: controlRoom.window, ...(await drill.finish("admin@sentinel.local", password)) };
    log(`  SOS → ALERT p99 ${sos.latencyMs.p99.toFixed(2)} ms, delivered ${sos.delivered}/${sos.expected}, ${sos.resolved} resolved`);

    let ramp: RampReport[] | null = null;
    if (scenario.ramp) {
      log("ramp: Sentinel");
      ramp = [await rampRun(ctx, sentinel)];
      if (scenario.baselines) {
        for (const start of [startFirehose, startSocketIo]) {
          const system = await start(stack, scenario.workers);
          try {
            log(`ramp: ${system.name}`);
            ramp.push(await rampRun(ctx, system));
          } finally {
            await system.stop();
          }
        }
      }
    }
    const streaming = [sentinelReport, ...(firehoseReport ? [firehoseReport] : []), ...(socketioReport ? [socketioReport] : [])];

    // Last: its writer inserts rows, which the SQL window above must not see.
    const history = scenario.history
      ? await historyTier(ctx, stack, {
          trackPoints: scenario.historyTrackPoints,
          lagRate: scenario.historyLagRate,
          lagS: scenario.historyLagS,
          alertRate: scenario.alertRate,
          alertS: scenario.alertS,
          log,
          roles: [redisRole, driverRole],
        })
      : null;

    // Last: thousands of dashboards on more workers, with every tier started afresh.
    const city = scenario.cityTier === "last" ? await runCityTier({ ...ctx, sharedRoles: roles.all }, stack, scenario.city, log) : null;

    const partial: Omit<BenchReport, "targets"> = {
      ...run.header(),
      stackEnv: { TELEMETRY_RATE_PER_SECOND: stackEnv.TELEMETRY_RATE_PER_SECOND, REALTIME_WORKERS: stackEnv.REALTIME_WORKERS },
      fleet: { stations, patrols: patrols.length, dashboards: levelCounts(dashboards), dashboardProcesses: scenario.dashboardProcesses },
      streaming,
      sql: { ...sqlDelta, points: webPoints, osmandPoints, transactionsPerPoint: webPoints ? sqlDelta.transactions / webPoints : 0 },
      ingestion: { nextSingle, nextOsmand, nextBatch, nextPing, floorSingle, floorBatch },
      osmand: {
        vsTelemetry: nextSingle.acceptedPerS ? nextOsmand.acceptedPerS / nextSingle.acceptedPerS : 0,
        patrols: patrols.length,
        newestLive: osmandNewestLive,
      },
      ramp,
      sos,
      history,
      city,
      map: null,
    };
    return { ...partial, targets: [...checkTargets(partial), ...(city ? cityTargets(city) : [])] };
  } finally {
    removeSignalHandlers();
    await stopEverything();
  }
}

async function main(): Promise<void> {
  const scenario = parseScenario(process.argv.slice(2));
  if (scenario === "help") return console.log(USAGE);
  holdBuild(scenario.rebuild);
  const command = ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  const report =
    scenario.clusterTier
      ? await runClusterBenchmark(scenario, command)
      : scenario.cityTier === "only"
      ? await runCityBenchmark(scenario, command)
      : scenario.mapTier === "only"
        ? await runMapBenchmark(scenario, command)
        : await runFullBenchmark(scenario, command);
  const markdown = renderMarkdown(report);
  if (scenario.jsonPath) {
    writeFileSync(scenario.jsonPath, JSON.stringify(report, null, 2));
  } else {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `${report.startedAt.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2));
    writeFileSync(path.join(RESULTS_DIR, "latest.md"), markdown);
    console.log(`\nWrote ${path.relative(ROOT, file)} and bench/results/latest.md`);
  }
  console.log(`\n${markdown}`);
  // Load processes and sockets are gone; exit even if a library left a timer behind.
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
