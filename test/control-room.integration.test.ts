import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prisma } from "@/lib/db";
import type { AlertFrame, AlertView, ServerFrame } from "@/lib/realtime/protocol";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { openAlertsKey, patrolMetaKey } from "@/lib/redis/keys";
import type { Scope } from "@/lib/scope";
import { call, DEMO, login, type UserClient } from "@/test/support/http";
import { LiveClient, startSidecar, ticketFor, waitUntil, type Sidecar } from "@/test/support/sidecar";
import { freePort, startHistory, type Managed } from "@/test/support/stack";
import { TEST_SECRETS } from "@/test/support/secrets";
import { idleVehicles, type TestVehicle } from "@/test/support/vehicles";

/**
 * The control room end to end against the suite's web server and database: duty status, SOS and the alert
 * lifecycle as dashboards (a realtime sidecar of this file's own) and commanders (HTTP sessions) see them,
 * the server-side alert rules (a history writer of this file's own, with short limits), and nearest units.
 */

let redis: RedisClient;
let sidecar: Sidecar;
let writer: Managed;
let station: UserClient;
let admin: UserClient;
let otherZone: UserClient;
/** The station commander's station, and a station of another zone with a commander of its own. */
let home: { id: number; divisionId: number; zoneId: number; districtId: number; lat: number; lon: number; name: string };
let far: { id: number; zoneId: number };
const dashboards: LiveClient[] = [];

async function dashboard(scope: Scope, userId: number): Promise<LiveClient> {
  const client = await LiveClient.connect(sidecar.url, await ticketFor(scope, userId));
  dashboards.push(client);
  await client.snapshot();
  return client;
}

/** Starts a patrol of `v` at `stationId` (default: its home station). */
async function startPatrol(v: TestVehicle, stationId?: number): Promise<number> {
  const res = await call("/api/patrols/start", { token: v.token, method: "POST", body: stationId ? { stationId } : undefined });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.patrolId as number;
}

const stop = (patrolId: number, v: TestVehicle) => call(`/api/patrols/${patrolId}/stop`, { token: v.token, method: "POST" });
const post = (path: string, opts: { token?: string; client?: UserClient; body?: unknown }) => call(path, { method: "POST", ...opts });
const point = (v: TestVehicle, patrolId: number, p: { lat: number; lon: number; speed?: number; ts?: number }) =>
  call("/api/telemetry", { token: v.token, body: { patrolId, ts: Date.now(), ...p } });

const alertsOf = (client: LiveClient, alertId: number) =>
  client.frames.filter((f): f is AlertFrame => f.type === "ALERT" && f.alert.alertId === alertId).map((f) => f.alert.state);
const isAlert = (alertId: number, state: AlertView["state"]) => (f: ServerFrame) => f.type === "ALERT" && f.alert.alertId === alertId && f.alert.state === state;

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  const user = await prisma.user.findUniqueOrThrow({ where: { email: DEMO.station } });
  home = await prisma.station.findUniqueOrThrow({ where: { id: user.scopeId! } });
  const other = await prisma.station.findFirstOrThrow({ where: { zoneId: { not: home.zoneId } }, orderBy: { id: "asc" } });
  far = other;
  // A square of ~1 km around the home station is its jurisdiction, set before the writer reads boundaries.
  const d = 0.01;
  const ring = [[home.lon - d, home.lat - d], [home.lon + d, home.lat - d], [home.lon + d, home.lat + d], [home.lon - d, home.lat + d], [home.lon - d, home.lat - d]];
  admin = await login(DEMO.admin);
  const patched = await call(`/api/admin/stations/${home.id}`, { method: "PATCH", client: admin, body: { boundary: { type: "Polygon", coordinates: [ring] } } });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  // A commander of the other station's zone, made for this file.
  const email = `cr-zone-${Date.now()}@sentinel.local`;
  const made = await call("/api/admin/users", {
    client: admin,
    body: { email, name: "Other Zone", password: DEMO.password, role: "COMMANDER", scopeLevel: "zone", scopeId: other.zoneId },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  [station, otherZone] = await Promise.all([login(DEMO.station), login(email)]);
  sidecar = await startSidecar(inject("redisUrl"), { ...TEST_SECRETS, DATABASE_URL: inject("databaseUrl") });
  writer = await startHistory({
    ...TEST_SECRETS,
    DATABASE_URL: inject("databaseUrl"),
    REDIS_URL: inject("redisUrl"),
    HISTORY_METRICS_PORT: String(await freePort()),
    HISTORY_CONSUMER: "it-control-room",
    HISTORY_BATCH_LINGER_MS: "0",
    ALERT_SILENT_SECONDS: "3",
    LOG_LEVEL: "warn",
  });
}, 90_000);

