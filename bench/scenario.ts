import path from "node:path";
import { parseArgs } from "node:util";

/** The city tier (bench/city-tier.ts): a whole force's dashboards against every tier on more workers. */
export interface CityScenario {
  /** Dashboards (default 10,000: 70 % station, 20 % division, 8 % zone, 1 % district, 1 % city). */
  clients: number;
  /** Processes holding them (default 4). */
  dashboardProcesses: number;
  /** Realtime workers of every tier in the city tier (default 8). */
  workers: number;
  /** Measured streaming window per tier, seconds (default 20). */
  windowS: number;
  /** Also measure Sentinel with every station dashboard on the busiest station (default yes). */
  hotSpot: boolean;
}

/** The map tier (bench/map-tier.ts): the city-wide map in Chromium with the `city` fleet reporting. */
export interface MapScenario {
  /** Vehicles put on patrol, from the `city` profile's 5,000 (default all). */
  vehicles: number;
  /** Each vehicle posts a point this often, ms (default 2,000: 5,000 vehicles are 2,500 points/s). */
  intervalMs: number;
  /** Measured window in the page, per view, seconds (default 20). */
  windowS: number;
  /** Streaming with the page open before each window, after every vehicle is on the map, seconds (default 5). */
  warmupS: number;
  /** Also measure a view zoomed in past AGGREGATE_MAX_ZOOM over a district (default yes). */
  zoomedIn: boolean;
  /**
   * Where the driver posts: "next", `POST /api/telemetry` on next start (default), or "floor", the bench's bare
   * ingestion server (the same token check, schemas and Lua script: the same frames reach the page).
   */
  ingest: "next" | "floor";
}

/** Everything a benchmark run is parameterised by. */
export interface Scenario {
  name: "default" | "quick";
  /** Vehicles put on patrol, from the seeded 1,000 (default all). */
  patrols: number;
  /** Dashboard clients (default 300). */
  clients: number;
  /** Processes holding them (default 4). */
  dashboardProcesses: number;
  /** Realtime workers of every tier under test (default 2, the machine's cores). */
  workers: number;
  /** Telemetry points per second during streaming windows (default 200). */
  rate: number;
  /** Measured streaming window per tier, seconds (default 20). */
  windowS: number;
  /** Streaming before each window, seconds (default 3). */
  warmupS: number;
  /** Wait after the last send for frames still in flight, ms (default 1000). */
  drainMs: number;
  /** Measured part of each saturating ingestion run, seconds (default 8). */
  saturationS: number;
  /** Unmeasured start of each saturating run, seconds (default 1). */
  saturationWarmupS: number;
  /** Requests in flight during single-point saturation (default 16). */
  singleConcurrency: number;
  /** Requests in flight during batch saturation (default 4). */
  batchConcurrency: number;
  /** Points per batch (default 500, the API's maximum). */
  batchSize: number;
  /** Run the firehose and Socket.IO baselines (default yes). */
  baselines: boolean;
  /** Ramp mode: raise the rate step by step until p99 > 50 ms or errors (default off). */
  ramp: boolean;
  /** Rates tried by the ramp, msg/s. */
  rampRates: number[];
  /** Length of each ramp step, seconds (default 8: enough points that one GC pause does not decide a p99). */
  rampStepS: number;
  /** Write the JSON report here instead of bench/results/ (default: bench/results/<timestamp>.json + latest.md). */
  jsonPath: string | null;
  /** Rebuild the web app even when a build exists. */
  rebuild: boolean;
  /** Write V8 CPU profiles of every server and load process into this directory (`node --cpu-prof`); default off. */
  profileDir: string | null;
  /** Run the history tier (writer throughput, lag, track API; default yes). */
  history: boolean;
  /** Points of the synthetic patrol track the history tier stores and queries (default 28,800: 8 hours at 1/s). */
  historyTrackPoints: number;
  /** Telemetry rate while the history tier samples the writer's lag (default 1,000 points/s). */
  historyLagRate: number;
  /** How long it samples (default 10 s). */
  historyLagS: number;
  /** Points per second fed straight into the history stream while the alert rules are sampled (default 2,000). */
  alertRate: number;
  /** How long they are fed (default 10 s). */
  alertS: number;
  /** The city tier: the only phase (`--city`), the last one (the full run's default) or skipped (`--quick`, `--no-city`). */
  cityTier: "only" | "last" | "off";
  /** Its settings (patrols, rate, warm-up and drain are the scenario's). */
  city: CityScenario;
  /** The map tier: the only phase (`--map`), the last one (the full run's default) or skipped (`--quick`, `--no-map`, `--city`). */
  mapTier: "only" | "last" | "off";
  /** Its settings. */
  map: MapScenario;
  /**
   * `--cluster`: the streaming tier alone (Sentinel only, the scenario's patrols, dashboards, rate and window) on one
   * Redis and then on a private 3-master Redis Cluster, with each Redis server's load (default off).
   */
  clusterTier: boolean;
}

