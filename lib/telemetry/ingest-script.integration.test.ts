import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppError } from "@/lib/errors";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import {
  historyStreamKey,
  lastStatusKey,
  patrolChannel,
  patrolEndedKey,
  patrolLastTsKey,
  patrolMetaKey,
  statePlaneReadyKey,
  vehicleActivePatrolKey,
  vehicleTokenGenerationKey,
} from "@/lib/redis/keys";
import { ingestOutcome } from "./ingest";
import { INGEST_STATUSES, ingestCredential, ingestKeys, runIngestScript, type IngestStatus } from "./ingest-script";

// The script against the suite's real Redis, under a prefix of its own so the web server's keys are untouched.
const prefix = `ingest-script-test:${process.pid}:`;
const vehicleId = 7;
const patrolId = 101;
let redis: RedisClient;
let window = 0;

const keysFor = (patrol: number) => ingestKeys(prefix, vehicleId, patrol, window, ingestCredential(prefix, vehicleId, patrol, { kind: "token", generation: 0 }).key);

const run = (points: (string | number)[], { patrol = patrolId, rateLimit = 1_000, historyMaxLen = 1_000_000, generation = 0 } = {}) =>
  runIngestScript(
    redis,
    keysFor(patrol),
    { patrolId: patrol, rateLimit, rateWindowMs: 60_000, vehicleId, historyMaxLen, credential: generation, credentialDefault: "0", credentialField: "gen" },
    points,
  );

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe("ingest script", () => {
  it("answers each named status for the case it names", async () => {
    window += 1;
    expect((await run([1, "a"])).status).toBe("STATE_PLANE_MISSING");
    await redis.set(statePlaneReadyKey(prefix), "1");
    expect((await run([1, "a"])).status).toBe("NOT_ACTIVE");
    await redis.hset(patrolMetaKey(prefix, 202), { vehicleId: 8 });
    expect((await run([1, "a"], { patrol: 202 })).status).toBe("NOT_OWNER");
    // Ended from a dashboard: the notice comes back with the status.
    const notice = JSON.stringify({ by: "Station Commander", at: 1_764_200_000_000, reason: "end of shift" });
    await redis.set(patrolEndedKey(prefix, patrolId), notice);
    expect(await run([1, "a"])).toMatchObject({ status: "ENDED_BY_USER", ended: notice });
    await redis.del(patrolEndedKey(prefix, patrolId));
    await redis.set(vehicleActivePatrolKey(prefix, vehicleId), String(patrolId));
    await redis.hset(patrolMetaKey(prefix, patrolId), { vehicleId });
    expect(await run([1, "a"])).toEqual({ status: "OK", published: 1, stale: 0, retryAfterMs: 0, withheld: 0 });
    window += 1;
    expect((await run([2, "b"], { rateLimit: 1 })).status).toBe("OK");
    const limited = await run([3, "c"], { rateLimit: 1 });
    expect(limited.status).toBe("RATE_LIMITED");
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    // A token of another generation than the vehicle's (none stored: 0) is refused before anything else, the rate limit included.
    expect((await run([4, "d"], { rateLimit: 1, generation: 1 })).status).toBe("CREDENTIAL_REVOKED");
    await redis.set(vehicleTokenGenerationKey(prefix, vehicleId), "2");
    expect((await run([4, "d"], { rateLimit: 1 })).status).toBe("CREDENTIAL_REVOKED");
    window += 1;
    expect((await run([4, "d"], { generation: 2 })).status).toBe("OK");
    await redis.del(vehicleTokenGenerationKey(prefix, vehicleId));
    expect(INGEST_STATUSES).toHaveLength(7);
  });

  it("keeps the last frame in patrol:last_status and its ts as its own key", async () => {
    window += 1;
    const frame = '{"type":"TELEMETRY","patrolId":101,"lat":9.9,"lon":76.2,"ts":2000}';
    expect(await run([1_000, "older", 2_000, frame])).toMatchObject({ status: "OK", published: 2, stale: 0 });
    expect(await redis.hget(lastStatusKey(prefix), String(patrolId))).toBe(frame);
    expect(await redis.get(patrolLastTsKey(prefix, patrolId))).toBe("2000");
  });

  it("counts older points and a byte-identical repeat of the last one as stale, without publishing them", async () => {
    window += 1;
    const sub = createRedis(inject("redisUrl"));
    const heard: string[] = [];
    sub.on("message", (_channel: string, message: string) => heard.push(message));
    await sub.subscribe(patrolChannel(prefix, patrolId));
    try {
      await run([5_000, "last"]);
      expect(await run([4_000, "older", 5_000, "last", 5_000, "same ts, new bytes", 6_000, "newer"])).toMatchObject({
        status: "OK",
        published: 2,
        stale: 2,
      });
      await redis.ping();
      await expect.poll(() => heard).toEqual(["last", "same ts, new bytes", "newer"]);
      expect(await redis.get(patrolLastTsKey(prefix, patrolId))).toBe("6000");
    } finally {
      sub.disconnect();
    }
  });

  it("does not parse the stored frame: a frame whose bytes say another ts does not change the stale check", async () => {
    window += 1;
    await run([7_000, '{"ts":1}']);
    expect(await run([6_999, "x"])).toMatchObject({ published: 0, stale: 1 });
  });
});

