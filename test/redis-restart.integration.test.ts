import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { scopeSetKey } from "@/lib/redis/keys";
import { isSnapshot, isTelemetryOf, probePlacement, waitUntil } from "@/test/support/sidecar";
import { startTestStack, type TestStack } from "@/test/support/stack";
import { monotonicMs, sleep } from "@/test/support/load/clock";
import { TelemetryDriver } from "@/test/support/load/telemetry-driver";
import { api, StackDb, TimedClient, type StackVehicle } from "@/test/support/live-stack";
import { TEST_SECRETS } from "@/test/support/secrets";

// A stack of its own (web, 2 realtime workers, private redis-server without persistence): this file kills its Redis.
const CITY = { level: "city", id: null } as const;
/** No request may take longer than this while Redis is down: the web tier fails fast with 503. */
const FAST_FAIL_MS = 3_000;
const OUTAGE_MS = 4_000;

let stack: TestStack;
let db: StackDb;
let probe: RedisClient;

beforeAll(async () => {
  stack = await startTestStack({ label: "redis_fault", seedProfile: "demo", secrets: TEST_SECRETS, realtime: true });
  db = new StackDb(stack.databaseUrl);
  probe = createRedis(stack.redis.url);
  probe.on("error", () => undefined);
  await probe.connect();
});

afterAll(async () => {
  probe?.disconnect();
  await db?.end();
  await stack?.stop();
});

