import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prisma } from "@/lib/db";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { HISTORY_GROUP, historyStreamKey } from "@/lib/redis/keys";
import { waitUntil } from "@/test/support/sidecar";
import { DAY_MS, dayStart, listPartitions, partitionName, PositionPartitions } from "@/history/partitions";
import { freePort, startHistory, type Managed } from "@/test/support/stack";
import { call, DEMO, login, type UserClient } from "@/test/support/http";
import { TEST_SECRETS } from "@/test/support/secrets";
import { idleVehicles, type TestVehicle } from "@/test/support/vehicles";

// The suite's web server ingests; this file runs (and kills) history writers of its own against the suite's database and
// Redis (in the integration-cluster project, its Redis Cluster: one stream per patrol, `history:{id}`).
const stream = (patrolId: number) => historyStreamKey("", patrolId);

let redis: RedisClient;
let admin: UserClient;
let writer: Managed | null = null;
let metricsPort = 0;

function historyEnv(extra: Record<string, string> = {}) {
  return {
    ...TEST_SECRETS,
    DATABASE_URL: inject("databaseUrl"),
    REDIS_URL: inject("redisUrl"),
    HISTORY_METRICS_PORT: String(metricsPort),
    HISTORY_CLAIM_IDLE_MS: "300",
    HISTORY_CONSUMER: "it-main",
    LOG_LEVEL: "warn",
    ...extra,
  };
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : NaN;
}

async function startPatrol(v: TestVehicle): Promise<number> {
  const res = await call("/api/patrols/start", { token: v.token, method: "POST" });
  expect(res.status).toBe(201);
  return res.body.patrolId as number;
}

const storedCount = (patrolId: number) => prisma.position.count({ where: { patrolId } });

async function waitForStored(patrolId: number, n: number, timeoutMs = 15_000): Promise<void> {
  await waitUntil(async () => (await storedCount(patrolId)) >= n, `${n} points of patrol ${patrolId} stored`, timeoutMs);
  expect(await storedCount(patrolId)).toBe(n);
}

beforeAll(async () => {
  metricsPort = await freePort();
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  admin = await login(DEMO.admin);
  writer = await startHistory(historyEnv());
});

afterAll(async () => {
  await writer?.stop();
  redis?.disconnect();
});

