import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerFrame } from "@/lib/realtime/protocol";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { patrolMetaKey, scopeSetKey, vehicleActivePatrolKey } from "@/lib/redis/keys";
import { LiveClient, isEvent, isSnapshot, isTelemetryOf, probePlacement, ticketFor, waitUntil } from "@/test/support/sidecar";
import { startTestStack, startWeb, type Managed, type TestStack } from "@/test/support/stack";
import { monotonicMs, sleep } from "@/test/support/load/clock";
import { TelemetryDriver } from "@/test/support/load/telemetry-driver";
import { api, StackDb, TimedClient, type ApiAnswer, type StackVehicle } from "@/test/support/live-stack";
import { TEST_SECRETS } from "@/test/support/secrets";

// A stack of its own: this file kills its web server and one of its realtime workers.
const CITY = { level: "city", id: null } as const;

let stack: TestStack;
let db: StackDb;
let redis: RedisClient;
/** The web server started again after a kill (the stack's own `stop` only knows the first one). */
let restartedWeb: Managed | null = null;
const dashboards: TimedClient[] = [];
let vehicles: StackVehicle[] = [];

beforeAll(async () => {
  stack = await startTestStack({ label: "web_fault", seedProfile: "demo", secrets: TEST_SECRETS, realtime: true });
  db = new StackDb(stack.databaseUrl);
  redis = createRedis(stack.redis.url);
  await redis.connect();
  vehicles = await db.vehicles(20);
  // Workers take sockets once they listen; fresh placement hints spread city dashboards (else kept together) over
  // both. Keep opening until both serve some.
  for (let u = 1; u <= 40 && (dashboards.length < 4 || new Set(dashboards.map((d) => d.workerPid)).size < 2); u++) {
    if (u > 4) await sleep(100);
    dashboards.push(await TimedClient.open(stack.env.REALTIME_PUBLIC_URL!, CITY, u, probePlacement()));
  }
  expect(new Set(dashboards.map((d) => d.workerPid)).size).toBe(2);
});

afterAll(async () => {
  await Promise.all(dashboards.map((d) => d.close()));
  redis?.disconnect();
  await db?.end();
  await restartedWeb?.stop();
  await stack?.stop();
});

/** Sends `send` until it gets an answer below 500, as a device does across a server restart. */
async function retried(send: () => Promise<ApiAnswer>): Promise<ApiAnswer & { tries: number }> {
  for (let tries = 1, backoff = 100; ; tries++, backoff = Math.min(backoff * 2, 1_000)) {
    const res = await send().catch(() => null);
    if (res && res.status < 500) return { ...res, tries };
    await sleep(backoff);
  }
}

