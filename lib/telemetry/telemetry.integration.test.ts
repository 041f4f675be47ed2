import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { readLastFrame } from "@/lib/patrols/read-patrols";
import { patrolChannel } from "@/lib/redis/keys";
import { watchLiveFrames, type LiveFrameWatcher } from "@/test/support/live-frames";
import { call } from "@/test/support/http";
import { TEST_SECRETS } from "@/test/support/secrets";
import { tableScans } from "@/test/support/table-scans";
import { idleVehicles, type TestVehicle } from "@/test/support/vehicles";

let redis: RedisClient;
let live: LiveFrameWatcher;
let vehicle: TestVehicle;
let other: TestVehicle;
let patrolId: number;
let otherPatrolId: number;
/** Every message published on the file's patrols' data channels, by channel. */
let published: LiveFrameWatcher["published"];

const post = (body: unknown, token = vehicle.token, path = "/api/telemetry", headers: Record<string, string> = {}) =>
  call(path, { method: "POST", token, body, headers });

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  [vehicle, other] = (await idleVehicles(2)) as [TestVehicle, TestVehicle];
  patrolId = (await call("/api/patrols/start", { method: "POST", token: vehicle.token })).body.patrolId as number;
  otherPatrolId = (await call("/api/patrols/start", { method: "POST", token: other.token })).body.patrolId as number;
  live = await watchLiveFrames();
  published = live.published;
  await live.follow(patrolId, otherPatrolId);
});

afterAll(async () => {
  await call(`/api/patrols/${patrolId}/stop`, { method: "POST", token: vehicle.token });
  await call(`/api/patrols/${otherPatrolId}/stop`, { method: "POST", token: other.token });
  redis.disconnect();
  live.close();
});

async function settle() {
  await redis.ping();
  await new Promise((r) => setTimeout(r, 50));
}

