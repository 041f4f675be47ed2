import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Page } from "@playwright/test";
import { AGGREGATE_MAX_ZOOM } from "../components/map/unit-aggregates";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../e2e/chromium";
import { signIn } from "../scripts/simulator/sign-in";
import { startTestStack, type TestStack } from "../test/support/stack";
import { TEST_SECRETS } from "../test/support/secrets";
import { monotonicMs, sleep } from "../test/support/load/clock";
import { LocalHttpClient } from "../test/support/load/http-client";
import { childrenOf, commandLine, CpuWindow, processTree, type ProcessRole } from "../test/support/load/proc";
import { TelemetryDriver } from "../test/support/load/telemetry-driver";
import { loadOrganisation, startFleet, type BenchPatrol } from "./fleet";
import { runPaced, type PacedResult } from "./load-shapes";
import type { MapScenario } from "./scenario";
import { BENCH_TELEMETRY_RATE_PER_SECOND } from "./scenario";
import { startFloorServer } from "./systems";
import { percentiles, type Percentiles } from "./stats";

/**
 * The map tier (issue #14, item 5): the city-wide map in Chromium with a metropolitan fleet reporting. A fresh
 * database seeded `city` (2,016 stations, 5,000 vehicles), a private redis-server, `next start` and the realtime
 * sidecar; every vehicle on patrol through the vehicle API; the city-wide admin's map open in Chromium; a driver
 * posting one point per vehicle every `intervalMs` through `POST /api/telemetry` (or, with `ingest: "floor"`, the
 * bench's bare ingestion server: the same token check, schemas and Lua script, so the same frames on the same
 * channels, at rates `next start` cannot reach on a small machine). In the page, over each window:
 * the gaps between animation frames (what a user sees as stutter) and long tasks (PerformanceObserver), the units
 * in the page's store and what the map draws — at city zoom (aggregates), then zoomed in over a district (markers).
 *
 * When the stack cannot accept a point per vehicle every interval, the driver keeps the interval and drives fewer
 * vehicles: as many as the rate the stack accepted while every vehicle reported once (with the page open) allows,
 * less a tenth of headroom. The report says how many and at what rate.
 */

/** The window the map is shown in: 1366 × 768, a common laptop screen (the README's city screenshot's). */
const VIEWPORT = { width: 1366, height: 768 };
/** Longest wait for every vehicle to reach the page's store after each reported once: 120 s. */
const ON_MAP_TIMEOUT_MS = 120_000;
/** The first round kept pace when the stack accepted this share of the planned rate (0.95), answers' drain included. */
const KEPT_PACE = 0.95;
/** Share of the accepted rate the driver plans for when the stack could not keep pace (0.9). */
const HEADROOM = 0.9;
/** The seeded city-wide admin. */
const ADMIN_EMAIL = "admin@sentinel.local";

/** The driver over one window. */
export interface MapDriverReport {
  /** Vehicles posting a point every interval (all of them unless the stack could not accept that rate). */
  vehicles: number;
  /** Points per second planned: vehicles / interval. */
  targetRate: number;
  paced: PacedResult;
  /** Points accepted (202) in the window, and per second. */
  accepted: number;
  acceptedPerS: number;
  errors: Record<string, number>;
}

/** What the page measured over one window. */
export interface MapWindowReport {
  /** "city": the map as it opens (every station in view, aggregates); "district": zoomed in past the aggregates. */
  view: "city" | "district";
  zoom: number;
  seconds: number;
  /** Gaps between consecutive requestAnimationFrame callbacks, ms. */
  frameGapMs: Percentiles;
  /** Long tasks (≥ 50 ms on the main thread) that ended in the window. */
  longTasks: { count: number; maxMs: number; totalMs: number };
  /** Frames from the sidecar applied to the store in the window, and the store updates (one per animation frame at most) they came in. */
  framesApplied: number;
  storeUpdates: number;
  /** Patrols in the page's store with a position, at the window's end, and how many there should be. */
  unitsOnMap: number;
  unitsExpected: number;
  /** Aggregates and vehicle markers the map drew at the window's end. */
  aggregates: number;
  markers: number;
  driver: MapDriverReport;
  /** CPU seconds per process group over the window (Chromium: the browser and every renderer). */
  cpu: { roles: Array<{ name: string; cpuS: number }>; machineBusyS: number; wallS: number };
  /** 1-minute load average at the window's start. */
  loadavg1: number;
}