afterAll(async () => {
  await Promise.all(dashboards.map((d) => d.close()));
  await writer?.stop();
  await sidecar?.process.stop();
  await call(`/api/admin/stations/${home.id}`, { method: "PATCH", client: admin, body: { boundary: null } });
  redis.disconnect();
});

describe("duty status", () => {
  it("is set by the vehicle or a covering commander, kept in PostgreSQL and Redis, and reaches exactly the covering dashboards", async () => {
    const [v] = await idleVehicles(1, { homeStationId: home.id });
    const patrolId = await startPatrol(v!);
    const [mine, city, other] = await Promise.all([
      dashboard({ level: "station", id: home.id }, 9001),
      dashboard({ level: "city", id: null }, 9002),
      dashboard({ level: "zone", id: far.zoneId }, 9003),
    ]);
    const isStatus = (status: string) => (f: ServerFrame) => f.type === "SYSTEM_EVENT" && f.event === "STATUS" && f.patrolId === patrolId && f.status === status;

    const byVehicle = await post(`/api/patrols/${patrolId}/status`, { token: v!.token, body: { status: "EN_ROUTE" } });
    expect(byVehicle.status).toBe(200);
    expect(byVehicle.body).toMatchObject({ patrolId, status: "EN_ROUTE" });
    await Promise.all([mine.waitFor(isStatus("EN_ROUTE"), "EN_ROUTE on the station map"), city.waitFor(isStatus("EN_ROUTE"), "EN_ROUTE on the city map")]);

    const byCommander = await post(`/api/patrols/${patrolId}/status`, { client: station, body: { status: "ON_SCENE" } });
    expect(byCommander.status).toBe(200);
    await mine.waitFor(isStatus("ON_SCENE"), "ON_SCENE on the station map");
    expect(await redis.hget(patrolMetaKey("", patrolId), "status")).toBe("ON_SCENE");
    const history = await prisma.patrolStatusChange.findMany({ where: { patrolId }, orderBy: { id: "asc" } });
    expect(history.map((h) => [h.status, h.userId === null ? "vehicle" : "user"])).toEqual([["EN_ROUTE", "vehicle"], ["ON_SCENE", "user"]]);
    expect(await prisma.auditEvent.count({ where: { action: "patrol.status", target: `patrol:${patrolId}` } })).toBe(1);

    // A dashboard that connects now sees the status in its SNAPSHOT.
    const late = await dashboard({ level: "station", id: home.id }, 9004);
    const snap = late.frames.find((f) => f.type === "SNAPSHOT");
    expect(snap?.type === "SNAPSHOT" && snap.patrols.find((p) => p.patrolId === patrolId)?.status).toBe("ON_SCENE");

    // Refusals: another zone's commander (the patrol does not exist for them), an unknown status, an ended patrol.
    expect((await post(`/api/patrols/${patrolId}/status`, { client: otherZone, body: { status: "BUSY" } })).status).toBe(404);
    const unknown = await post(`/api/patrols/${patrolId}/status`, { token: v!.token, body: { status: "LUNCH" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/status: must be one of AVAILABLE, EN_ROUTE, ON_SCENE, BUSY/);
    expect((await stop(patrolId, v!)).status).toBe(200);
    expect((await post(`/api/patrols/${patrolId}/status`, { token: v!.token, body: { status: "BUSY" } })).status).toBe(409);
    await new Promise((r) => setTimeout(r, 300));
    expect(other.frames.filter((f) => f.type === "SYSTEM_EVENT" && f.event === "STATUS")).toEqual([]);
    expect(mine.frames.filter((f) => f.type === "SYSTEM_EVENT" && f.event === "STATUS").map((f) => f.type === "SYSTEM_EVENT" && f.event === "STATUS" && f.status)).toEqual([
      "EN_ROUTE",
      "ON_SCENE",
    ]);
  });
});

describe("SOS and the alert lifecycle", () => {
  it("reaches the covering dashboards at once, is acknowledged and resolved by a covering commander (audited), and is in SNAPSHOTs until resolved", async () => {
    const [v, stranger] = await idleVehicles(2, { homeStationId: home.id });
    const patrolId = await startPatrol(v!);
    expect((await point(v!, patrolId, { lat: home.lat, lon: home.lon })).status).toBe(202);
    const [mine, city, other] = await Promise.all([
      dashboard({ level: "station", id: home.id }, 9011),
      dashboard({ level: "city", id: null }, 9012),
      dashboard({ level: "zone", id: far.zoneId }, 9013),
    ]);

    expect((await post(`/api/patrols/${patrolId}/sos`, { token: stranger!.token })).status).toBe(403);
    expect((await post(`/api/patrols/${patrolId}/sos`, { token: v!.token, body: { lat: 95, lon: 0 } })).status).toBe(400);
    const pressed = await post(`/api/patrols/${patrolId}/sos`, { token: v!.token });
    expect(pressed.status).toBe(201);
    const alertId = pressed.body.alertId as number;
    const [seen] = await Promise.all([mine.waitFor(isAlert(alertId, "OPEN"), "the SOS on the station map", 1, 2_000), city.waitFor(isAlert(alertId, "OPEN"), "the SOS on the city map", 1, 2_000)]);
    expect(seen.type === "ALERT" && seen.alert).toMatchObject({ kind: "SOS", patrolId, vehicleId: v!.id, callSign: v!.callSign, lat: home.lat, lon: home.lon, by: null });
    // Pressed again before anyone resolved it: the same alert.
    expect((await post(`/api/patrols/${patrolId}/sos`, { token: v!.token })).body.alertId).toBe(alertId);

    const listed = await call("/api/alerts?state=OPEN", { client: station });
    expect(listed.body.items.map((a: AlertView) => a.alertId)).toContain(alertId);
    expect((await call("/api/alerts?state=OPEN", { client: otherZone })).body.items.map((a: AlertView) => a.alertId)).not.toContain(alertId);
    expect((await call("/api/alerts?state=LOUD", { client: station })).status).toBe(400);

    expect((await post(`/api/alerts/${alertId}/ack`, { client: otherZone })).status).toBe(404);
    const acked = await post(`/api/alerts/${alertId}/ack`, { client: station });
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ alertId, state: "ACKNOWLEDGED" });
    expect(acked.body.by).toBeTruthy();
    await Promise.all([mine.waitFor(isAlert(alertId, "ACKNOWLEDGED"), "ACK on the station map"), city.waitFor(isAlert(alertId, "ACKNOWLEDGED"), "ACK on the city map")]);
    const again = await post(`/api/alerts/${alertId}/ack`, { client: admin });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already acknowledged by/);

    const late = await dashboard({ level: "division", id: home.divisionId }, 9014);
    const snap = late.frames.find((f) => f.type === "SNAPSHOT");
    expect(snap?.type === "SNAPSHOT" && snap.alerts.find((a) => a.alertId === alertId)?.state).toBe("ACKNOWLEDGED");

    expect((await post(`/api/alerts/${alertId}/resolve`, { client: admin })).status).toBe(200);
    await mine.waitFor(isAlert(alertId, "RESOLVED"), "RESOLVED on the station map");
    expect(await redis.hexists(openAlertsKey(""), String(alertId))).toBe(0);
    const after = await dashboard({ level: "station", id: home.id }, 9015);
    const snapAfter = after.frames.find((f) => f.type === "SNAPSHOT");
    expect(snapAfter?.type === "SNAPSHOT" && snapAfter.alerts.some((a) => a.alertId === alertId)).toBe(false);

    const audit = await prisma.auditEvent.findMany({ where: { target: `alert:${alertId}` }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["alert.ack", "alert.resolve"]);
    expect(alertsOf(mine, alertId)).toEqual(["OPEN", "OPEN", "ACKNOWLEDGED", "RESOLVED"]);
    expect(alertsOf(other, alertId)).toEqual([]);
    // Resolved, a new SOS is a new alert.
    const next = await post(`/api/patrols/${patrolId}/sos`, { token: v!.token });
    expect(next.body.alertId).not.toBe(alertId);
    await post(`/api/alerts/${next.body.alertId}/resolve`, { client: station });
    expect((await stop(patrolId, v!)).status).toBe(200);
  });
});