describe("POST /api/telemetry", () => {
  it("publishes the TELEMETRY frame byte-for-byte as stored in patrol:last_status", async () => {
    published.length = 0;
    const ts = Date.now();
    const res = await post({ patrolId, lat: 9.9712, lon: 76.2901, ts, speed: 8.4, heading: 268, accuracy: 5 });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    await expect.poll(() => published.length).toBe(1);
    const stored = await readLastFrame(redis, "", patrolId);
    expect(published[0]!.channel).toBe(patrolChannel("", patrolId));
    expect(Buffer.compare(published[0]!.message, stored!)).toBe(0);
    expect(JSON.parse(stored!.toString())).toEqual({
      type: "TELEMETRY",
      patrolId,
      lat: 9.9712,
      lon: 76.2901,
      ts,
      speed: 8.4,
      heading: 268,
      accuracy: 5,
    });
  });

  it("defaults ts to the arrival time", async () => {
    const before = Date.now();
    expect((await post({ patrolId, lat: 9.97, lon: 76.29 })).status).toBe(202);
    const frame = JSON.parse((await readLastFrame(redis, "", patrolId))!.toString()) as { ts: number };
    expect(frame.ts).toBeGreaterThanOrEqual(before);
    expect(frame.ts).toBeLessThanOrEqual(Date.now());
  });

  it("accepts an older point as stale without storing or publishing it", async () => {
    const now = Date.now();
    expect((await post({ patrolId, lat: 9.9, lon: 76.2, ts: now })).status).toBe(202);
    await settle();
    published.length = 0;
    const res = await post({ patrolId, lat: 1, lon: 1, ts: now - 60_000 });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true, stale: true });
    await settle();
    expect(published).toHaveLength(0);
    expect(JSON.parse((await readLastFrame(redis, "", patrolId))!.toString())).toMatchObject({ lat: 9.9, ts: now });
  });

  it("refuses bad requests with the documented status and error shape, and publishes nothing", async () => {
    await settle();
    published.length = 0;
    const good = { patrolId, lat: 9.97, lon: 76.29 };
    const expired = await new (await import("jose")).SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("sentinel")
      .setAudience("sentinel:vehicle")
      .setSubject(`vehicle:${vehicle.id}`)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode(TEST_SECRETS.VEHICLE_TOKEN_SECRET));
    const forged = await new (await import("jose")).SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("sentinel")
      .setAudience("sentinel:vehicle")
      .setSubject(`vehicle:${vehicle.id}`)
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("not-the-server-secret-0123456789abcdef"));
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const payload = Buffer.from(JSON.stringify({ sub: `vehicle:${vehicle.id}`, aud: "sentinel:vehicle", iss: "sentinel" })).toString("base64url");
    const algNone = `${header}.${payload}.`;
    const cases: [name: string, send: () => ReturnType<typeof call>, status: number, code: string][] = [
      ["no token", () => call("/api/telemetry", { method: "POST", body: good }), 401, "UNAUTHENTICATED"],
      ["garbage token", () => post(good, "not-a-jwt"), 401, "INVALID_TOKEN"],
      ["forged token", () => post(good, forged), 401, "INVALID_TOKEN"],
      ["expired token", () => post(good, expired), 401, "INVALID_TOKEN"],
      ["alg none token", () => post(good, algNone), 401, "INVALID_TOKEN"],
      ["malformed JSON", () => post("{not json"), 400, "INVALID_JSON"],
      ["empty body", () => post(""), 400, "INVALID_JSON"],
      ["array body", () => post([good]), 400, "VALIDATION_FAILED"],
      ["null body", () => post("null"), 400, "VALIDATION_FAILED"],
      ["missing lat", () => post({ patrolId, lon: 76 }), 400, "VALIDATION_FAILED"],
      ["missing patrolId", () => post({ lat: 9, lon: 76 }), 400, "VALIDATION_FAILED"],
      ["lat as string", () => post({ ...good, lat: "9.97" }), 400, "VALIDATION_FAILED"],
      ["lat 90.5", () => post({ ...good, lat: 90.5 }), 400, "VALIDATION_FAILED"],
      ["lat -91", () => post({ ...good, lat: -91 }), 400, "VALIDATION_FAILED"],
      ["lon 180.1", () => post({ ...good, lon: 180.1 }), 400, "VALIDATION_FAILED"],
      ["huge exponent (Infinity)", () => post(`{"patrolId":${patrolId},"lat":1e999,"lon":76}`), 400, "VALIDATION_FAILED"],
      ["negative speed", () => post({ ...good, speed: -1 }), 400, "VALIDATION_FAILED"],
      ["heading 360", () => post({ ...good, heading: 360 }), 400, "VALIDATION_FAILED"],
      ["fractional ts", () => post({ ...good, ts: 1764200000000.5 }), 400, "VALIDATION_FAILED"],
      ["ts in seconds", () => post({ ...good, ts: 1764200000 }), 400, "VALIDATION_FAILED"],
      ["ts far in the future", () => post({ ...good, ts: Date.now() + 3_600_000 }), 400, "VALIDATION_FAILED"],
      ["unknown field", () => post({ ...good, altitude: 12 }), 400, "VALIDATION_FAILED"],
      ["patrolId as float", () => post({ ...good, patrolId: 1.5 }), 400, "VALIDATION_FAILED"],
      ["wrong content type", () => post(JSON.stringify(good), vehicle.token, "/api/telemetry", { "content-type": "text/plain" }), 415, "UNSUPPORTED_MEDIA_TYPE"],
      ["body over 16 KiB", () => post({ ...good, pad: "x".repeat(17 * 1024) }), 413, "PAYLOAD_TOO_LARGE"],
      ["someone else's patrol", () => post({ ...good, patrolId: otherPatrolId }), 403, "FORBIDDEN"],
      ["patrol that is not active", () => post({ ...good, patrolId: 987_654 }), 409, "PATROL_NOT_ACTIVE"],
      ["start with unknown field", () => call("/api/patrols/start", { method: "POST", token: vehicle.token, body: { station: 1 } }), 400, "VALIDATION_FAILED"],
      ["start while on patrol", () => call("/api/patrols/start", { method: "POST", token: vehicle.token }), 409, "ALREADY_ON_PATROL"],
      ["stop with a non-numeric id", () => call("/api/patrols/abc/stop", { method: "POST", token: vehicle.token }), 404, "NOT_FOUND"],
      ["stop someone else's patrol", () => call(`/api/patrols/${otherPatrolId}/stop`, { method: "POST", token: vehicle.token }), 403, "FORBIDDEN"],
      ["token with a wrong secret", () => call("/api/vehicles/token", { body: { vehicleId: vehicle.id, secret: "wrong" } }), 401, "INVALID_CREDENTIALS"],
      ["token for an unknown vehicle", () => call("/api/vehicles/token", { body: { vehicleId: 999_999, secret: "x" } }), 401, "INVALID_CREDENTIALS"],
      ["token with vehicleId as string", () => call("/api/vehicles/token", { body: { vehicleId: "1", secret: "x" } }), 400, "VALIDATION_FAILED"],
      ["batch with 501 points", () => post({ points: Array.from({ length: 501 }, () => good) }, vehicle.token, "/api/telemetry/batch"), 400, "VALIDATION_FAILED"],
      ["batch with one bad point", () => post({ points: [good, { ...good, lat: 200 }] }, vehicle.token, "/api/telemetry/batch"), 400, "VALIDATION_FAILED"],
      ["batch of two patrols", () => post({ points: [good, { ...good, patrolId: otherPatrolId }] }, vehicle.token, "/api/telemetry/batch"), 400, "VALIDATION_FAILED"],
      ["empty batch", () => post({ points: [] }, vehicle.token, "/api/telemetry/batch"), 400, "VALIDATION_FAILED"],
    ];
    expect(cases.length).toBeGreaterThanOrEqual(25);
    for (const [name, send, status, code] of cases) {
      const res = await send();
      expect.soft({ name, status: res.status, code: res.body?.error?.code }).toEqual({ name, status, code });
      expect.soft(typeof res.body?.error?.message === "string" && res.body.error.message.length > 10, `${name}: message`).toBe(true);
    }
    await settle();
    expect(published).toHaveLength(0);
  });

  it("names the offending point's index in a bad batch", async () => {
    const res = await post({ points: [{ patrolId, lat: 1, lon: 1 }, { patrolId, lat: 1, lon: 1 }, { patrolId, lat: 95, lon: 1 }] }, vehicle.token, "/api/telemetry/batch");
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("points.2.lat");
  });
});

