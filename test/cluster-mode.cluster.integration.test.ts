import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { readLastFrame } from "@/lib/patrols/read-patrols";
import { rebuildState } from "@/lib/patrols/rebuild-state";
import { createRedis, keyHolders, type RedisClient } from "@/lib/redis/client";
import {
  clusterLayout,
  patrolChannel,
  patrolCredentialKey,
  patrolMetaKey,
  scopeSetKey,
  statePlaneReadyKey,
  vehicleActivePatrolKey,
} from "@/lib/redis/keys";
import { scopesOf } from "@/lib/scope";
import { ingestCredential, ingestKeys } from "@/lib/telemetry/ingest-script";
import { baseUrl, call, DEMO, login, type UserClient } from "@/test/support/http";
import { hashDeviceId } from "@/lib/vehicles/device-id";
import { watchLiveFrames, type LiveFrameWatcher } from "@/test/support/live-frames";
import { idleVehicles, type TestVehicle } from "@/test/support/vehicles";

// Redis Cluster mode (DESIGN §13) through the suite's web server on its private 3-master cluster: what the telemetry
// hot path sends where, the state plane across two slots, revocation through the credential mirror, and the rebuild.

let redis: RedisClient;
let live: LiveFrameWatcher;
let admin: UserClient;

beforeAll(async () => {
  redis = createRedis();
  await redis.connect();
  live = await watchLiveFrames();
  admin = await login(DEMO.admin);
});

afterAll(() => {
  live.close();
  redis.disconnect();
});

const start = async (v: TestVehicle) => {
  const res = await call("/api/patrols/start", { method: "POST", token: v.token });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { patrolId: number; channel: string };
};
const stop = (patrolId: number, v: TestVehicle) => call(`/api/patrols/${patrolId}/stop`, { method: "POST", token: v.token });
const post = (v: TestVehicle, patrolId: number, token = v.token) =>
  call("/api/telemetry", { method: "POST", token, body: { patrolId, lat: 9.97, lon: 76.29, ts: Date.now() } });

const keySlot = async (key: string) => Number(await redis.cluster("KEYSLOT", key));

/** Script calls (EVALSHA and EVAL) each master served since its stats were last reset, by port. */
async function scriptCalls(): Promise<Map<number, number>> {
  const calls = new Map<number, number>();
  for (const node of keyHolders(redis)) {
    const stats = await node.info("commandstats");
    const count = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    calls.set(node.options.port!, count("evalsha") + count("eval"));
  }
  return calls;
}