describe("server-side alert rules", () => {
  it("raise OVERSPEED on two consecutive fast points and LEFT_JURISDICTION outside the station's boundary, once each until resolved", async () => {
    const [v] = await idleVehicles(1, { homeStationId: home.id });
    const patrolId = await startPatrol(v!);
    const mine = await dashboard({ level: "station", id: home.id }, 9021);
    const t0 = Date.now();
    const kindsOf = async () => (await prisma.alert.findMany({ where: { patrolId }, orderBy: { id: "asc" } })).map((a) => a.kind);
    expect((await point(v!, patrolId, { lat: home.lat, lon: home.lon, speed: 35, ts: t0 })).status).toBe(202);
    expect((await point(v!, patrolId, { lat: home.lat + 0.001, lon: home.lon, speed: 20, ts: t0 + 1_000 })).status).toBe(202);
    expect((await point(v!, patrolId, { lat: home.lat + 0.002, lon: home.lon, speed: 35, ts: t0 + 2_000 })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await kindsOf()).toEqual([]);
    expect((await point(v!, patrolId, { lat: home.lat + 0.003, lon: home.lon, speed: 36, ts: t0 + 3_000 })).status).toBe(202);
    await waitUntil(async () => (await kindsOf()).includes("OVERSPEED"), "an OVERSPEED alert");
    // Well outside the ~1 km square, still speeding: LEFT_JURISDICTION, and no second OVERSPEED.
    expect((await point(v!, patrolId, { lat: home.lat + 0.05, lon: home.lon, speed: 40, ts: t0 + 4_000 })).status).toBe(202);
    expect((await point(v!, patrolId, { lat: home.lat + 0.06, lon: home.lon, speed: 40, ts: t0 + 5_000 })).status).toBe(202);
    await waitUntil(async () => (await kindsOf()).includes("LEFT_JURISDICTION"), "a LEFT_JURISDICTION alert");
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await kindsOf()).toEqual(["OVERSPEED", "LEFT_JURISDICTION"]);
    const overspeed = await prisma.alert.findFirstOrThrow({ where: { patrolId, kind: "OVERSPEED" } });
    expect(overspeed.detail).toMatchObject({ speedKmh: 129.6, limitKmh: 100 });
    await mine.waitFor((f) => f.type === "ALERT" && f.alert.patrolId === patrolId && f.alert.kind === "LEFT_JURISDICTION", "LEFT_JURISDICTION on the map");
    expect((await stop(patrolId, v!)).status).toBe(200);
  });

  it("raise SILENT for an active patrol without points, and end it when the unit reports again", async () => {
    const [v] = await idleVehicles(1, { homeStationId: home.id });
    const patrolId = await startPatrol(v!);
    const silent = () => prisma.alert.findFirst({ where: { patrolId, kind: "SILENT" } });
    await waitUntil(silent, "a SILENT alert", 15_000);
    expect((await silent())?.state).toBe("OPEN");
    expect((await point(v!, patrolId, { lat: home.lat, lon: home.lon })).status).toBe(202);
    await waitUntil(async () => (await silent())?.state === "RESOLVED", "the SILENT alert resolved by the unit's point", 10_000);
    expect((await silent())?.resolvedBy).toBe("system");
    // Silent again, then the patrol ends: off patrol, silence means nothing.
    const again = () => prisma.alert.findFirst({ where: { patrolId, kind: "SILENT", state: { not: "RESOLVED" } } });
    const second = await waitUntil(again, "a second SILENT alert", 15_000);
    expect((await stop(patrolId, v!)).status).toBe(200);
    const ended = await prisma.alert.findUniqueOrThrow({ where: { id: second.id } });
    expect([ended.state, ended.resolvedBy]).toEqual(["RESOLVED", "system"]);
    expect(await redis.hexists(openAlertsKey(""), String(second.id))).toBe(0);
  });
});

