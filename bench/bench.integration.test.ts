import { describe, expect, it } from "vitest";
import type { BenchReport } from "./report";
import { runBenchReport } from "../test/support/bench-run";

/** The quick benchmark must finish well inside this: 240 s (it takes about a minute and a half on a quiet machine). */
const RUN_TIMEOUT_MS = 240_000;

describe("npm run bench -- --quick", () => {
  it(
    "measures Sentinel and both baselines on the same dashboards without a frame lost or leaking out of scope, phones' OsmAnd points accepted and published, SOS alerts reaching exactly the covering dashboards, and the history tier with its alert rules",
    async () => {
      const { code, output, report: written } = await runBenchReport<BenchReport>(["--quick"], RUN_TIMEOUT_MS);
      expect(code, output).toBe(0);
      const report = written!;

      expect(report.scenario.name).toBe("quick");
      expect(report.streaming.map((s) => s.system)).toEqual(["sentinel", "firehose", "socketio"]);
      for (const s of report.streaming) {
        const d = s.window.delivery;
        expect(s.connect.failed, s.system).toBe(0);
        expect(s.connect.clients, s.system).toBe(report.scenario.clients);
        expect(d.outOfScope + d.snapshotOutOfScope, `${s.system}: out-of-scope frames`).toBe(0);
        expect(d.snapshotMismatches, `${s.system}: snapshots`).toBe(0);
        expect(d.closedByServer, `${s.system}: clients dropped`).toBe(0);
        expect(s.connect.workersReplaced, `${s.system}: workers replaced`).toBe(0);
        expect(d.expected, s.system).toBeGreaterThan(0);
        expect(d.delivered, `${s.system}: delivered/expected`).toBe(d.expected);
        expect(d.ratio, s.system).toBe(1);
        expect(d.duplicates, s.system).toBe(0);
        expect(s.window.latencyMs.count, s.system).toBe(d.delivered);
        expect(s.window.latencyMs.p50, s.system).toBeGreaterThan(0);
        expect(s.window.cpu.roles.length, s.system).toBeGreaterThan(0);
      }
      for (const [name, run] of Object.entries(report.ingestion)) {
        expect(run.acceptedPerS, name).toBeGreaterThan(0);
        expect(run.responseMs.count, name).toBeGreaterThan(0);
      }
      expect(typeof report.sql.transactions).toBe("number");
      expect(report.sql.points).toBeGreaterThan(0);
      // Phones over OsmAnd: every request accepted, counted among the SQL window's points, and each patrol's newest
      // point on the live plane is its last OsmAnd one (fresh, so published).
      const osmand = report.ingestion.nextOsmand;
      expect(osmand.concurrency).toBe(report.ingestion.nextSingle.concurrency);
      expect(osmand.errors).toEqual({});
      expect(osmand.responseMs.p99).toBeGreaterThanOrEqual(osmand.responseMs.p50);
      expect(report.sql.osmandPoints).toBeGreaterThanOrEqual(osmand.acceptedPerS * report.scenario.saturationS);
      expect(report.sql.points).toBeGreaterThan(report.sql.osmandPoints);
      expect(report.osmand.patrols).toBe(report.fleet.patrols);
      expect(report.osmand.newestLive).toBe(report.osmand.patrols);
      expect(report.osmand.vsTelemetry).toBeCloseTo(osmand.acceptedPerS / report.ingestion.nextSingle.acceptedPerS, 6);
      // The control room: every SOS pressed raised an alert that reached every covering dashboard and no other, then was resolved.
      const sos = report.sos;
      expect(sos.presses).toBeGreaterThan(0);
      expect(sos.errors).toEqual({});
      expect(sos.raised).toBe(sos.presses);
      expect(sos.expected).toBeGreaterThan(0);
      expect(sos.delivered, "ALERTs delivered/expected").toBe(sos.expected);
      expect(sos.outOfScope, "out-of-scope ALERT frames").toBe(0);
      expect(sos.duplicates).toBe(0);
      expect(sos.latencyMs.count).toBe(sos.delivered);
      expect(sos.latencyMs.p50).toBeGreaterThan(0);
      expect(sos.httpResponseMs.count).toBe(sos.presses);
      expect(sos.resolved).toBe(sos.raised);
      // The history tier: the backlog drained into PostgreSQL, the long track served whole.
      const h = report.history!;
      expect(h.drain.points).toBeGreaterThan(report.scenario.historyTrackPoints);
      expect(h.drain.pointsPerS).toBeGreaterThan(0);
      expect(h.lag.accepted).toBeGreaterThan(0);
      expect(h.lag.lagMs.count).toBeGreaterThan(0);
      expect(h.track.points).toBe(report.scenario.historyTrackPoints);
      expect(h.track.gpxBytes).toBeGreaterThan(h.track.points * 50);
      for (const side of [h.hotPath.next, h.hotPath.floor]) {
        expect(side.runs.map((x) => x.history)).toEqual([false, true, false, true]);
        for (const x of side.runs) expect(x.acceptedPerS).toBeGreaterThan(0);
      }
      // The alert rules ran over every point fed into the stream; each speeding patrol raised one OVERSPEED, and the
      // rules wrote to PostgreSQL only for the alerts they raised.
      const a = h.alerts;
      expect(a.fed).toBe(report.scenario.alertRate * report.scenario.alertS);
      expect(a.evaluated).toBeGreaterThanOrEqual(a.fed);
      expect(a.lagMs.count).toBeGreaterThan(0);
      expect(a.raised.OVERSPEED).toBe(a.speeders);
      expect(a.alertRowsWritten).toBe(a.raisedTotal);
      expect(report.targets.map((t) => t.target)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^SOS → ALERT in every covering dashboard/),
          expect.stringMatching(/^alert evaluation keeps up/),
          "OsmAnd single-point ≥ 0.9× POST /api/telemetry",
        ]),
      );
      expect(report.targets.length).toBeGreaterThan(0);
      for (const t of report.targets) expect(typeof t.met).toBe("boolean");
    },
    RUN_TIMEOUT_MS + 20_000,
  );
});
