import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { parseControlEvent } from "@/lib/realtime/protocol";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { deviceVehicleKey, patrolLastTsKey } from "@/lib/redis/keys";
import { hashDeviceId } from "@/lib/vehicles/device-id";
import { baseUrl, call, DEMO, login } from "@/test/support/http";
import { idleVehicles, type TestVehicle } from "@/test/support/vehicles";

const run = promisify(execFile);
let redis: RedisClient;
let started: { v: TestVehicle; id: number }[] = [];

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  const fleet = await idleVehicles(6);
  started = await Promise.all(
    fleet.map(async (v) => ({ v, id: (await call("/api/patrols/start", { method: "POST", token: v.token })).body.patrolId as number })),
  );
});

afterAll(async () => {
  await Promise.all(started.map(({ v, id }) => call(`/api/patrols/${id}/stop`, { method: "POST", token: v.token })));
  redis.disconnect();
});

/**
 * The web app's whole state plane (no REDIS_PREFIX, like the rebuild) as plain data: every set's members, meta hash
 * and vehicle key. Keys under another suite's prefix are not the app's and are not rebuilt.
 */
async function statePlane(): Promise<Record<string, unknown>> {
  const ownKey = /^(?:city:|(?:station|division|zone|district):\d+:)active_patrols$|^patrol:\d+:meta$|^vehicle:\d+:active_patrol$/;
  const keys = (await redis.keys("*")).filter((k) => ownKey.test(k)).sort();
  const state: Record<string, unknown> = {};
  for (const key of keys) {
    const type = await redis.type(key);
    state[key] = type === "set" ? (await redis.smembers(key)).sort() : type === "hash" ? await redis.hgetall(key) : await redis.get(key);
  }
  return state;
}

const rebuild = () =>
  run(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "scripts/state-rebuild.ts"], {
    env: { ...process.env, DATABASE_URL: inject("databaseUrl"), REDIS_URL: inject("redisUrl") },
  });

it("npm run state:rebuild restores exactly the pre-flush state plane after FLUSHDB, idempotently", async () => {
  // One of the vehicles is a phone too: its device id must work again after the rebuild.
  const phone = started[1]!;
  const issued = await call(`/api/admin/vehicles/${phone.v.id}/device-id`, { method: "POST", client: await login(DEMO.admin) });
  const deviceId = issued.body.deviceId as string;
  const before = await statePlane();
  expect(Object.keys(before).length).toBeGreaterThan(6 * 2);
  await redis.flushdb();
  expect(await statePlane()).toEqual({});

  // Dashboards that re-synced against the empty Redis learn of every patrol from the control plane.
  const sub = createRedis(inject("redisUrl"));
  const announced = new Set<number>();
  // (The rebuild re-announces unresolved alerts on the same channels: only the patrol starts count here.)
  sub.on("message", (_channel: string, message: string) => {
    const event = parseControlEvent(message);
    if (event?.type === "PATROL_START") announced.add(event.patrol.patrolId);
  });
  await sub.subscribe("control:city");

  const { stdout } = await rebuild();
  expect(stdout).toMatch(/Rebuilt the state plane: \d+ active patrol/);
  expect(await statePlane()).toEqual(before);
  await expect.poll(() => started.every(({ id }) => announced.has(id))).toBe(true);
  sub.disconnect();

  await rebuild();
  expect(await statePlane()).toEqual(before);

  // Telemetry works again on the rebuilt plane.
  const { v, id } = started[0]!;
  expect((await call("/api/telemetry", { method: "POST", token: v.token, body: { patrolId: id, lat: 9.9, lon: 76.3 } })).status).toBe(202);
  expect(await redis.get(deviceVehicleKey("", hashDeviceId(deviceId)))).toBe(String(phone.v.id));
  expect((await fetch(`${baseUrl()}/api/osmand?id=${deviceId}&lat=9.91&lon=76.31`)).status).toBe(200);
});

it("removes leftovers of patrols that are no longer active", async () => {
  await redis.sadd("zone:999:active_patrols", "424242");
  await redis.set("vehicle:999:active_patrol", "424242");
  await redis.hset("patrol:last_status", "424242", "{}");
  await redis.set(patrolLastTsKey("", 424242), "1");
  // A device id that was replaced (its key outlived the change, e.g. Redis failed in between) is unknown after a rebuild.
  const revoked = deviceVehicleKey("", hashDeviceId("aaaa-bbbb-cccc-dddd-eeee-ffff-gggg-hhhh"));
  await redis.set(revoked, String(started[0]!.v.id));
  await rebuild();
  expect(await redis.exists("zone:999:active_patrols", "vehicle:999:active_patrol", patrolLastTsKey("", 424242), revoked)).toBe(0);
  expect(await redis.hexists("patrol:last_status", "424242")).toBe(0);
});