describe("Redis restarted mid-stream (no persistence)", () => {
  it("answers 503 fast while down, rebuilds the state plane from PostgreSQL, re-syncs dashboards and resumes telemetry; no patrol lost", async () => {
    const base = stack.baseUrl;
    const url = stack.env.REALTIME_PUBLIC_URL!;
    const [late, ...fleet] = await db.vehicles(13);
    const patrols = new Map<number, StackVehicle>();
    for (const v of fleet) {
      const res = await api(base, "/api/patrols/start", { token: v.token, method: "POST" });
      expect(res.status).toBe(201);
      patrols.set(res.body.patrolId as number, v);
    }
    const ids = [...patrols.keys()].sort((a, b) => a - b);
    // Fresh placement hints spread the city dashboards (else kept together on one worker) over both workers.
    const dashboards = await Promise.all([1, 2, 3, 4].map((u) => TimedClient.open(url, CITY, u, probePlacement())));
    expect(new Set(dashboards.map((d) => d.workerPid)).size).toBe(2);
    for (const d of dashboards) expect((await d.snapshot()).patrols.map((p) => p.patrolId)).toEqual(ids);

    const driver = new TelemetryDriver(base, { intervalMs: 250, timeoutMs: 10_000 });
    for (const [id, v] of patrols) driver.add(id, v.token);
    await sleep(1_000);

    // Crash: SIGKILL, nothing saved. Every request from now on must get an answer within FAST_FAIL_MS.
    const killedAt = monotonicMs();
    process.kill(stack.redis.child.pid!, "SIGKILL");
    await waitUntil(async () => (await api(base, "/api/health", { timeoutMs: FAST_FAIL_MS })).status === 503, "health to report Redis down");
    const [victimId, victim] = [ids[0]!, patrols.get(ids[0]!)!];
    const [startDuring, stopDuring, health] = await Promise.all([
      api(base, "/api/patrols/start", { token: late!.token, method: "POST", timeoutMs: FAST_FAIL_MS }),
      api(base, `/api/patrols/${victimId}/stop`, { token: victim.token, method: "POST", timeoutMs: FAST_FAIL_MS }),
      api(base, "/api/health", { timeoutMs: FAST_FAIL_MS }),
    ]);
    expect(health.body).toEqual({ db: "ok", redis: "down" });
    for (const res of [startDuring, stopDuring]) {
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: "SERVICE_UNAVAILABLE", message: expect.stringMatching(/Redis/) as string });
      expect(res.headers.get("retry-after")).toBeTruthy();
    }
    // Neither half-happened: the start was rolled back, the stop undone.
    expect(await db.activePatrolIds()).toEqual(ids);
    // An officer presses SOS meanwhile: recorded in PostgreSQL first, so the device hears 503 (retry) but nothing is lost.
    const [sosPatrol, sosVehicle] = [ids[1]!, patrols.get(ids[1]!)!];
    const sos = await api(base, `/api/patrols/${sosPatrol}/sos`, { token: sosVehicle.token, method: "POST", timeoutMs: FAST_FAIL_MS });
    expect(sos.status).toBe(503);
    expect(sos.headers.get("retry-after")).toBeTruthy();
    const [recorded] = await db.query<{ id: number; state: string }>(`SELECT id, state::text FROM alerts WHERE "patrolId" = $1 AND kind = 'SOS'`, [sosPatrol]);
    expect(recorded?.state).toBe("OPEN");
    await sleep(Math.max(0, OUTAGE_MS - (monotonicMs() - killedAt)));

    await stack.redis.restart();
    const restartedAt = monotonicMs();
    // Nobody runs state:rebuild: the web tier notices the empty Redis and rebuilds from PostgreSQL by itself.
    await waitUntil(async () => probe.status === "ready" && (await probe.scard(scopeSetKey("", CITY))) === ids.length, "the state plane to be rebuilt");
    const rebuiltMs = monotonicMs() - restartedAt;
    expect((await probe.smembers(scopeSetKey("", CITY))).map(Number).sort((a, b) => a - b)).toEqual(ids);
    expect(await db.activePatrolIds()).toEqual(ids);

    for (const d of dashboards) {
      const resync = await d.waitFor(isSnapshot, "a fresh SNAPSHOT after the restart", 2, 15_000);
      await waitUntil(() => d.shown().length === ids.length, "every active patrol shown again", 15_000);
      expect(d.shown()).toEqual(ids);
      console.log(`dashboard on worker ${d.workerPid}: re-sync SNAPSHOT held ${resync.patrols.length}/${ids.length} patrols`);
    }
    // The SOS raised during the outage reaches every dashboard (re-announced by the rebuild, or in the re-sync SNAPSHOT).
    for (const d of dashboards) {
      await waitUntil(
        () => d.frames.some((f) => (f.type === "ALERT" && f.alert.alertId === recorded!.id) || (f.type === "SNAPSHOT" && f.alerts.some((a) => a.alertId === recorded!.id))),
        `the SOS raised during the outage on worker ${d.workerPid}`,
        15_000,
      );
    }
    // Telemetry resumes: a frame of every patrol sent after the restart reaches every dashboard.
    const resumed = await waitUntil(() => {
      const after = driver.points.filter((p) => p.sentAt > restartedAt && p.published);
      return ids.every((id) => after.some((p) => p.patrolId === id)) ? after : null;
    }, "a published point of every patrol after the restart", 15_000);
    for (const d of dashboards) {
      for (const id of ids) await d.waitFor(isTelemetryOf(id, resumed.find((p) => p.patrolId === id)!.ts), `patrol ${id} after the restart`);
    }
    await driver.stop();

    // During the outage every request got an answer: 202 or 503, each within the limit; never a hang or a 500.
    const attempts = driver.points.flatMap((p) => p.attempts);
    expect(attempts.filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);
    expect(Math.max(...attempts.map((a) => a.ms))).toBeLessThan(FAST_FAIL_MS);
    expect(attempts.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    const firstAccepted = Math.min(...driver.points.filter((p) => p.sentAt > restartedAt && p.published).map((p) => p.answeredAt));
    console.log(
      `Redis down ${Math.round(restartedAt - killedAt)} ms: ${attempts.filter((a) => a.status === 503).length} telemetry 503s ` +
        `(slowest answer ${Math.round(Math.max(...attempts.map((a) => a.ms)))} ms); state plane rebuilt ${Math.round(rebuiltMs)} ms ` +
        `and telemetry accepted ${Math.round(firstAccepted - restartedAt)} ms after the restart`,
    );

    // What failed during the outage works now.
    expect((await api(base, "/api/patrols/start", { token: late!.token, method: "POST" })).status).toBe(201);
    expect((await api(base, `/api/patrols/${victimId}/stop`, { token: victim.token, method: "POST" })).status).toBe(200);
    await Promise.all(dashboards.map((d) => d.close()));
  }, 90_000);

  it("heals a Redis flushed under it (no reconnect): the first point is refused with 503, the plane restored, the next accepted", async () => {
    const base = stack.baseUrl;
    const [v] = await db.vehicles(1, 20);
    const { patrolId } = (await api(base, "/api/patrols/start", { token: v!.token, method: "POST" })).body as { patrolId: number };
    await probe.flushall();
    const refused = await api(base, "/api/telemetry", { token: v!.token, body: { patrolId, lat: 9.9, lon: 76.3, ts: Date.now() } });
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toMatch(/restored from the database/);
    await waitUntil(async () => (await probe.sismember(scopeSetKey("", CITY), String(patrolId))) === 1, "the state plane to be restored");
    expect((await api(base, "/api/telemetry", { token: v!.token, body: { patrolId, lat: 9.9, lon: 76.3, ts: Date.now() } })).status).toBe(202);
    expect((await api(base, `/api/patrols/${patrolId}/stop`, { token: v!.token, method: "POST" })).status).toBe(200);
  });
});