/** The map tier's result. */
export interface MapReport {
  stations: number;
  vehicles: number;
  intervalMs: number;
  windowS: number;
  warmupS: number;
  /** Every vehicle's first point, with the page open: the rate the stack accepted, and how long until the page held them all. */
  firstRound: { points: number; accepted: number; acceptedPerS: number; seconds: number; allOnMapS: number };
  /** Vehicles driven every interval in the windows. */
  drivenVehicles: number;
  /** Where the driver posted: `POST /api/telemetry` on next start, or the bare ingestion server. */
  ingest: MapScenario["ingest"];
  windows: MapWindowReport[];
}

/** `npm run bench -- --map`'s stack: everything but the browser, stopped by `stop()`. */
interface MapStack {
  stack: TestStack;
  web: LocalHttpClient;
  /** Where the driver posts telemetry: the web server, or the bare ingestion server (`MapScenario.ingest`). */
  ingest: LocalHttpClient;
  patrols: BenchPatrol[];
  stations: Array<{ lat: number; lon: number; districtId: number }>;
}

/**
 * Runs the map tier on a stack of its own, stopping everything it started (also on failure). With `profileDir`, also
 * writes a CPU profile of the page over each window there (`chromium-<view>.cpuprofile`).
 */
export async function runMapTier(map: MapScenario, log: (line: string) => void, profileDir: string | null = null): Promise<MapReport> {
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  log('map: starting a private stack (database seeded "city", redis-server, next start, realtime ×2)');
  const stack = await startTestStack({
    label: "bench_map",
    seedProfile: "city",
    secrets: TEST_SECRETS,
    env: { TELEMETRY_RATE_PER_SECOND: String(BENCH_TELEMETRY_RATE_PER_SECOND), LOG_LEVEL: "warn" },
    realtime: true,
  });
  const web = new LocalHttpClient(stack.baseUrl);
  let browser: Awaited<ReturnType<typeof chromium.launch>> | null = null;
  let floor: Awaited<ReturnType<typeof startFloorServer>> | null = null;
  let ingest = web;
  const stopAll = async () => {
    await browser?.close().catch(() => undefined);
    if (ingest !== web) ingest.close();
    web.close();
    await floor?.stop();
    await stack.stop();
  };
  const interrupted = () => void stopAll().finally(() => process.exit(130));
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const org = await loadOrganisation(stack.databaseUrl);
    // Every n-th vehicle, so a smaller fleet still spans the whole city.
    const vehicles = org.vehicles.filter((_, i) => i % Math.max(1, Math.floor(org.vehicles.length / map.vehicles)) === 0).slice(0, map.vehicles);
    log(`map: starting ${vehicles.length} patrols through the vehicle API`);
    const patrols = await startFleet(web, stack.env.DEMO_PASSWORD ?? TEST_SECRETS.DEMO_PASSWORD, org.stations, vehicles);
    if (map.ingest === "floor") {
      log("map: starting the bare ingestion server (the same token check, schemas and Lua script as POST /api/telemetry)");
      floor = await startFloorServer(stack);
      ingest = new LocalHttpClient(floor.baseUrl);
    }
    const ctx: MapStack = { stack, web, ingest, patrols, stations: [...org.stations.values()] };

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({ viewport: VIEWPORT });
    const cookie = await signIn(stack.baseUrl, ADMIN_EMAIL, stack.env.DEMO_PASSWORD ?? TEST_SECRETS.DEMO_PASSWORD);
    await context.addCookies(cookie.split("; ").map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1), url: stack.baseUrl })));
    // tsx compiles this file keeping function names through a `__name` helper, which the functions handed to
    // page.evaluate then call in the page: give the page one.
    await context.addInitScript({ content: "globalThis.__name ??= (fn) => fn;" });
    const page = await context.newPage();
    log("map: opening the city-wide map in Chromium as the city-wide admin");
    await page.goto(`${stack.baseUrl}/map`);
    await page.locator('[data-testid="connection-status"][data-status="live"]').waitFor({ timeout: 60_000 });
    await page.locator(".live-map.leaflet-container").waitFor();
    await page.waitForFunction((n) => (window.__sentinelFleet?.getState().patrols.size ?? 0) >= n, patrols.length, { timeout: 60_000 });

    // Playwright's launch is our child; the Debian launcher script execs the real binary (/usr/lib/chromium/chromium) in its place.
    const chromiumRole = (): ProcessRole => ({
      name: "chromium",
      kind: "load",
      pids: childrenOf(process.pid).filter((pid) => /chrom/i.test(path.basename(commandLine(pid).split(" ")[0] ?? ""))).flatMap((pid) => processTree(pid)),
    });
    const roles = (): ProcessRole[] => [
      chromiumRole(),
      { name: "web (next start)", kind: "backend", pids: processTree(stack.web.child.pid!) },
      ...(floor ? [{ name: "ingestion server", kind: "backend" as const, pids: floor.pids }] : []),
      { name: "realtime", kind: "tier", pids: processTree(stack.realtime!.child.pid!) },
      { name: "redis-server", kind: "backend", pids: [stack.redis.child.pid!] },
      { name: "driver (load)", kind: "load", pids: [process.pid] },
    ];

    const firstRound = await reportEveryVehicleOnce(ctx, page, map, log);
    const driven = drivenVehicles(patrols.length, firstRound.acceptedPerS, map.intervalMs);
    if (driven < patrols.length) {
      log(`map: the stack accepted ${firstRound.acceptedPerS} points/s, so ${driven} of ${patrols.length} vehicles report every ${map.intervalMs / 1000} s (the rest stay on the map, still)`);
    }
    // Spread over the whole city, as the full fleet is.
    const step = patrols.length / driven;
    const drivenPatrols = Array.from({ length: driven }, (_, i) => patrols[Math.floor(i * step)]!);
    const driver = new TelemetryDriver(stack.baseUrl, { patrols: drivenPatrols });
    try {
      const windows: MapWindowReport[] = [];
      const zoom = await page.evaluate(() => window.__sentinelMap!.getZoom());
      log(`map: city view (zoom ${zoom}), ${driven} vehicles every ${map.intervalMs / 1000} s: ${map.warmupS} s warm-up, ${map.windowS} s window`);
      windows.push(await measuredWindow(ctx, page, { driver, vehicles: driven }, map, "city", roles, profileDir));
      logWindow(windows.at(-1)!, log);
      if (map.zoomedIn) {
        const district = busiestDistrictCentre(ctx);
        await page.evaluate(
          ({ at, z }) => void window.__sentinelMap!.setView(at, z, { animate: false }),
          { at: district, z: AGGREGATE_MAX_ZOOM + 1 },
        );
        await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("#live-map")?.dataset.markers ?? 0) > 0, undefined, { timeout: 30_000 });
        log(`map: zoomed in over the busiest district (zoom ${AGGREGATE_MAX_ZOOM + 1}): ${map.warmupS} s warm-up, ${map.windowS} s window`);
        windows.push(await measuredWindow(ctx, page, { driver, vehicles: driven }, map, "district", roles, profileDir));
        logWindow(windows.at(-1)!, log);
      }
      return {
        stations: org.stations.size,
        vehicles: patrols.length,
        intervalMs: map.intervalMs,
        windowS: map.windowS,
        warmupS: map.warmupS,
        firstRound,
        drivenVehicles: driven,
        ingest: map.ingest,
        windows,
      };
    } finally {
      await driver.stop();
    }
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await stopAll();
  }
}

