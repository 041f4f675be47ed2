import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prisma } from "@/lib/db";
import type { ControlEvent } from "@/lib/realtime/protocol";
import { readLastFrame } from "@/lib/patrols/read-patrols";
import { createRedis, keyHolders, type RedisClient } from "@/lib/redis/client";
import { controlChannel, patrolChannel, patrolLastTsKey, patrolMetaKey, scopeSetKey, vehicleActivePatrolKey } from "@/lib/redis/keys";
import { scopesOf, type UnitChain } from "@/lib/scope";
import { call, DEMO, login } from "@/test/support/http";
import { idleVehicles, type TestVehicle } from "@/test/support/vehicles";

let redis: RedisClient;
let sub: RedisClient;

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  sub = createRedis(inject("redisUrl"));
  await Promise.all([redis.connect(), sub.connect()]);
});

afterAll(() => {
  redis.disconnect();
  sub.disconnect();
});

/** Every `*:active_patrols` set that contains `patrolId` (under Redis Cluster: on every master). */
async function setsContaining(patrolId: number): Promise<string[]> {
  const keys = (await Promise.all(keyHolders(redis).map((node) => node.keys("*active_patrols")))).flat();
  const hits: string[] = [];
  for (const key of keys) if (await redis.sismember(key, String(patrolId))) hits.push(key);
  return hits.sort();
}

async function chainOf(stationId: number): Promise<UnitChain> {
  const s = await prisma.station.findUniqueOrThrow({ where: { id: stationId } });
  return { stationId: s.id, divisionId: s.divisionId, zoneId: s.zoneId, districtId: s.districtId };
}

const start = (v: TestVehicle, body?: unknown) => call("/api/patrols/start", { method: "POST", token: v.token, body });
const stop = (patrolId: number, v: TestVehicle) => call(`/api/patrols/${patrolId}/stop`, { method: "POST", token: v.token });

describe("patrol start", () => {
  it("puts the patrol in exactly its five sets, writes meta and vehicle key, and announces it on five control channels", async () => {
    const [v] = await idleVehicles(1);
    const chain = await chainOf(v!.homeStationId);
    const channels = scopesOf(chain).map((s) => controlChannel("", s));
    const received = new Map<string, ControlEvent>();
    const onMessage = (channel: string, message: string) => received.set(channel, JSON.parse(message) as ControlEvent);
    sub.on("message", onMessage);
    await sub.subscribe(...channels);

    const res = await start(v!);
    expect(res.status).toBe(201);
    const { patrolId, channel, startedAt } = res.body as { patrolId: number; channel: string; startedAt: number };
    expect(channel).toBe(patrolChannel("", patrolId));
    expect(Math.abs(startedAt - Date.now())).toBeLessThan(60_000);

    expect(await setsContaining(patrolId)).toEqual(scopesOf(chain).map((s) => scopeSetKey("", s)).sort());
    expect(await redis.hgetall(patrolMetaKey("", patrolId))).toEqual({
      vehicleId: String(v!.id),
      callSign: v!.callSign,
      stationId: String(chain.stationId),
      divisionId: String(chain.divisionId),
      zoneId: String(chain.zoneId),
      districtId: String(chain.districtId),
      startedAt: String(startedAt),
      status: "AVAILABLE",
    });
    expect(await redis.get(vehicleActivePatrolKey("", v!.id))).toBe(String(patrolId));

    await expect.poll(() => received.size).toBe(5);
    for (const ch of channels) {
      expect(received.get(ch)).toMatchObject({ type: "PATROL_START", patrol: { patrolId, vehicleId: v!.id, callSign: v!.callSign } });
    }
    sub.off("message", onMessage);
    await sub.unsubscribe(...channels);
    expect((await stop(patrolId, v!)).status).toBe(200);
  });

  it("lets exactly one of 50 concurrent starts for one vehicle win; the rest get 409 naming the patrol", async () => {
    const [v] = await idleVehicles(1);
    const results = await Promise.all(Array.from({ length: 50 }, () => start(v!)));
    const created = results.filter((r) => r.status === 201);
    const conflicts = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    const patrolId = created[0]!.body.patrolId as number;
    for (const c of conflicts) {
      expect(c.body.patrolId).toBe(patrolId);
      expect(c.body.error.code).toBe("ALREADY_ON_PATROL");
    }
    expect(await prisma.patrol.count({ where: { vehicleId: v!.id, status: "ACTIVE" } })).toBe(1);
    expect((await stop(patrolId, v!)).status).toBe(200);
  });

  it("starts for another station when asked, and refuses an unknown station with 404", async () => {
    const [v] = await idleVehicles(1);
    const other = await prisma.station.findFirstOrThrow({ where: { id: { not: v!.homeStationId } } });
    const missing = await start(v!, { stationId: 999_999 });
    expect(missing.status).toBe(404);
    const res = await start(v!, { stationId: other.id });
    expect(res.status).toBe(201);
    expect(await redis.sismember(scopeSetKey("", { level: "station", id: other.id }), String(res.body.patrolId))).toBe(1);
    expect(await redis.sismember(scopeSetKey("", { level: "station", id: v!.homeStationId }), String(res.body.patrolId))).toBe(0);
    expect((await stop(res.body.patrolId as number, v!)).status).toBe(200);
  });
});