describe("history: every accepted point is stored and served", () => {
  it("stores single and batched points (late ones too) and serves them in ts order as json, geojson, gpx and csv", async () => {
    const [v] = await idleVehicles(1);
    const patrolId = await startPatrol(v!);
    const t0 = Date.now() - 60_000;
    const single = [
      { patrolId, lat: 9.96, lon: 76.29, ts: t0, speed: 8.5, heading: 90, accuracy: 4 },
      { patrolId, lat: 9.961, lon: 76.291, ts: t0 + 1_000 },
    ];
    const batch = [4, 2, 6, 3, 5].map((i) => ({ patrolId, lat: 9.96 + i / 1000, lon: 76.29 + i / 1000, ts: t0 + i * 1_000, speed: i }));
    // Older than the last point: not shown live, but a real position (a device flushing its buffer late).
    const late = { patrolId, lat: 9.9605, lon: 76.2905, ts: t0 + 500 };
    for (const p of single) expect((await call("/api/telemetry", { token: v!.token, body: p })).status).toBe(202);
    expect((await call("/api/telemetry/batch", { token: v!.token, body: { points: batch } })).status).toBe(202);
    const lateRes = await call("/api/telemetry", { token: v!.token, body: late });
    expect(lateRes).toMatchObject({ status: 202, body: { stale: true } });
    const expected = [...single, ...batch, late].sort((a, b) => a.ts - b.ts).map(({ patrolId: _, ...p }) => p);
    await waitForStored(patrolId, expected.length);

    const json = await call(`/api/patrols/${patrolId}/track`, { client: admin });
    expect(json.status).toBe(200);
    expect(json.body).toEqual({ patrolId, vehicleId: v!.id, callSign: v!.callSign, points: expected });

    const geo = await call(`/api/patrols/${patrolId}/track?format=geojson`, { client: admin });
    expect(geo.headers.get("content-type")).toMatch(/geo\+json/);
    expect(geo.body.type).toBe("FeatureCollection");
    const feature = geo.body.features[0];
    expect(feature.geometry).toEqual({ type: "LineString", coordinates: expected.map((p) => [p.lon, p.lat]) });
    expect(feature.properties).toMatchObject({ patrolId, callSign: v!.callSign, times: expected.map((p) => p.ts) });

    const gpx = await admin.fetch(`/api/patrols/${patrolId}/track?format=gpx`);
    expect(gpx.headers.get("content-type")).toMatch(/gpx\+xml/);
    expect(gpx.headers.get("content-disposition")).toMatch(/^attachment; filename="patrol-\d+-.+\.gpx"$/);
    const gpxText = await gpx.text();
    expect(gpxText).toMatch(/^<\?xml[^>]*\?>\s*<gpx version="1\.1"/);
    const trkpts = [...gpxText.matchAll(/<trkpt lat="([^"]+)" lon="([^"]+)"><time>([^<]+)<\/time><\/trkpt>/g)];
    expect(trkpts.map((m) => [Number(m[1]), Number(m[2]), Date.parse(m[3]!)])).toEqual(expected.map((p) => [p.lat, p.lon, p.ts]));
    expect(gpxText.match(/<trk>/g)).toHaveLength(1);

    const csv = await (await admin.fetch(`/api/patrols/${patrolId}/track?format=csv`)).text();
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("ts,lat,lon,speed,heading,accuracy");
    expect(lines[1]).toBe(`${t0},9.96,76.29,8.5,90,4`);
    expect(lines[2]).toBe(`${t0 + 500},9.9605,76.2905,,,`);
    expect(lines.slice(1).map((l) => Number(l.split(",")[0]))).toEqual(expected.map((p) => p.ts));

    const admin_ = await prisma.user.findUniqueOrThrow({ where: { email: DEMO.admin } });
    const audited = await prisma.auditEvent.findMany({ where: { target: `patrol:${patrolId}` }, orderBy: { id: "asc" } });
    expect(audited.map((a) => [a.action, (a.detail as { format: string }).format, a.userId])).toEqual([
      ["track.view", "json", admin_.id],
      ["track.export", "geojson", admin_.id],
      ["track.export", "gpx", admin_.id],
      ["track.export", "csv", admin_.id],
    ]);

    const windowed = await call(`/api/patrols/${patrolId}/track?from=${t0 + 1_000}&to=${t0 + 3_000}`, { client: admin });
    expect(windowed.body.points.map((p: { ts: number }) => p.ts)).toEqual([t0 + 1_000, t0 + 2_000, t0 + 3_000]);

    const listed = await call(`/api/patrols/history?from=${t0}&to=${Date.now()}&vehicleId=${v!.id}`, { client: admin });
    expect(listed.status).toBe(200);
    // Other suites of the run may have driven the same vehicle in the window: this patrol must be among them, once.
    const items = listed.body.items as Array<{ patrolId: number }>;
    expect(items.filter((i) => i.patrolId === patrolId)).toEqual([expect.objectContaining({ patrolId, vehicleId: v!.id, callSign: v!.callSign, endedAt: null, points: 8 })]);
    expect((await call(`/api/patrols/${patrolId}/stop`, { token: v!.token, method: "POST" })).status).toBe(200);
    // Ended patrols keep their track.
    const after = await call(`/api/patrols/history?from=${t0}&vehicleId=${v!.id}`, { client: admin });
    expect(after.body.items[0]).toMatchObject({ patrolId, endedAt: expect.any(Number) as number, points: 8 });
    expect((await call(`/api/patrols/${patrolId}/track`, { client: admin })).body.points).toHaveLength(8);
  });

  it("stores a redelivered batch once", async () => {
    const [v] = await idleVehicles(1);
    const patrolId = await startPatrol(v!);
    const t0 = Date.now() - 30_000;
    const points = Array.from({ length: 50 }, (_, i) => ({ patrolId, lat: 9.9 + i / 1e4, lon: 76.2, ts: t0 + i * 100 }));
    expect((await call("/api/telemetry/batch", { token: v!.token, body: { points } })).status).toBe(202);
    await waitForStored(patrolId, 50);
    const duplicatesBefore = await metric("sentinel_history_points_duplicate_total");

    // The device retries the whole batch (its answer was lost), and the stream delivers the same entries again
    // (as after a writer crash between its commit and its acknowledgement).
    const retry = await call("/api/telemetry/batch", { token: v!.token, body: { points } });
    expect(retry).toMatchObject({ status: 202, body: { published: 0, stale: 50 } });
    const frames = points.map((p) => JSON.stringify({ type: "TELEMETRY", ...p }));
    for (const f of frames) await redis.xadd(stream(patrolId), "*", "v", String(v!.id), "f", f);
    await waitUntil(async () => (await metric("sentinel_history_points_duplicate_total")) >= duplicatesBefore + 99, "the redelivered points to be skipped");
    expect(await storedCount(patrolId)).toBe(50);
  });

  it("stores every point exactly once when writers are killed mid-batch and others take over", async () => {
    await writer!.stop();
    const vehicles = await idleVehicles(4);
    const patrols = await Promise.all(vehicles.map(startPatrol));
    const t0 = Date.now() - 120_000;
    // 4 patrols × 5 batches × 100 points = 2,000 points waiting in the stream while no writer runs.
    await Promise.all(
      vehicles.map(async (v, k) => {
        for (let b = 0; b < 5; b++) {
          const points = Array.from({ length: 100 }, (_, i) => ({ patrolId: patrols[k]!, lat: 9.9, lon: 76.2 + i / 1e4, ts: t0 + (b * 100 + i) * 10 }));
          expect((await call("/api/telemetry/batch", { token: v.token, body: { points } })).status).toBe(202);
        }
      }),
    );
    const total = async () => (await Promise.all(patrols.map(storedCount))).reduce((a, b) => a + b, 0);
    const before = await total();
    // Small batches, killed (SIGKILL: no clean shutdown) as soon as it has stored something; its successor has
    // another consumer name, so it must take over the dead one's pending points (XAUTOCLAIM) to finish.
    const victim = await startHistory(historyEnv({ HISTORY_CONSUMER: "it-killed", HISTORY_BATCH_SIZE: "5" }));
    await waitUntil(async () => (await total()) > before, "the doomed writer to store something");
    process.kill(-victim.child.pid!, "SIGKILL");
    await victim.stop();
    expect(await total()).toBeLessThan(before + 2_000);
    writer = await startHistory(historyEnv({ HISTORY_CONSUMER: "it-main-2" }));
    await waitUntil(async () => (await total()) === 2_000, "all 2,000 points stored", 20_000);
    for (const id of patrols) {
      const rows = await prisma.position.findMany({ where: { patrolId: id }, select: { ts: true }, orderBy: { ts: "asc" } });
      expect(rows.map((r) => r.ts.getTime())).toEqual(Array.from({ length: 500 }, (_, i) => t0 + i * 10));
    }
    for (const id of patrols) {
      await waitUntil(async () => (await redis.xlen(stream(id))) === 0, `the stream of patrol ${id} to be empty`);
      const pending = (await redis.xpending(stream(id), HISTORY_GROUP)) as [number, ...unknown[]];
      expect(pending[0]).toBe(0);
    }
    for (const [k, v] of vehicles.entries()) await call(`/api/patrols/${patrols[k]!}/stop`, { token: v.token, method: "POST" });
  }, 60_000);
});