/**
 * How many vehicles can report every `intervalMs`: all of them when the stack kept pace with every vehicle's first
 * point (`KEPT_PACE` of the planned rate), else as many as the accepted rate allows with `HEADROOM`.
 */
export function drivenVehicles(vehicles: number, acceptedPerS: number, intervalMs: number): number {
  const planned = (vehicles * 1000) / intervalMs;
  if (acceptedPerS >= planned * KEPT_PACE) return vehicles;
  return Math.max(1, Math.min(vehicles, Math.floor((acceptedPerS * HEADROOM * intervalMs) / 1000)));
}

/** Patrols in the page's store with a position (what the map has to show). */
function unitsOnMap(page: Page): Promise<number> {
  return page.evaluate(() => [...(window.__sentinelFleet?.getState().patrols.values() ?? [])].filter((p) => p.last).length);
}

/**
 * Every vehicle posts one point, at the planned rate (vehicles / interval), with the page open; resolves once the
 * page's store holds every one. The rate the stack accepted meanwhile sizes the driven fleet.
 */
async function reportEveryVehicleOnce(ctx: MapStack, page: Page, map: MapScenario, log: (line: string) => void): Promise<MapReport["firstRound"]> {
  const { patrols, stack, ingest } = ctx;
  const rate = (patrols.length * 1000) / map.intervalMs;
  log(`map: every vehicle reports once (${patrols.length} points at ${rate} points/s) until the page holds them all`);
  const driver = new TelemetryDriver(stack.baseUrl, { patrols });
  try {
    const started = monotonicMs();
    const paced = await runPaced(rate, patrols.length / rate, () => driver.point(ingest));
    // The paced loop may end a send or two short of its last due one: the round-robin goes on with the patrols left.
    for (let sent = paced.sent; sent < patrols.length; sent++) await driver.point(ingest);
    const seconds = (monotonicMs() - started) / 1000;
    const accepted = driver.acceptedPoints(ingest);
    if (accepted < patrols.length) throw new Error(`map: only ${accepted} of the ${patrols.length} vehicles' first points were accepted`);
    const deadline = started + ON_MAP_TIMEOUT_MS;
    let onMap = await unitsOnMap(page);
    while (onMap < patrols.length) {
      if (monotonicMs() > deadline) throw new Error(`map: ${onMap} of ${patrols.length} vehicles reached the page's store within ${ON_MAP_TIMEOUT_MS / 1000} s`);
      await sleep(200);
      onMap = await unitsOnMap(page);
    }
    return { points: Math.max(paced.sent, patrols.length), accepted, acceptedPerS: round1(accepted / seconds), seconds: round1(seconds), allOnMapS: round1((monotonicMs() - started) / 1000) };
  } finally {
    await driver.stop();
  }
}

