import type { ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { signIn } from "@/scripts/simulator/sign-in";
import { runScript } from "@/test/support/script-run";
import { freePort } from "@/test/support/stack";
import { LocalServiceError, startLocalServices } from "./local-services";
import { canConnect } from "./services";

/**
 * `npm run demo` on a machine where nothing answers at DATABASE_URL and
 * REDIS_URL: it starts an embedded PostgreSQL and redis-server itself, reaches
 * a working map, stops everything on Ctrl-C, and a second run reuses the data.
 */

const dataDir = mkdtempSync(path.join(os.tmpdir(), "sentinel-demo-"));
// As root the embedded PostgreSQL runs as `postgres`, which must reach its folder (mkdtemp makes it private).
chmodSync(dataDir, 0o755);
const running = new Set<ChildProcess>();
/** Two demo runs, each a fresh start of every service and, the first time, initdb and the seed: 4 minutes. */
const TIMEOUT_MS = 240_000;

afterAll(() => {
  for (const child of running) if (child.pid) process.kill(-child.pid, "SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

interface Ports {
  postgres: number;
  redis: number;
  web: number;
  realtime: number;
  history: number;
}

/** `npm run demo` (as `tsx scripts/demo.ts`) with every service on `ports` and its data in `dataDir`. */
function demo(ports: Ports) {
  const run = runScript("scripts/demo.ts", [], {
    running,
    // Its own process group, like a terminal's: SIGINT to the group is a Ctrl-C.
    detached: true,
    env: {
      ...process.env,
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${ports.postgres}/sentinel`,
      REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
      REDIS_PREFIX: "",
      PORT: String(ports.web),
      REALTIME_PORT: String(ports.realtime),
      HISTORY_METRICS_PORT: String(ports.history),
      NEXTAUTH_URL: `http://127.0.0.1:${ports.web}`,
      REALTIME_PUBLIC_URL: "",
      REALTIME_WORKERS: "1",
      SENTINEL_DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
    },
  });
  const waitFor = async (text: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!run.output().includes(text)) {
      if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`demo never printed "${text}"; its output:\n${run.output().slice(-3_000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { ...run, waitFor };
}

/** What a commander would do first: sign in, then list the live patrols until the simulator's cars are there. */
async function waitForLivePatrols(base: string): Promise<number> {
  const cookie = await signIn(base, "admin@sentinel.local", process.env.DEMO_PASSWORD ?? "sentinel-demo");
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${base}/api/patrols`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const live = ((await res.json()) as { items: unknown[] }).items.length;
    if (live > 0) return live;
    if (Date.now() > deadline) throw new Error("no patrol went live within 30 s");
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe("npm run demo with no PostgreSQL and no Redis running", () => {
  it(
    "starts both itself, reaches a live map, stops everything on Ctrl-C, and a second run reuses the data",
    async () => {
      const ports: Ports = { postgres: await freePort(), redis: await freePort(), web: await freePort(), realtime: await freePort(), history: await freePort() };
      const base = `http://127.0.0.1:${ports.web}`;

      const first = demo(ports);
      await first.waitFor("Sentinel is running", 150_000);
      expect(first.output()).toContain(`creating an embedded PostgreSQL in ${path.join(dataDir, "postgres")}`);
      expect(first.output()).toContain("starting redis-server");
      // The simulator's cars are live.
      expect(await waitForLivePatrols(base)).toBeGreaterThan(0);
      process.kill(-first.child.pid!, "SIGINT");
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain("Stopping PostgreSQL and Redis");
      expect(await canConnect("127.0.0.1", ports.postgres)).toBe(false);
      expect(await canConnect("127.0.0.1", ports.redis)).toBe(false);
      expect(await canConnect("127.0.0.1", ports.web)).toBe(false);

      const second = demo(ports);
      await second.waitFor("Sentinel is running", 120_000);
      expect(second.output()).toContain(`starting the embedded PostgreSQL with its data in ${path.join(dataDir, "postgres")}`);
      expect(second.output()).not.toContain("creating an embedded PostgreSQL");
      // The same database: the seed finds every row there already.
      expect(second.output()).toMatch(/vehicles: 200 \(0 new\)/);
      expect(await waitForLivePatrols(base)).toBeGreaterThan(0);
      process.kill(-second.child.pid!, "SIGINT");
      expect(await second.exited).toBe(0);
      expect(await canConnect("127.0.0.1", ports.postgres)).toBe(false);
    },
    TIMEOUT_MS,
  );

  it.runIf(process.getuid?.() === 0)("as root, keeps PostgreSQL's data where the `postgres` user can reach it when the chosen folder is private", async () => {
    const secret = mkdtempSync(path.join(os.tmpdir(), "sentinel-private-")); // mode 0700, root's
    const lines: string[] = [];
    const port = await freePort();
    const local = await startLocalServices(
      { databaseUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`, redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
      { dataDir: secret, log: (line) => lines.push(line) },
    );
    try {
      const [pgService] = local.started;
      expect(pgService?.name).toBe("PostgreSQL");
      expect(pgService!.dataDir).toMatch(/^\/var\/tmp\/sentinel-data-[0-9a-f]{8}\/postgres$/);
      expect(lines.join("\n")).toContain(`cannot reach ${secret}: keeping PostgreSQL's data in ${pgService!.dataDir}`);
      expect(await canConnect("127.0.0.1", port)).toBe(true);
    } finally {
      await local.stop();
      rmSync(path.dirname(local.started[0]?.dataDir ?? secret), { recursive: true, force: true });
      rmSync(secret, { recursive: true, force: true });
    }
    expect(await canConnect("127.0.0.1", port)).toBe(false);
  });

  it("says how to get Redis when none answers and there is no redis-server on the PATH", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const port = await freePort();
      const attempt = startLocalServices({ databaseUrl: process.env.DATABASE_URL!, redisUrl: `redis://127.0.0.1:${port}` }, { dataDir, log: () => {} });
      await expect(attempt).rejects.toThrow(LocalServiceError);
      await expect(attempt).rejects.toThrow(/no redis-server on the PATH.*apt-get install redis-server.*docker run/);
    } finally {
      process.env.PATH = path;
    }
  });
});