describe("history retention", () => {
  it("keeps daily partitions ahead of need, drops whole expired ones, and stores nothing older than the retention", async () => {
    const today = dayStart(Date.now());
    const names = async () => (await listPartitions()).map((p) => p.name);
    for (const d of [0, 1, 2]) expect(await names()).toContain(partitionName(today + d * DAY_MS));

    const partitions = new PositionPartitions();
    const old = today - 400 * DAY_MS;
    await partitions.ensure([old]);
    await prisma.position.create({ data: { patrolId: 1, vehicleId: 1, ts: new Date(old + 1_000), lat: 1, lon: 1 } });
    expect(await partitions.dropExpired(365)).toEqual([partitionName(old)]);
    expect(await names()).not.toContain(partitionName(old));
    expect(await prisma.position.count({ where: { ts: { lt: new Date(today - 365 * DAY_MS) } } })).toBe(0);

    const [v] = await idleVehicles(1);
    const patrolId = await startPatrol(v!);
    const expiredBefore = await metric("sentinel_history_points_expired_total");
    const ancient = { patrolId, lat: 9.9, lon: 76.2, ts: today - 400 * DAY_MS };
    expect((await call("/api/telemetry", { token: v!.token, body: ancient })).status).toBe(202);
    await waitUntil(async () => (await metric("sentinel_history_points_expired_total")) > expiredBefore, "the ancient point to be refused");
    expect(await storedCount(patrolId)).toBe(0);
    expect(await names()).not.toContain(partitionName(dayStart(ancient.ts)));
    await call(`/api/patrols/${patrolId}/stop`, { token: v!.token, method: "POST" });
  });
});