/** The page's side of a window: collected in the page, returned at its end. */
interface PageWindow {
  gaps: number[];
  longTasks: number[];
  framesApplied: number;
  storeUpdates: number;
  unitsOnMap: number;
  aggregates: number;
  markers: number;
  zoom: number;
}

/**
 * Streams `map.warmupS` seconds, then `map.windowS` seconds while the page records every animation frame's gap and
 * every long task. The driver is paced open loop, so a slow answer does not slow the schedule.
 */
async function measuredWindow(
  ctx: MapStack,
  page: Page,
  driven: { driver: TelemetryDriver; vehicles: number },
  map: MapScenario,
  view: MapWindowReport["view"],
  roles: () => ProcessRole[],
  profileDir: string | null,
): Promise<MapWindowReport> {
  const { driver, vehicles } = driven;
  const rate = (vehicles * 1000) / map.intervalMs;
  await runPaced(rate, map.warmupS, () => driver.point(ctx.ingest));
  const loadavg1 = round1(os.loadavg()[0]!);
  const cpu = new CpuWindow(roles());
  driver.startRecording();
  cpu.start();
  const profiler = profileDir ? await page.context().newCDPSession(page) : null;
  if (profiler) {
    await profiler.send("Profiler.enable");
    await profiler.send("Profiler.start");
  }
  const [measured, paced] = await Promise.all([page.evaluate(recordWindow, map.windowS * 1000), runPaced(rate, map.windowS, () => driver.point(ctx.ingest))]);
  const usage = cpu.stop();
  if (profiler && profileDir) {
    const { profile } = await profiler.send("Profiler.stop");
    writeFileSync(path.join(profileDir, `chromium-${view}.cpuprofile`), JSON.stringify(profile));
    await profiler.detach();
  }
  const { tally } = driver.stopRecording();
  return {
    view,
    zoom: measured.zoom,
    seconds: map.windowS,
    frameGapMs: percentiles(measured.gaps),
    longTasks: { count: measured.longTasks.length, maxMs: round1(Math.max(0, ...measured.longTasks)), totalMs: round1(measured.longTasks.reduce((a, b) => a + b, 0)) },
    framesApplied: measured.framesApplied,
    storeUpdates: measured.storeUpdates,
    unitsOnMap: measured.unitsOnMap,
    unitsExpected: ctx.patrols.length,
    aggregates: measured.aggregates,
    markers: measured.markers,
    driver: { vehicles, targetRate: rate, paced, accepted: tally.accepted, acceptedPerS: round1(tally.accepted / usage.wallS), errors: tally.errors },
    cpu: { roles: usage.roles.map((r) => ({ name: r.name, cpuS: r.cpuS })), machineBusyS: usage.machineBusyS, wallS: usage.wallS },
    loadavg1,
  };
}