describe("nearest units", () => {
  it("lists the caller's units with a position, nearest first, filtered by status, from Redis", async () => {
    // Patrolling for the home station, wherever they are based.
    const vehicles = await idleVehicles(3, { notHomeStationIds: [home.id, far.id] });
    const [outsider] = await idleVehicles(1, { homeStationId: far.id });
    const ids = await Promise.all(vehicles.map((v) => startPatrol(v, home.id)));
    const outsiderPatrol = await startPatrol(outsider!);
    // ~1.1 km, ~2.2 km and ~3.3 km north of the station; the other zone's unit right on it.
    await Promise.all(vehicles.map((v, i) => point(v, ids[i]!, { lat: home.lat + 0.01 * (i + 1), lon: home.lon })));
    await point(outsider!, outsiderPatrol, { lat: home.lat, lon: home.lon });
    await post(`/api/patrols/${ids[0]}/status`, { token: vehicles[0]!.token, body: { status: "BUSY" } });

    const near = await call(`/api/patrols/nearest?lat=${home.lat}&lon=${home.lon}`, { client: station });
    expect(near.status).toBe(200);
    const mineOnly = near.body.items.filter((u: { patrolId: number }) => [...ids, outsiderPatrol].includes(u.patrolId));
    expect(mineOnly.map((u: { patrolId: number }) => u.patrolId)).toEqual(ids);
    expect(Math.round(mineOnly[0].distanceM / 100)).toBe(11);
    expect(mineOnly[0].status).toBe("BUSY");
    const available = await call(`/api/patrols/nearest?lat=${home.lat}&lon=${home.lon}&status=AVAILABLE&limit=50`, { client: station });
    expect(available.body.items.map((u: { patrolId: number }) => u.patrolId)).not.toContain(ids[0]);
    expect(available.body.items.every((u: { status: string }) => u.status === "AVAILABLE")).toBe(true);
    const city = await call(`/api/patrols/nearest?lat=${home.lat}&lon=${home.lon}&limit=50`, { client: admin });
    expect(city.body.items[0].distanceM).toBeLessThan(50);

    for (const bad of ["lat=91&lon=76", "lat=10", "lat=10&lon=76&limit=0", "lat=10&lon=76&status=NAPPING"]) {
      const res = await call(`/api/patrols/nearest?${bad}`, { client: station });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.message, bad).toMatch(/Invalid request: (lat|lon|limit|status)/);
    }
    expect((await call(`/api/patrols/nearest?lat=10&lon=76`)).status).toBe(401);
    await Promise.all([...vehicles.map((v, i) => stop(ids[i]!, v)), stop(outsiderPatrol, outsider!)]);
  });
});