describe("track and history API: bad requests and scope", () => {
  it("answers 404 for unknown or malformed ids and 400 for bad windows and formats, naming the limit", async () => {
    const [v] = await idleVehicles(1);
    const patrolId = await startPatrol(v!);
    expect((await call(`/api/patrols/${patrolId}/track`)).status).toBe(401);
    for (const id of ["abc", "0", "-1", "99999999999", "2147483647"]) {
      const res = await call(`/api/patrols/${id}/track`, { client: admin });
      expect(res.status, id).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
    }
    const bad = async (query: string, pattern: RegExp) => {
      const res = await call(`/api/patrols/${patrolId}/track?${query}`, { client: admin });
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(res.body.error.message).toMatch(pattern);
    };
    await bad("from=2000&to=1000", /after to/);
    await bad(`from=0&to=${Date.now()}`, /limit of 7 days/);
    await bad("format=kml", /format: must be one of json, geojson, gpx, csv/);
    await bad("from=yesterday", /from: must be epoch milliseconds/);
    const history = await call(`/api/patrols/history?from=${Date.now()}&to=1`, { client: admin });
    expect(history.status).toBe(400);
    expect((await call(`/api/patrols/history?from=0&to=${Date.now()}`, { client: admin })).body.error.message).toMatch(/limit of 31 days/);
    expect((await call("/api/patrols/history?stationId=x", { client: admin })).status).toBe(400);
    expect((await call(`/api/patrols/${patrolId}/stop`, { token: v!.token, method: "POST" })).status).toBe(200);
  });

  it("limits tracks and history to the caller's jurisdiction, as the live map does", async () => {
    const commander = await prisma.user.findUniqueOrThrow({ where: { email: DEMO.station } });
    const stationId = commander.scopeId!;
    const [inside] = await idleVehicles(1, { homeStationId: stationId });
    const [outside] = await idleVehicles(1, { notHomeStationIds: [stationId] });
    const ownPatrol = await startPatrol(inside!);
    const otherPatrol = await startPatrol(outside!);
    const station = await login(DEMO.station);
    expect((await call(`/api/patrols/${ownPatrol}/track`, { client: station })).status).toBe(200);
    const refused = await call(`/api/patrols/${otherPatrol}/track?format=gpx`, { client: station });
    expect([403, 404]).toContain(refused.status);
    expect(refused.body.error.message).not.toMatch(new RegExp(outside!.callSign));
    const listed = await call("/api/patrols/history", { client: station });
    const ids = (listed.body.items as { patrolId: number; stationId: number }[]).map((i) => i.patrolId);
    expect(ids).toContain(ownPatrol);
    expect(ids).not.toContain(otherPatrol);
    expect((listed.body.items as { stationId: number }[]).every((i) => i.stationId === stationId)).toBe(true);
    const filtered = await call(`/api/patrols/history?vehicleId=${outside!.id}`, { client: station });
    expect(filtered.body.items).toEqual([]);
    for (const [id, v] of [[ownPatrol, inside!], [otherPatrol, outside!]] as const) await call(`/api/patrols/${id}/stop`, { token: v.token, method: "POST" });
  });
});
