import type { RedisClient } from "@/lib/redis/client";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { addActivePatrol } from "../lib/patrols/state-plane";
import { encodeTelemetryFrame } from "../lib/realtime/protocol";
import { createRedis } from "../lib/redis/client";
import { lastStatusKey, patrolChannel } from "../lib/redis/keys";
import { connectOnEachWorker, discoverWorkers, isTelemetryOf, patrolAt, startSidecar, waitUntil, type Sidecar } from "../test/support/sidecar";

const prefix = `rt-${randomBytes(3).toString("hex")}:`;
const STATION = { stationId: 1, divisionId: 1, zoneId: 1, districtId: 1 };
const PATROL_IDS = [301, 302, 303, 304];
const FRAMES = 10_000;
const CONFLATE_BYTES = 64 * 1024;
/** Timestamps of the measured 10,000 frames start here; the frames that fill the kernel buffers come before. */
const FLOW_TS = 1_764_400_000_000;
let redis: RedisClient;
let sidecar: Sidecar;

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${sidecar.httpUrl}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
}

/** Publishes `count` frames round-robin over the patrols, as the web tier does (HSET + PUBLISH); returns each patrol's last ts. */
async function publishFrames(firstTs: number, count: number): Promise<Map<number, number>> {
  const lastTs = new Map<number, number>();
  const pipeline = redis.pipeline();
  for (let i = 0; i < count; i++) {
    const patrolId = PATROL_IDS[i % PATROL_IDS.length]!;
    const ts = firstTs + i;
    const frame = encodeTelemetryFrame(patrolId, { lat: 9.9 + i / 1e6, lon: 76.3, ts, speed: 10, heading: 90 });
    pipeline.hset(lastStatusKey(prefix), String(patrolId), frame).publish(patrolChannel(prefix, patrolId), frame);
    lastTs.set(patrolId, ts);
  }
  await pipeline.exec();
  return lastTs;
}

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  for (const id of PATROL_IDS) await addActivePatrol(redis, prefix, patrolAt(id, STATION));
  sidecar = await startSidecar(inject("redisUrl"), { REDIS_PREFIX: prefix, REALTIME_CONFLATE_BYTES: String(CONFLATE_BYTES) });
});

afterAll(async () => {
  await sidecar?.process.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe("a client that stops reading", () => {
  it("does not grow the worker's buffers past a bound while 10,000 frames flow, and gets the latest positions on resuming", async () => {
    const [worker] = await discoverWorkers(sidecar.url);
    const scope = { level: "station", id: 1 } as const;
    const [slow] = await connectOnEachWorker(sidecar.url, scope, [worker!]);
    const [fast] = await connectOnEachWorker(sidecar.url, scope, [worker!]);
    await Promise.all([slow!.snapshot(), fast!.snapshot()]);
    slow!.ws.pause();

    // On loopback the kernel absorbs a few MB for a stalled reader; a real slow link fills it too. Fill it first.
    let fillTs = FLOW_TS - 1_000_000;
    await waitUntil(
      async () => {
        await publishFrames(fillTs, 1_000);
        fillTs += 1_000;
        return (await metric("sentinel_realtime_frames_conflated_total")) > 0;
      },
      "the stalled socket's kernel buffers to fill and conflation to start",
      20_000,
    );
    const conflatedBefore = await metric("sentinel_realtime_frames_conflated_total");

    let maxBuffered = 0;
    let lastTs = new Map<number, number>();
    for (let sent = 0; sent < FRAMES; sent += 500) {
      lastTs = await publishFrames(FLOW_TS + sent, 500);
      maxBuffered = Math.max(maxBuffered, await metric("sentinel_realtime_buffered_bytes"));
    }
    // The fast client on the same worker has every frame: the worker has handled all of them.
    for (const [id, ts] of lastTs) await fast!.waitFor(isTelemetryOf(id, ts), `last frame of ${id} (fast client)`);
    maxBuffered = Math.max(maxBuffered, await metric("sentinel_realtime_buffered_bytes"));

    // Unbounded, the worker would now hold ~1.3 MB for the slow client; it holds its threshold plus one frame per patrol.
    expect(maxBuffered).toBeLessThanOrEqual(CONFLATE_BYTES + 16 * 1024);
    expect((await metric("sentinel_realtime_frames_conflated_total")) - conflatedBefore).toBeGreaterThanOrEqual(FRAMES - PATROL_IDS.length);

    slow!.ws.resume();
    for (const [id, ts] of lastTs) await slow!.waitFor(isTelemetryOf(id, ts), `latest position of ${id} after resuming`);
    const fromFlow = slow!.frames.filter((f) => f.type === "TELEMETRY" && f.ts >= FLOW_TS);
    expect(fromFlow.map((f) => f.type === "TELEMETRY" && [f.patrolId, f.ts]).sort()).toEqual(
      [...lastTs].map(([id, ts]) => [id, ts]).sort(),
    );
    await Promise.all([slow!.close(), fast!.close()]);
  });
});