describe("patrol stop", () => {
  it("cleans every key and announces PATROL_STOP; stopping twice is 409", async () => {
    const [v] = await idleVehicles(1);
    const chain = await chainOf(v!.homeStationId);
    const { patrolId } = (await start(v!)).body as { patrolId: number };
    await call("/api/telemetry", { token: v!.token, body: { patrolId, lat: 9.97, lon: 76.29 } });
    expect(await redis.exists(patrolLastTsKey("", patrolId))).toBe(1);
    const channels = scopesOf(chain).map((s) => controlChannel("", s));
    const stops: ControlEvent[] = [];
    const onMessage = (_: string, message: string) => stops.push(JSON.parse(message) as ControlEvent);
    sub.on("message", onMessage);
    await sub.subscribe(...channels);

    const res = await stop(patrolId, v!);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ patrolId });
    expect(typeof res.body.endedAt).toBe("number");
    expect(await setsContaining(patrolId)).toEqual([]);
    // One key at a time: under Redis Cluster they live in different slots.
    expect(await redis.exists(patrolMetaKey("", patrolId))).toBe(0);
    expect(await redis.exists(vehicleActivePatrolKey("", v!.id))).toBe(0);
    expect(await readLastFrame(redis, "", patrolId)).toBeNull();
    expect(await redis.exists(patrolLastTsKey("", patrolId))).toBe(0);
    await expect.poll(() => stops.length).toBe(5);
    expect(stops.every((e) => e.type === "PATROL_STOP" && e.patrol.patrolId === patrolId)).toBe(true);
    sub.off("message", onMessage);
    await sub.unsubscribe(...channels);

    const again = await stop(patrolId, v!);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("PATROL_NOT_ACTIVE");
    const row = await prisma.patrol.findUniqueOrThrow({ where: { id: patrolId } });
    expect(row.status).toBe("ENDED");
    expect(row.endedBy).toBe("vehicle");
  });

  it("lets a commander stop a patrol inside their scope (200); outside it answers as if it did not exist (404); another vehicle gets 403", async () => {
    const station = await login(DEMO.station);
    const me = (await station.fetch("/api/auth/session").then((r) => r.json())) as { user: { scope: { id: number } } };
    const stationId = me.user.scope.id;
    const [inside] = await idleVehicles(1, { homeStationId: stationId });
    const [outside] = await idleVehicles(1, { notHomeStationIds: [stationId] });
    const insideId = (await start(inside!)).body.patrolId as number;
    const outsideId = (await start(outside!)).body.patrolId as number;

    expect((await stop(insideId, outside!)).status).toBe(403);
    const refused = await call(`/api/patrols/${outsideId}/stop`, { method: "POST", client: station });
    const missing = await call(`/api/patrols/2147483000/stop`, { method: "POST", client: station });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe("NOT_FOUND");
    // Alike but for the id itself: nothing tells an existing patrol outside the scope from a missing one.
    expect(refused.body.error.message.replace(String(outsideId), "N")).toBe(missing.body.error.message.replace("2147483000", "N"));
    const ok = await call(`/api/patrols/${insideId}/stop`, { method: "POST", client: station });
    expect(ok.status).toBe(200);
    expect((await prisma.patrol.findUniqueOrThrow({ where: { id: insideId } })).endedByUserId).not.toBeNull();

    const admin = await login(DEMO.admin);
    expect((await call(`/api/patrols/${outsideId}/stop`, { method: "POST", client: admin })).status).toBe(200);
    expect((await call(`/api/patrols/${outsideId}/stop`, { method: "POST" })).status).toBe(401);
  });

  it("records a commander's reason, and tells the crew's device who ended the patrol, when and why", async () => {
    const station = await login(DEMO.station);
    const me = (await station.fetch("/api/auth/session").then((r) => r.json())) as { user: { name: string; scope: { id: number } } };
    const [v] = await idleVehicles(1, { homeStationId: me.user.scope.id });
    const patrolId = (await start(v!)).body.patrolId as number;
    const tooLong = await call(`/api/patrols/${patrolId}/stop`, { method: "POST", client: station, body: { reason: "x".repeat(201) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/reason: must be at most 200 characters/);

    const reason = "Vehicle reported unroadworthy";
    const ok = await call(`/api/patrols/${patrolId}/stop`, { method: "POST", client: station, body: { reason } });
    expect(ok.status).toBe(200);
    expect((await prisma.patrol.findUniqueOrThrow({ where: { id: patrolId } })).endReason).toBe(reason);
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { action: "patrol.stop", target: `patrol:${patrolId}` } });
    expect(audit.detail).toMatchObject({ by: "user", reason });

    // The crew keeps posting: every answer says it was a commander, not a fault — from Redis on the hot path, from PostgreSQL elsewhere.
    for (const res of [
      await call("/api/telemetry", { token: v!.token, body: { patrolId, lat: 9.97, lon: 76.29 } }),
      await call(`/api/patrols/${patrolId}/status`, { method: "POST", token: v!.token, body: { status: "BUSY" } }),
      await stop(patrolId, v!),
    ]) {
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: "PATROL_ENDED_BY_COMMANDER", endedBy: me.user.name, reason });
      expect(res.body.error.message).toContain(`was ended by ${me.user.name}`);
      expect(Math.abs(res.body.error.endedAt - Date.now())).toBeLessThan(60_000);
    }
    // A patrol its own device stopped is simply not active.
    const own = (await start(v!)).body.patrolId as number;
    expect((await stop(own, v!)).status).toBe(200);
    const after = await call("/api/telemetry", { token: v!.token, body: { patrolId: own, lat: 9.97, lon: 76.29 } });
    expect(after.body.error.code).toBe("PATROL_NOT_ACTIVE");
  });
});

