import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { SoakReport } from "@/scripts/soak";
import { ROOT } from "@/test/support/stack";

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), "sentinel-soak-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run soak (short)", () => {
  it("delivers every accepted point to every dashboard of its scope and reports memory of every process", async () => {
    const file = path.join(dir, "report.json");
    // A short soak: 18 s at 100 points/s to 50 dashboards. Growth is not judged this short; delivery is.
    const { stdout } = await run(
      process.execPath,
      [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/soak.ts", "--minutes", "0.3", "--rate", "100", "--clients", "50", "--json", file],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "warn" }, timeout: 150_000 },
    ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`soak failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
    });
    console.log(stdout.slice(stdout.indexOf("━━")));
    expect(stdout).toMatch(/^\[soak \d+:\d\d\/0:18\] sent \d+\/s, accepted [\d,]+ \(0 failed\) \| delivered [\d,]+ of [\d,]+/m);

    const report = JSON.parse(readFileSync(file, "utf8")) as SoakReport;
    expect(report.ok).toBe(true);
    expect(report.telemetry.accepted).toBe(report.telemetry.sent);
    expect(report.telemetry.ratePerSecond).toBeGreaterThan(50);
    expect(report.delivery).toMatchObject({ clients: 50, unknown: 0, reconnects: 0, clientsShortChanged: 0, ratio: 1 });
    expect(report.delivery.delivered).toBe(report.delivery.expected);
    expect(report.delivery.expected).toBeGreaterThan(report.telemetry.accepted);
    expect(report.verdict).toEqual({ delivery: "pass", telemetry: "pass", growth: "not judged (run under 2 minutes)" });

    const byName = new Map(report.processes.map((p) => [p.name, p]));
    for (const name of ["web (next-server)", "realtime launcher (tsx)", "realtime primary", "realtime worker 1", "realtime worker 2", "redis"]) {
      const p = byName.get(name);
      expect(p, name).toBeDefined();
      expect(p!.judged).toBe(true);
      expect(p!.rss.start).toBeGreaterThan(1024 * 1024);
      expect(p!.rss.end).toBeGreaterThan(1024 * 1024);
      expect(typeof p!.rss.growthPct).toBe("number");
    }
    for (const name of ["realtime workers, V8 heap (sum)", "redis", "dashboards 1", "soak driver"]) {
      expect(byName.get(name)?.heap?.start, name).toBeGreaterThan(0);
      expect(byName.get(name)?.heap?.end, name).toBeGreaterThan(0);
    }
  }, 180_000);
});