/**
 * Runs in the page: records the gap between consecutive animation frames and every long task for `ms`, then what
 * the store and the map hold. Long tasks are observed from the start (not buffered), so only the window's count.
 */
async function recordWindow(ms: number): Promise<PageWindow> {
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push(entry.duration);
  });
  observer.observe({ type: "longtask" });
  const store = window.__sentinelFleet!;
  const before = store.getState();
  const gaps: number[] = [];
  await new Promise<void>((resolve) => {
    let first: number | null = null;
    let last = 0;
    requestAnimationFrame(function tick(t: number) {
      if (first === null) first = t;
      else gaps.push(t - last);
      last = t;
      if (t - first >= ms) resolve();
      else requestAnimationFrame(tick);
    });
  });
  for (const entry of observer.takeRecords()) longTasks.push(entry.duration);
  observer.disconnect();
  const after = store.getState();
  const container = document.querySelector<HTMLElement>("#live-map");
  return {
    gaps,
    longTasks,
    framesApplied: after.framesApplied - before.framesApplied,
    storeUpdates: after.version - before.version,
    unitsOnMap: [...after.patrols.values()].filter((p) => p.last).length,
    aggregates: Number(container?.dataset.aggregates ?? 0),
    markers: Number(container?.dataset.markers ?? 0),
    zoom: window.__sentinelMap!.getZoom(),
  };
}

/** The centre of the district with the most patrols: where zooming in shows the most markers. */
function busiestDistrictCentre(ctx: MapStack): [number, number] {
  const counts = new Map<number, number>();
  for (const p of ctx.patrols) counts.set(p.districtId, (counts.get(p.districtId) ?? 0) + 1);
  const [districtId] = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
  const inside = ctx.stations.filter((s) => s.districtId === districtId);
  return [inside.reduce((a, s) => a + s.lat, 0) / inside.length, inside.reduce((a, s) => a + s.lon, 0) / inside.length];
}

function logWindow(w: MapWindowReport, log: (line: string) => void): void {
  const g = w.frameGapMs;
  log(
    `  frame gaps p50 ${g.p50.toFixed(1)} / p99 ${g.p99.toFixed(1)} / max ${g.max.toFixed(1)} ms over ${g.count} frames, ${w.longTasks.count} long tasks (max ${w.longTasks.maxMs} ms), ` +
      `${w.unitsOnMap}/${w.unitsExpected} units on the map, ${w.aggregates} aggregates, ${w.markers} markers, driver ${w.driver.acceptedPerS}/${w.driver.targetRate} points/s`,
  );
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