/** Per-vehicle telemetry limit the benchmark's stack runs with: 1000/s, so the limiter never caps a measurement. */
export const BENCH_TELEMETRY_RATE_PER_SECOND = 1000;

/** p99 end-to-end latency above which a ramp step no longer counts as sustained: 50 ms. */
export const RAMP_P99_LIMIT_MS = 50;

const DEFAULT: Scenario = {
  name: "default",
  patrols: 1_000,
  clients: 300,
  dashboardProcesses: 4,
  workers: 2,
  rate: 200,
  windowS: 20,
  warmupS: 3,
  drainMs: 1_000,
  saturationS: 8,
  saturationWarmupS: 1,
  singleConcurrency: 16,
  batchConcurrency: 4,
  batchSize: 500,
  baselines: true,
  ramp: false,
  rampRates: [200, 400, 600, 800, 1_000, 1_200, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000],
  rampStepS: 8,
  jsonPath: null,
  rebuild: false,
  profileDir: null,
  history: true,
  historyTrackPoints: 28_800,
  historyLagRate: 1_000,
  historyLagS: 10,
  alertRate: 2_000,
  alertS: 10,
  cityTier: "last",
  city: { clients: 10_000, dashboardProcesses: 4, workers: 8, windowS: 20, hotSpot: true },
  mapTier: "last",
  map: { vehicles: 5_000, intervalMs: 2_000, windowS: 20, warmupS: 5, zoomedIn: true, ingest: "next" },
  clusterTier: false,
};

/** The city tier with `--quick`: a smoke test's size. */
const QUICK_CITY: CityScenario = { clients: 600, dashboardProcesses: 2, workers: 2, windowS: 3, hotSpot: true };

/** The map tier with `--quick`: a smoke test's size. */
const QUICK_MAP: MapScenario = { vehicles: 300, intervalMs: 2_000, windowS: 3, warmupS: 1, zoomedIn: true, ingest: "next" };

/** `--quick`: the same phases, shortened to finish in under a minute (the smoke test's run). */
const QUICK: Partial<Scenario> = {
  name: "quick",
  patrols: 300,
  clients: 100,
  dashboardProcesses: 2,
  windowS: 3,
  warmupS: 1,
  drainMs: 500,
  saturationS: 1.5,
  saturationWarmupS: 0.5,
  rampStepS: 3,
  historyTrackPoints: 3_600,
  historyLagRate: 200,
  historyLagS: 3,
  alertS: 3,
  cityTier: "off",
  city: QUICK_CITY,
  mapTier: "off",
  map: QUICK_MAP,
};