describe("ingest script: history stream", () => {
  it("appends every point but a byte-identical repeat, late ones included, with the vehicle id", async () => {
    window += 1;
    await redis.del(historyStreamKey(prefix));
    await run([8_000, "p8"]);
    expect(await run([7_500, "late", 8_000, "p8", 9_000, "p9"])).toMatchObject({ published: 1, stale: 2 });
    const entries = await redis.xrange(historyStreamKey(prefix), "-", "+");
    expect(entries.map(([, fields]) => fields)).toEqual([
      ["v", String(vehicleId), "f", "p8"],
      ["v", String(vehicleId), "f", "late"],
      ["v", String(vehicleId), "f", "p9"],
    ]);
  });

  it("appends nothing with a bound of 0 (history off), and still publishes", async () => {
    window += 1;
    await redis.del(historyStreamKey(prefix));
    expect(await run([150_000, "off"], { historyMaxLen: 0 })).toMatchObject({ status: "OK", published: 1 });
    expect(await redis.xlen(historyStreamKey(prefix))).toBe(0);
  });

  it("keeps the stream near its bound by trimming the oldest entries", async () => {
    await redis.del(historyStreamKey(prefix));
    for (let b = 0; b < 6; b++) {
      window += 1;
      const points = Array.from({ length: 500 }, (_, i) => [100_000 + b * 500 + i, `b${b}p${i}`]).flat();
      await run(points, { historyMaxLen: 1_000 });
    }
    const length = await redis.xlen(historyStreamKey(prefix));
    // `MAXLEN ~` trims whole stream nodes (100 entries each), so it may keep up to one node more.
    expect(length).toBeGreaterThanOrEqual(1_000);
    expect(length).toBeLessThanOrEqual(1_100);
    const newest = await redis.xrevrange(historyStreamKey(prefix), "+", "-", "COUNT", 1);
    expect(newest[0]?.[1]).toEqual(["v", String(vehicleId), "f", "b5p499"]);
  });
  // Last: its points are newer than every other test's.
  it("fans out at most rateLimit frames of a patrol per window, the newest; the rest are withheld, yet kept in history and as the last status", async () => {
    window += 1;
    await redis.del(historyStreamKey(prefix));
    const sub = createRedis(inject("redisUrl"));
    const heard: string[] = [];
    sub.on("message", (_channel: string, message: string) => heard.push(message));
    await sub.subscribe(patrolChannel(prefix, patrolId));
    try {
      // A backlog of 25 points in one batch, then 5 more in the same window, then 3 in the next one.
      const backlog = Array.from({ length: 25 }, (_, i) => [300_000 + i, `q${i}`]).flat();
      expect(await run(backlog, { rateLimit: 10 })).toMatchObject({ status: "OK", published: 10, stale: 0, withheld: 15 });
      expect(await run([300_100, "r0", 300_101, "r1", 300_102, "r2", 300_103, "r3", 300_104, "r4"], { rateLimit: 10 })).toMatchObject({ published: 0, withheld: 5 });
      expect(await redis.hget(lastStatusKey(prefix), String(patrolId))).toBe("r4");
      expect(await redis.get(patrolLastTsKey(prefix, patrolId))).toBe("300104");
      window += 1;
      expect(await run([300_200, "s0", 300_201, "s1", 300_202, "s2"], { rateLimit: 10 })).toMatchObject({ published: 3, withheld: 0 });
      await redis.ping();
      await expect.poll(() => heard.length).toBe(13);
      expect(heard).toEqual([...Array.from({ length: 10 }, (_, i) => `q${15 + i}`), "s0", "s1", "s2"]);
      expect(await redis.xlen(historyStreamKey(prefix))).toBe(33);
    } finally {
      sub.disconnect();
    }
  });

});

describe("ingestOutcome", () => {
  const reply = (status: string, retryAfterMs = 0) => ({ status, published: 3, stale: 1, retryAfterMs, withheld: 2 });
  const codeOf = (status: IngestStatus, retryAfterMs = 0) => {
    try {
      ingestOutcome(reply(status, retryAfterMs), patrolId);
      return "none";
    } catch (err) {
      return err instanceof AppError ? `${err.status} ${err.code} ${err.headers["Retry-After"] ?? ""}`.trim() : String(err);
    }
  };

  it("maps every named status to the answer the device gets", () => {
    expect(ingestOutcome(reply("OK"), patrolId)).toEqual({ published: 3, stale: 1, withheld: 2 });
    expect(codeOf("RATE_LIMITED", 1_500)).toBe("429 RATE_LIMITED 2");
    expect(codeOf("NOT_OWNER")).toBe("403 FORBIDDEN");
    expect(codeOf("NOT_ACTIVE")).toBe("409 PATROL_NOT_ACTIVE");
    expect(codeOf("CREDENTIAL_REVOKED")).toBe("401 INVALID_TOKEN");
  });

  it("turns a status it does not know into an internal error (a logged 500), not a 429", () => {
    expect(() => ingestOutcome(reply("TOKEN_EXPIRED"), patrolId)).toThrow(/unknown status "TOKEN_EXPIRED"/);
    expect(() => ingestOutcome(reply("TOKEN_EXPIRED"), patrolId)).not.toThrow(AppError);
  });
});