describe("POST /api/telemetry/batch", () => {
  it("publishes a batch in ts order in one go and keeps the newest as last status", async () => {
    await settle();
    published.length = 0;
    const base = Date.now();
    const points = [3, 1, 2, 0].map((i) => ({ patrolId, lat: 9.9 + i / 1000, lon: 76.2, ts: base + i * 1000 }));
    const res = await post({ points }, vehicle.token, "/api/telemetry/batch");
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ ok: true, accepted: 4 });
    await settle();
    const mine = published.filter((p) => p.channel === patrolChannel("", patrolId)).map((p) => (JSON.parse(p.message.toString()) as { ts: number }).ts);
    const sorted = [...mine].sort((a, b) => a - b);
    expect(mine).toEqual(sorted);
    expect(JSON.parse((await readLastFrame(redis, "", patrolId))!.toString())).toMatchObject({ ts: base + 3000 });
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After past the per-vehicle rate", async () => {
    const [v] = await idleVehicles(1);
    const id = (await call("/api/patrols/start", { method: "POST", token: v!.token })).body.patrolId as number;
    const results = await Promise.all(Array.from({ length: 30 }, () => post({ patrolId: id, lat: 9.9, lon: 76.2 }, v!.token)));
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 202).length).toBeGreaterThan(0);
    expect(Number(limited[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited[0]!.body.error.code).toBe("RATE_LIMITED");
    await new Promise((r) => setTimeout(r, 1100));
    await call(`/api/patrols/${id}/stop`, { method: "POST", token: v!.token });
  });
});

describe("hot path", () => {
  it("runs no SQL for 200 telemetry posts", async () => {
    const fleet = await idleVehicles(10);
    const patrols = await Promise.all(
      fleet.map(async (v) => ({ v, id: (await call("/api/patrols/start", { method: "POST", token: v.token })).body.patrolId as number })),
    );
    const stats = await tableScans(inject("databaseUrl"));
    const scans = stats.count;
    const flushWindow = stats.flushWindow;
    try {
      // Positive control: a request that does use SQL moves the counter, so the counter works.
      const before = await scans();
      await call("/api/vehicles/token", { body: { vehicleId: vehicle.id, secret: "wrong" } });
      await expect.poll(scans, { timeout: 15_000, interval: 500 }).toBeGreaterThan(before);
      await flushWindow();
      const baseline = await scans();
      // 10 vehicles × 20 points, each vehicle paced under its 10/s limit.
      const t0 = Date.now();
      await Promise.all(
        patrols.map(async ({ v, id }) => {
          for (let i = 0; i < 20; i++) {
            const res = await post({ patrolId: id, lat: 9.9 + i / 1e4, lon: 76.2, ts: t0 + i }, v.token);
            expect(res.status).toBe(202);
            if (i % 9 === 8) await new Promise((r) => setTimeout(r, 1000));
          }
        }),
      );
      await flushWindow();
      expect(await scans()).toBe(baseline);
    } finally {
      await stats.end();
      await Promise.all(patrols.map(({ v, id }) => call(`/api/patrols/${id}/stop`, { method: "POST", token: v.token })));
    }
  }, 90_000);
});