describe("GET /api/patrols", () => {
  it("lists exactly the active patrols of the caller's scope, with meta and last position", async () => {
    const station = await login(DEMO.station);
    const session = (await station.fetch("/api/auth/session").then((r) => r.json())) as { user: { scope: { id: number } } };
    const [inside] = await idleVehicles(1, { homeStationId: session.user.scope.id });
    const [outside] = await idleVehicles(1, { notHomeStationIds: [session.user.scope.id] });
    const insideId = (await start(inside!)).body.patrolId as number;
    const outsideId = (await start(outside!)).body.patrolId as number;
    await call("/api/telemetry", { token: inside!.token, body: { patrolId: insideId, lat: 9.9667, lon: 76.2997, speed: 5, heading: 90 } });

    const res = await call("/api/patrols", { client: station });
    expect(res.status).toBe(200);
    const ids = (res.body.items as { patrolId: number }[]).map((p) => p.patrolId);
    expect(ids).toContain(insideId);
    expect(ids).not.toContain(outsideId);
    const mine = (res.body.items as { patrolId: number; callSign: string; last: unknown }[]).find((p) => p.patrolId === insideId);
    expect(mine).toMatchObject({ callSign: inside!.callSign, stationId: session.user.scope.id, last: { lat: 9.9667, lon: 76.2997, speed: 5, heading: 90 } });

    const admin = await login(DEMO.admin);
    const all = ((await call("/api/patrols", { client: admin })).body.items as { patrolId: number }[]).map((p) => p.patrolId);
    expect(all).toEqual(expect.arrayContaining([insideId, outsideId]));
    expect((await call("/api/patrols")).status).toBe(401);
    await stop(insideId, inside!);
    await stop(outsideId, outside!);
  });
});