/** Usage text of `npm run bench`. */
export const USAGE = `Usage: npm run bench -- [--quick] [--city | --no-city] [--map | --no-map] [--cluster] [--map-ingest next|floor] [--ramp] [--json FILE] [--rate N] [--clients N] [--window S] [--no-baselines] [--no-history] [--rebuild] [--profile DIR]
  --quick         short run (< 1 min): ${QUICK.patrols} patrols, ${QUICK.clients} dashboards, ${QUICK.windowS} s windows, no city tier
  --city          the city tier only: ${DEFAULT.city.clients.toLocaleString("en-US")} dashboards (70 % station, 20 % division, 8 % zone, 1 % district, 1 % city)
                  in ${DEFAULT.city.dashboardProcesses} processes, ${DEFAULT.city.workers} realtime workers per tier, ${DEFAULT.city.windowS} s windows, plus a Sentinel hot spot;
                  with --quick: ${QUICK_CITY.clients} dashboards in ${QUICK_CITY.dashboardProcesses} processes, ${QUICK_CITY.workers} workers, ${QUICK_CITY.windowS} s windows
                  (without --city the full run ends with the city tier; --quick skips it)
  --no-city       skip the city tier
  --map           the map tier only: the city-wide map in Chromium (a fresh database seeded "city"), ${DEFAULT.map.vehicles.toLocaleString("en-US")} vehicles
                  each reporting every ${DEFAULT.map.intervalMs / 1000} s, frame gaps and long tasks over ${DEFAULT.map.windowS} s windows at city zoom and zoomed in;
                  with --quick: ${QUICK_MAP.vehicles} vehicles, ${QUICK_MAP.windowS} s windows
                  (without --map the full run ends with the map tier, after the city tier; --quick and --city skip it)
  --no-map        skip the map tier
  --cluster       the Redis Cluster tier only: Sentinel's streaming tier (${DEFAULT.patrols.toLocaleString("en-US")} patrols, ${DEFAULT.clients} dashboards, ${DEFAULT.rate} points/s,
                  ${DEFAULT.windowS} s; --rate, --clients, --window apply) on one Redis, then on a private 3-master Redis Cluster,
                  with each Redis server's commands, network output and CPU (the shards balanced within ±20 %);
                  with --quick: ${QUICK.patrols} patrols, ${QUICK.clients} dashboards, ${QUICK.windowS} s windows
  --map-ingest floor  the map tier's driver posts to the bare ingestion server (same token check, schemas and Lua
                  script as POST /api/telemetry) instead of next start, for the full rate on a small machine
  --ramp          also raise the rate until p99 > ${RAMP_P99_LIMIT_MS} ms or errors, per tier
  --json FILE     write the JSON report to FILE (default: bench/results/<timestamp>.json and latest.md)
  --rate N        streaming rate in points/s (default ${DEFAULT.rate})
  --clients N     dashboard clients (default ${DEFAULT.clients}; with --city, the city tier's)
  --window S      streaming window in seconds (default ${DEFAULT.windowS}; with --city, the city tier's; with --map, the map tier's)
  --no-baselines  skip the firehose and Socket.IO baselines
  --no-history    skip the history tier (writer throughput and lag, track API on an 8-hour track, alert rules at ${DEFAULT.alertRate} points/s)
  --rebuild       rebuild the web app first
  --profile DIR   write CPU profiles (node --cpu-prof) of every server and load process to DIR`;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number (got "${raw}").\n${USAGE}`);
  return n;
}

/** Parses the command line into a scenario; throws with the usage on a bad option. */
export function parseScenario(argv: string[]): Scenario | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      city: { type: "boolean", default: false },
      "no-city": { type: "boolean", default: false },
      map: { type: "boolean", default: false },
      cluster: { type: "boolean", default: false },
      "no-map": { type: "boolean", default: false },
      "map-ingest": { type: "string" },
      ramp: { type: "boolean", default: false },
      json: { type: "string" },
      rate: { type: "string" },
      clients: { type: "string" },
      window: { type: "string" },
      "no-baselines": { type: "boolean", default: false },
      "no-history": { type: "boolean", default: false },
      rebuild: { type: "boolean", default: false },
      profile: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return "help";
  if (values.city && values["no-city"]) throw new Error(`--city and --no-city exclude each other.\n${USAGE}`);
  if (values.map && values["no-map"]) throw new Error(`--map and --no-map exclude each other.\n${USAGE}`);
  if (values.map && values.city) throw new Error(`--map and --city each run one tier alone: run them one after the other.\n${USAGE}`);
  if (values.cluster && (values.map || values.city)) throw new Error(`--cluster runs one tier alone, as --map and --city do: run them one after the other.\n${USAGE}`);
  const base = values.quick ? { ...DEFAULT, ...QUICK } : DEFAULT;
  // --clients and --window size the tier the run is about: the city tier's with --city, the map tier's window with
  // --map, else the streaming tier's.
  const city = values.city
    ? { ...base.city, clients: Math.round(positive("clients", values.clients, base.city.clients)), windowS: positive("window", values.window, base.city.windowS) }
    : base.city;
  const ingest: string = values["map-ingest"] ?? base.map.ingest;
  if (ingest !== "next" && ingest !== "floor") throw new Error(`--map-ingest must be next or floor (got "${ingest}").\n${USAGE}`);
  const map: MapScenario = { ...base.map, ingest: ingest === "floor" ? "floor" : "next", windowS: values.map ? positive("window", values.window, base.map.windowS) : base.map.windowS };
  const alone = values.city || values.map;
  return {
    ...base,
    rate: positive("rate", values.rate, base.rate),
    clients: alone ? base.clients : Math.round(positive("clients", values.clients, base.clients)),
    windowS: alone ? base.windowS : positive("window", values.window, base.windowS),
    cityTier: values.city ? "only" : values["no-city"] || values.map || values.cluster ? "off" : base.cityTier,
    city,
    mapTier: values.map ? "only" : values["no-map"] || values.city || values.cluster ? "off" : base.mapTier,
    map,
    clusterTier: values.cluster,
    baselines: !values["no-baselines"],
    history: !values["no-history"],
    ramp: values.ramp,
    jsonPath: values.json ?? null,
    rebuild: values.rebuild,
    profileDir: values.profile === undefined ? null : path.resolve(values.profile),
  };
}
