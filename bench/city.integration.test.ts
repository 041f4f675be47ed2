import { describe, expect, it } from "vitest";
import type { CitySystemReport } from "./city-tier";
import type { CityBenchReport } from "./report";
import { runBenchReport } from "../test/support/bench-run";

/**
 * The quick city tier must finish well inside this: 240 s. On a quiet machine it takes about a minute and a half:
 * the stack, 300 patrols, five tiers of 2 workers started, and five windows of 600 dashboards.
 */
const RUN_TIMEOUT_MS = 240_000;

/** What every city window must show, whatever the machine's speed: every frame, nothing out of scope, the counters read. */
function expectFullDelivery(s: CitySystemReport, clients: number, workers: number): void {
  const d = s.window.delivery;
  const label = s.system;
  expect(s.connect.failed, label).toBe(0);
  expect(s.connect.clients, label).toBe(clients);
  expect(Object.values(s.connect.byWorker).reduce((a, n) => a + n, 0), `${label}: clients per worker`).toBe(clients);
  expect(Object.keys(s.connect.byWorker).length, `${label}: workers holding clients`).toBeLessThanOrEqual(workers);
  expect(s.connect.workersReplaced, `${label}: workers replaced`).toBe(0);
  expect(d.expected, label).toBeGreaterThan(0);
  expect(d.delivered, `${label}: delivered/expected`).toBe(d.expected);
  expect(d.duplicates, label).toBe(0);
  expect(d.outOfScope + d.snapshotOutOfScope, `${label}: out-of-scope frames`).toBe(0);
  expect(d.snapshotMismatches, `${label}: snapshots`).toBe(0);
  expect(d.closedByServer, `${label}: clients dropped`).toBe(0);
  expect(s.window.latencyMs.count, label).toBe(d.delivered);
  // Redis → worker traffic: every point published reached at least one worker, counted over stable subscriptions.
  expect(s.redis.stable, `${label}: subscriptions stable over the window`).toBe(true);
  expect(s.redis.published, label).toBeGreaterThanOrEqual(s.window.accepted);
  expect(s.redis.messages, `${label}: Redis → worker messages`).toBeGreaterThanOrEqual(s.window.accepted);
  expect(s.redis.bytes, `${label}: Redis → worker bytes`).toBeGreaterThan(s.redis.messages * 50);
  expect(s.redis.workerConnections, label).toBeGreaterThanOrEqual(workers);
  expect(s.redis.channelSubscriptions + s.redis.patternSubscriptions, label).toBeGreaterThan(0);
  // The workers read and wrote in the window (how much of the pushes they read by its end depends on the machine's speed).
  expect(s.workerIo.readBytes, `${label}: bytes read`).toBeGreaterThan(0);
  expect(s.workerIo.writes, `${label}: socket writes`).toBeGreaterThan(0);
  expect(s.window.cpu.roles.filter((r) => r.kind === "tier").length, `${label}: primary and workers`).toBe(workers + 1);
  expect(s.connect.perIdleClientKb, `${label}: RSS per idle connection`).not.toBeNull();
  expect(s.connect.perIdleClientSinceStartKb, `${label}: RSS per idle connection from the empty tier`).not.toBeNull();
}

describe("npm run bench -- --city --quick", () => {
  it(
    "measures every tier of the city tier on its own workers, and a Sentinel hot spot, without a frame lost or leaking out of scope, with Redis → worker messages and bytes and socket writes per frame",
    async () => {
      const { code, output, report: written } = await runBenchReport<CityBenchReport>(["--city", "--quick"], RUN_TIMEOUT_MS);
      expect(code, output).toBe(0);
      const report = written!;

      expect(report.scenario.name).toBe("quick");
      expect(report.scenario.cityTier).toBe("only");
      expect(report).not.toHaveProperty("streaming");
      const city = report.city;
      const { clients, workers } = report.scenario.city;
      expect(city.clients).toBe(clients);
      expect(city.workers).toBe(workers);
      expect(city.systems.map((s) => s.system)).toEqual(["sentinel", "sentinel (round-robin)", "firehose", "socketio"]);
      expect(city.dashboards).toEqual({
        station: Math.round(clients * 0.7),
        division: Math.round(clients * 0.2),
        zone: Math.round(clients * 0.08),
        district: Math.round(clients * 0.01),
        city: Math.round(clients * 0.01),
      });
      for (const s of city.systems) expectFullDelivery(s, clients, workers);
      // The firehose and Socket.IO hold patterns, one per worker's subscriber connection; Sentinel holds channels only.
      for (const s of city.systems) expect(s.redis.patternSubscriptions, s.system).toBe(s.system.startsWith("sentinel") ? 0 : workers);

      const hot = city.hotSpot!;
      expect(hot.system).toBe("sentinel");
      expect(hot.stationDashboards).toBe(city.dashboards.station);
      expect(hot.stationPatrols).toBeGreaterThan(0);
      expectFullDelivery(hot, clients, workers);

      const targets = report.targets.map((t) => t.target);
      for (const wanted of [
        /realtime CPU per delivered frame ≤ 0\.5× Socket\.IO$/,
        /Redis → worker messages per delivered frame ≤ 0\.2× the firehose$/,
        /p99 end-to-end < 25 ms/,
        /every expected frame delivered, 0 out of scope$/,
        /≤ 20 KiB realtime RSS per idle connection/,
        /^city hot spot .*p99 < 50 ms$/,
      ]) {
        expect(targets, String(wanted)).toContainEqual(expect.stringMatching(wanted));
      }
      for (const t of report.targets) expect(typeof t.met).toBe("boolean");
      expect(report.targets.find((t) => /every expected frame delivered/.test(t.target))!.met).toBe(true);
      expect(output).toContain("## City tier");
    },
    RUN_TIMEOUT_MS + 20_000,
  );
});