describe("Redis Cluster mode", () => {
  it("runs with the cluster-mode names", () => {
    expect(clusterLayout).toBe(true);
  });

  it("accepts a point with ONE script call on the patrol's master, every key in its slot, and SPUBLISHes the stored frame on live:patrol:{id}", async () => {
    const [v] = await idleVehicles(1);
    const { patrolId, channel } = await start(v!);
    expect(channel).toBe(`live:patrol:{${patrolId}}`);
    await live.follow(patrolId);

    // Every key the script gets (DESIGN §13): one slot, the patrol's.
    const credential = ingestCredential("", v!.id, patrolId, { kind: "token", generation: 0 });
    const keys = Object.values(ingestKeys("", v!.id, patrolId, 42, credential.key));
    const slots = new Set(await Promise.all(keys.map(keySlot)));
    expect([...slots]).toEqual([await keySlot(patrolChannel("", patrolId))]);

    expect((await post(v!, patrolId)).status).toBe(202); // loads the script on its master
    await Promise.all(keyHolders(redis).map((node) => node.config("RESETSTAT")));
    live.published.length = 0;
    expect((await post(v!, patrolId)).status).toBe(202);
    const owner = (await redis.cluster("SLOTS")) as unknown as [number, number, [string, number]][];
    const slot = await keySlot(patrolMetaKey("", patrolId));
    const ownerPort = owner.find(([from, to]) => slot >= from && slot <= to)![2][1];
    const calls = await scriptCalls();
    expect(calls.get(ownerPort)).toBe(1);
    for (const [port, n] of calls) if (port !== ownerPort) expect(n, `script calls on 127.0.0.1:${port}`).toBe(0);

    await expect.poll(() => live.published.length).toBe(1);
    expect(live.published[0]!.channel).toBe(patrolChannel("", patrolId));
    expect(Buffer.compare(live.published[0]!.message, (await readLastFrame(redis, "", patrolId))!)).toBe(0);
    expect((await stop(patrolId, v!)).status).toBe(200);
  });

  it("keeps the sets, vehicle key, meta and credential mirror right across start and stop", async () => {
    const [v] = await idleVehicles(1);
    const { patrolId } = await start(v!);
    const meta = await prisma.patrol.findUniqueOrThrow({ where: { id: patrolId }, select: { stationId: true, divisionId: true, zoneId: true, districtId: true } });
    const sets = scopesOf(meta).map((scope) => scopeSetKey("", scope));
    // The whole state plane is one slot: start and stop change it in one MULTI.
    expect(new Set(await Promise.all([...sets, vehicleActivePatrolKey("", v!.id), statePlaneReadyKey("")].map(keySlot))).size).toBe(1);
    for (const set of sets) expect(await redis.sismember(set, String(patrolId)), set).toBe(1);
    expect(await redis.get(vehicleActivePatrolKey("", v!.id))).toBe(String(patrolId));
    expect(await redis.hget(patrolMetaKey("", patrolId), "vehicleId")).toBe(String(v!.id));
    expect(await redis.hgetall(patrolCredentialKey("", patrolId))).toEqual({ gen: "0" });
    const listed = await call("/api/patrols", { client: admin });
    expect((listed.body.items as { patrolId: number }[]).some((p) => p.patrolId === patrolId)).toBe(true);

    expect((await stop(patrolId, v!)).status).toBe(200);
    for (const set of sets) expect(await redis.sismember(set, String(patrolId)), set).toBe(0);
    expect(await redis.exists(vehicleActivePatrolKey("", v!.id))).toBe(0);
    expect(await redis.exists(patrolMetaKey("", patrolId))).toBe(0);
    expect(await redis.exists(patrolCredentialKey("", patrolId))).toBe(0);
    expect((await post(v!, patrolId)).status).toBe(409);
  });

  it("refuses a token revoked during the patrol (its mirror follows the vehicle's generation), and accepts the new one", async () => {
    const [v] = await idleVehicles(1);
    const { patrolId } = await start(v!);
    expect((await post(v!, patrolId)).status).toBe(202);
    const rotated = await call(`/api/admin/vehicles/${v!.id}/secret`, { method: "POST", client: admin });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const refused = await post(v!, patrolId);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("INVALID_TOKEN");
    expect(await redis.hget(patrolCredentialKey("", patrolId), "gen")).toBe("1");
    const tokenRes = await call("/api/vehicles/token", { body: { vehicleId: v!.id, secret: rotated.body.secret as string } });
    expect(tokenRes.status).toBe(200);
    const fresh = { ...v!, token: tokenRes.body.token as string };
    expect((await post(fresh, patrolId)).status).toBe(202);
    expect((await stop(patrolId, fresh)).status).toBe(200);
  });

  it("takes a phone's points over OsmAnd (first point starts the patrol); a replaced device id is refused through the mirror, the new one continues", async () => {
    const station = await prisma.station.findFirstOrThrow({ orderBy: { id: "asc" } });
    const suffix = `${process.pid}-${Date.now() % 100_000}`;
    const made = await call("/api/admin/vehicles", { client: admin, body: { callSign: `CL-OSM-${suffix}`, registration: `KL-CL-${suffix}`, homeStationId: station.id } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const vehicleId = made.body.id as number;
    const issue = async () => (await call(`/api/admin/vehicles/${vehicleId}/device-id`, { method: "POST", client: admin })).body.deviceId as string;
    const osmand = async (id: string) => (await fetch(`${baseUrl()}/api/osmand?${new URLSearchParams({ id, lat: "9.97", lon: "76.29", timestamp: String(Math.floor(Date.now() / 1000)) })}`)).status;

    const first = await issue();
    expect(await osmand(first)).toBe(200);
    const patrol = await prisma.patrol.findFirstOrThrow({ where: { vehicleId, status: "ACTIVE" }, select: { id: true } });
    expect(await redis.hget(patrolCredentialKey("", patrol.id), "dev")).toBe(hashDeviceId(first));

    const second = await issue();
    expect(await osmand(first)).toBe(404);
    expect(await redis.hget(patrolCredentialKey("", patrol.id), "dev")).toBe(hashDeviceId(second));
    await new Promise((r) => setTimeout(r, 1_000)); // the next point needs a later timestamp (whole seconds)
    expect(await osmand(second)).toBe(200);
    expect((await prisma.patrol.findFirstOrThrow({ where: { vehicleId, status: "ACTIVE" }, select: { id: true } })).id).toBe(patrol.id);

    // Disabled: the mirror drops the device id (403 from the device key); the patrol is stopped and the vehicle left disabled.
    expect((await call(`/api/admin/vehicles/${vehicleId}`, { method: "PATCH", client: admin, body: { enabled: false } })).status).toBe(200);
    expect(await redis.hexists(patrolCredentialKey("", patrol.id), "dev")).toBe(0);
    expect(await osmand(second)).toBe(403);
    expect((await call(`/api/patrols/${patrol.id}/stop`, { method: "POST", client: admin })).status).toBe(200);
  });

  it("answers 503 for an unknown patrol while the state plane is missing, and restores it (per slot, ready marker last)", async () => {
    const [v] = await idleVehicles(1);
    const { patrolId } = await start(v!);
    await redis.del(statePlaneReadyKey(""));
    const missing = await post(v!, 987_654);
    expect(missing.status).toBe(503);
    expect(missing.headers.get("retry-after")).toBe("1");
    // The refusal started the restore (rebuildStateIfMissing): the marker comes back, the patrol is still there.
    await expect.poll(() => redis.exists(statePlaneReadyKey("")), { timeout: 10_000 }).toBe(1);
    expect((await post(v!, 987_654)).status).toBe(409);
    expect((await post(v!, patrolId)).status).toBe(202);
    expect((await stop(patrolId, v!)).status).toBe(200);
  });

  it("rebuilds the state plane from PostgreSQL over every master: stale keys go, active patrols keep sets, meta and mirror", async () => {
    const [v] = await idleVehicles(1);
    const { patrolId } = await start(v!);
    const staleSet = scopeSetKey("", { level: "zone", id: 999 });
    await redis.sadd(staleSet, "424242");
    await redis.hset(patrolMetaKey("", 424242), { vehicleId: "1" });
    await redis.hset(patrolCredentialKey("", 424242), { gen: "0" });
    await redis.srem(scopeSetKey("", { level: "city", id: null }), String(patrolId));
    await redis.del(patrolCredentialKey("", patrolId));

    const result = await rebuildState(prisma, redis, "");
    expect(result.activePatrols).toBeGreaterThanOrEqual(1);
    expect(await redis.exists(staleSet)).toBe(0);
    expect(await redis.exists(patrolMetaKey("", 424242))).toBe(0);
    expect(await redis.exists(patrolCredentialKey("", 424242))).toBe(0);
    expect(await redis.sismember(scopeSetKey("", { level: "city", id: null }), String(patrolId))).toBe(1);
    expect(await redis.hgetall(patrolCredentialKey("", patrolId))).toEqual({ gen: "0" });
    expect(await redis.exists(statePlaneReadyKey(""))).toBe(1);
    expect((await post(v!, patrolId)).status).toBe(202);
    expect((await stop(patrolId, v!)).status).toBe(200);
  });
});