/** How many frames of each kind about `patrolId` a dashboard received, keyed `TELEMETRY@ts`, `ADD_CAR`, …. */
function framesAbout(frames: ServerFrame[], patrolId: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of frames) {
    const key =
      f.type === "TELEMETRY" && f.patrolId === patrolId
        ? `TELEMETRY@${f.ts}`
        : f.type === "SYSTEM_EVENT" && f.event !== "STATUS" && f.patrol.patrolId === patrolId
          ? f.event
          : null;
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe("web process killed and started again", () => {
  it("lets vehicles' retries through after the restart, and applies nothing twice", async () => {
    const base = stack.baseUrl;
    const early = vehicles.slice(0, 8);
    const late = vehicles.slice(8, 12);
    const patrolOf = new Map<number, number>();
    for (const v of early) patrolOf.set(v.id, (await api(base, "/api/patrols/start", { token: v.token, method: "POST" })).body.patrolId as number);
    const driver = new TelemetryDriver(base, { intervalMs: 150, retry: true, timeoutMs: 3_000 });
    for (const v of early) driver.add(patrolOf.get(v.id)!, v.token);
    await sleep(800);

    // Starts in flight when the process dies: some may have been committed, their answers lost.
    const lateStarts = late.map((v) => retried(() => api(base, "/api/patrols/start", { token: v.token, method: "POST", timeoutMs: 3_000 })));
    await sleep(5);
    process.kill(-stack.web.child.pid!, "SIGKILL");
    const killedAt = monotonicMs();
    await sleep(1_000);
    restartedWeb = await startWeb(stack.env);
    const upMs = monotonicMs() - killedAt;

    for (const [i, res] of (await Promise.all(lateStarts)).entries()) {
      const v = late[i]!;
      // Either the first attempt never happened (201), or it did and the retry names it (409): one patrol either way.
      expect([201, 409]).toContain(res.status);
      const rows = await db.query<{ id: number; status: string }>(`SELECT id, status FROM patrols WHERE "vehicleId" = $1`, [v.id]);
      expect(rows).toEqual([{ id: res.body.patrolId as number, status: "ACTIVE" }]);
      patrolOf.set(v.id, res.body.patrolId as number);
      driver.add(res.body.patrolId as number, v.token);
    }
    await sleep(1_000);
    await driver.stop();

    // Every point was accepted in the end; some only after retries across the restart.
    expect(driver.points.filter((p) => p.attempts.at(-1)?.status !== 202)).toEqual([]);
    const retriedPoints = driver.points.filter((p) => p.attempts.length > 1);
    expect(retriedPoints.length).toBeGreaterThan(0);
    // …and reached every dashboard exactly once: no point lost, none published twice.
    for (const d of dashboards) {
      for (const p of driver.points) await d.waitFor(isTelemetryOf(p.patrolId, p.ts), `point ${p.patrolId}@${p.ts}`);
      for (const patrolId of patrolOf.values()) {
        const repeated = [...framesAbout(d.frames, patrolId)].filter(([, n]) => n > 1);
        expect(repeated, `frames of patrol ${patrolId} received more than once`).toEqual([]);
      }
      expect(d.shown()).toEqual([...patrolOf.values()].sort((a, b) => a - b));
    }
    console.log(
      `web back ${Math.round(upMs)} ms after SIGKILL; ${driver.points.length} points, ${retriedPoints.length} needed retries ` +
        `(at most ${Math.max(...driver.points.map((p) => p.attempts.length))} attempts); late starts: ` +
        (await Promise.all(lateStarts)).map((r) => `${r.status} after ${r.tries} tries`).join(", "),
    );
    for (const v of [...early, ...late]) {
      expect((await api(base, `/api/patrols/${patrolOf.get(v.id)!}/stop`, { token: v.token, method: "POST" })).status).toBe(200);
    }
  }, 60_000);

  it("answers a start or a point retried after a lost answer without a second patrol or a second frame", async () => {
    const base = stack.baseUrl;
    const v = vehicles[12]!;
    const first = await api(base, "/api/patrols/start", { token: v.token, method: "POST" });
    expect(first.status).toBe(201);
    const again = await api(base, "/api/patrols/start", { token: v.token, method: "POST" });
    expect(again).toMatchObject({ status: 409, body: { patrolId: first.body.patrolId as number, error: { code: "ALREADY_ON_PATROL" } } });

    const point = { patrolId: first.body.patrolId as number, lat: 9.97, lon: 76.29, ts: Date.now(), speed: 4 };
    expect(await api(base, "/api/telemetry", { token: v.token, body: point })).toMatchObject({ status: 202, body: { ok: true } });
    expect(await api(base, "/api/telemetry", { token: v.token, body: point })).toMatchObject({ status: 202, body: { ok: true, stale: true } });
    const next = { ...point, ts: point.ts + 1 };
    expect(await api(base, "/api/telemetry", { token: v.token, body: next })).toMatchObject({ status: 202, body: { ok: true } });
    for (const d of dashboards) {
      await d.waitFor(isTelemetryOf(point.patrolId, next.ts), "the point after the retried one");
      expect(framesAbout(d.frames, point.patrolId).get(`TELEMETRY@${point.ts}`)).toBe(1);
    }
    expect((await api(base, `/api/patrols/${point.patrolId}/stop`, { token: v.token, method: "POST" })).status).toBe(200);
  });

  it("repairs the live state when a retried start or stop finds the database ahead of Redis (process died in between)", async () => {
    const base = stack.baseUrl;
    const v = vehicles[13]!;
    // What a web process killed between its INSERT and its Redis MULTI leaves behind: an ACTIVE row nobody announced.
    const [{ id: orphan }] = (await db.query<{ id: number }>(
      `INSERT INTO patrols ("vehicleId", "stationId", "divisionId", "zoneId", "districtId")
       SELECT v.id, s.id, s."divisionId", s."zoneId", s."districtId" FROM vehicles v JOIN stations s ON s.id = v."homeStationId" WHERE v.id = $1
       RETURNING id`,
      [v.id],
    )) as [{ id: number }];
    const retry = await api(base, "/api/patrols/start", { token: v.token, method: "POST" });
    expect(retry).toMatchObject({ status: 409, body: { patrolId: orphan } });
    expect(await redis.get(vehicleActivePatrolKey("", v.id))).toBe(String(orphan));
    const point = { patrolId: orphan, lat: 9.97, lon: 76.29, ts: Date.now() };
    expect((await api(base, "/api/telemetry", { token: v.token, body: point })).status).toBe(202);
    for (const d of dashboards) {
      await d.waitFor(isEvent("ADD_CAR", orphan), "the repaired patrol");
      await d.waitFor(isTelemetryOf(orphan, point.ts), "its first point");
    }

    // And the reverse: the row was ENDED but the process died before clearing Redis.
    await db.query(`UPDATE patrols SET status = 'ENDED', "endedAt" = now(), "endedBy" = 'vehicle' WHERE id = $1`, [orphan]);
    const stop = await api(base, `/api/patrols/${orphan}/stop`, { token: v.token, method: "POST" });
    expect(stop).toMatchObject({ status: 409, body: { error: { code: "PATROL_NOT_ACTIVE" } } });
    expect(await redis.exists(patrolMetaKey("", orphan), vehicleActivePatrolKey("", v.id))).toBe(0);
    expect(await redis.sismember(scopeSetKey("", CITY), String(orphan))).toBe(0);
    for (const d of dashboards) await d.waitFor(isEvent("REMOVE_CAR", orphan), "the ghost removed");
    await waitUntil(() => dashboards.every((d) => !d.shown().includes(orphan)), "no dashboard showing the ended patrol");
  });
});

describe("a realtime worker killed mid-stream", () => {
  it("is replaced; its dashboards reconnect to a SNAPSHOT with last positions and frames resume; the other worker's miss nothing", async () => {
    const base = stack.baseUrl;
    const url = stack.env.REALTIME_PUBLIC_URL!;
    const fleet = vehicles.slice(14, 20);
    const patrols: number[] = [];
    for (const v of fleet) patrols.push((await api(base, "/api/patrols/start", { token: v.token, method: "POST" })).body.patrolId as number);
    // Fresh placement hints spread the city dashboards (else kept together on one worker) over both workers.
    const clients = await Promise.all([21, 22, 23, 24, 25, 26].map((u) => TimedClient.open(url, CITY, u, probePlacement())));
    await Promise.all(clients.map((c) => c.snapshot()));
    const driver = new TelemetryDriver(base, { intervalMs: 150 });
    fleet.forEach((v, i) => driver.add(patrols[i]!, v.token));
    const victimPid = clients[0]!.workerPid;
    const victims = clients.filter((c) => c.workerPid === victimPid);
    // The other worker's dashboards: these new ones placed there, and the suite's own (open on both workers since
    // beforeAll; a worker that started late took fewer of those, so the new ones may all go to it).
    const survivors = [...clients, ...dashboards].filter((c) => c.workerPid !== victimPid);
    expect(survivors.length).toBeGreaterThan(0);
    await sleep(500);

    process.kill(victimPid, "SIGKILL");
    for (const c of victims) expect((await c.closed).code).toBe(1006);
    // As the map does: reconnect at once with a fresh ticket, retrying a handshake the dead worker was handed.
    const reconnected = await Promise.all(victims.map((_, i) => LiveClient.reconnect(url, () => ticketFor(CITY, 31 + i, "ADMIN"))));
    for (const c of reconnected) {
      const snapshot = await c.waitFor(isSnapshot, "the SNAPSHOT after reconnecting");
      expect(snapshot.patrols.map((p) => p.patrolId)).toEqual([...patrols].sort((a, b) => a - b));
      expect(snapshot.patrols.every((p) => p.last !== null)).toBe(true);
    }
    const resumedAt = monotonicMs();
    await sleep(500);
    await driver.stop();

    for (const c of reconnected) {
      for (const p of driver.points.filter((q) => q.sentAt > resumedAt)) await c.waitFor(isTelemetryOf(p.patrolId, p.ts), `point ${p.patrolId}@${p.ts}`);
    }
    for (const c of survivors) {
      for (const p of driver.points.filter((q) => q.published)) await c.waitFor(isTelemetryOf(p.patrolId, p.ts), `point ${p.patrolId}@${p.ts} on the surviving worker`);
    }
    // While the replacement worker is still starting, /metrics answers 503 "retry" (it cannot sum a worker that
    // does not answer yet): retry as an operator's scraper would.
    const metrics = await waitUntil(async () => {
      const res = await fetch(`http://127.0.0.1:${stack.env.REALTIME_PORT}/metrics`);
      return res.status === 200 ? res.text() : null;
    }, "the cluster's metrics", 15_000);
    expect(metrics).toMatch(/^sentinel_realtime_worker_restarts_total 1$/m);
    await waitUntil(async () => {
      // A fresh hint goes to the least-loaded worker: the replacement, which holds nothing yet.
      const probe = await LiveClient.connect(url, await ticketFor(CITY, 40, "ADMIN", probePlacement()));
      await probe.close();
      return probe.workerPid !== victimPid && !survivors.some((c) => c.workerPid === probe.workerPid);
    }, "a client served by the replacement worker");
    await Promise.all([...clients.filter((c) => c.workerPid !== victimPid), ...reconnected].map((c) => c.close()));
    for (const [i, v] of fleet.entries()) await api(base, `/api/patrols/${patrols[i]!}/stop`, { token: v.token, method: "POST" });
  }, 60_000);
});
