import type { RedisClient } from "@/lib/redis/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addActivePatrol } from "../lib/patrols/state-plane";
import { createRedis } from "../lib/redis/client";
import { controlChannel, patrolChannel } from "../lib/redis/keys";
import { startRedis, type PrivateRedis } from "../test/support/stack";
import {
  LiveClient,
  connectOnEachWorker,
  discoverWorkers,
  isTelemetryOf,
  numsub,
  patrolAt,
  publishTelemetry,
  startSidecar,
  ticketFor,
  waitUntil,
  type Sidecar,
} from "../test/support/sidecar";

// A private redis-server this file may kill, and a sidecar of its own.
const CITY = { level: "city", id: null } as const;
const STATION = { stationId: 7, divisionId: 3, zoneId: 2, districtId: 1 };
const HEARTBEAT_MS = 200;
let server: PrivateRedis;
let redis: RedisClient;
let sidecar: Sidecar;

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${sidecar.httpUrl}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
}

beforeAll(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  await redis.connect();
  await addActivePatrol(redis, "", patrolAt(201, STATION));
  sidecar = await startSidecar(server.url, { REALTIME_MAX_CONNECTIONS_PER_USER: "2", REALTIME_HEARTBEAT_MS: String(HEARTBEAT_MS) });
});

afterAll(async () => {
  await sidecar?.process.stop();
  redis?.disconnect();
  await server?.stop();
});

describe("realtime sidecar under faults", () => {
  it("after the Redis server is killed and started again, sends every client a new SNAPSHOT and frames resume", async () => {
    const workers = await discoverWorkers(sidecar.url);
    const clients = await connectOnEachWorker(sidecar.url, CITY, workers, 10);
    for (const c of clients) expect((await c.snapshot()).patrols.map((p) => p.patrolId)).toEqual([201]);

    process.kill(server.child.pid!, "SIGKILL");
    await waitUntil(async () => (await fetch(`${sidecar.httpUrl}/healthz`)).status === 503, "/healthz to report Redis down");
    expect(await (await fetch(`${sidecar.httpUrl}/healthz`)).json()).toMatchObject({ status: "unavailable", redis: "down" });
    await server.restart();
    // Redis keeps nothing on disk here: the new SNAPSHOT is empty until the web tier rebuilds and re-announces the patrols.
    for (const c of clients) expect((await c.snapshot(2)).patrols).toEqual([]);
    await waitUntil(() => redis.status === "ready", "the test's own Redis connection");
    await addActivePatrol(redis, "", patrolAt(201, STATION));
    for (const c of clients) await waitUntil(() => c.shown().includes(201), "patrol 201 shown again");
    await publishTelemetry(redis, "", 201, { lat: 9.95, lon: 76.3, ts: 1_764_500_000_000 });
    for (const c of clients) await c.waitFor(isTelemetryOf(201, 1_764_500_000_000), "a frame after the restart");
    expect(await metric("sentinel_realtime_redis_reconnects_total")).toBeGreaterThanOrEqual(2);
    await Promise.all(clients.map((c) => c.close()));
  });

  it("starts a new worker when one is killed, and a reconnecting client gets a SNAPSHOT", async () => {
    const [victimPid, survivorPid] = await discoverWorkers(sidecar.url);
    const [client] = await connectOnEachWorker(sidecar.url, CITY, [victimPid!], 11);
    await client!.snapshot();

    process.kill(victimPid!, "SIGKILL");
    expect((await client!.closed).code).toBe(1006);
    // Reconnecting at once can be handed to the dead worker before the primary noticed its exit; browsers retry, so do we.
    const again = await LiveClient.reconnect(sidecar.url, () => ticketFor(CITY, 11));
    expect((await again.snapshot()).patrols.map((p) => p.patrolId)).toEqual([201]);
    await again.close();

    const onNewWorker = await waitUntil(async () => {
      const probe = await LiveClient.connect(sidecar.url, await ticketFor(CITY, 12));
      if (probe.workerPid !== victimPid && probe.workerPid !== survivorPid) return probe;
      await probe.close();
      return null;
    }, "a client served by the replacement worker");
    expect((await onNewWorker.snapshot()).patrols.map((p) => p.patrolId)).toEqual([201]);
    await onNewWorker.close();
    expect(await metric("sentinel_realtime_worker_restarts_total")).toBe(1);
  });

  it("closes a user's connection past REALTIME_MAX_CONNECTIONS_PER_USER on one worker with 4429", async () => {
    const [worker] = await discoverWorkers(sidecar.url);
    const kept = [...(await connectOnEachWorker(sidecar.url, CITY, [worker!], 13)), ...(await connectOnEachWorker(sidecar.url, CITY, [worker!], 13))];
    await Promise.all(kept.map((c) => c.snapshot()));
    const [third] = await connectOnEachWorker(sidecar.url, CITY, [worker!], 13);
    expect(await third!.closed).toEqual({ code: 4429, reason: expect.stringMatching(/live connections/) as string });
    await Promise.all(kept.map((c) => c.close()));
  });

  it("terminates a client that stops answering pings and keeps one that answers", async () => {
    const silent = await LiveClient.connect(sidecar.url, await ticketFor(CITY, 15));
    const answering = await LiveClient.connect(sidecar.url, await ticketFor(CITY, 16));
    await Promise.all([silent.snapshot(), answering.snapshot()]);
    silent.ws.pause();
    await waitUntil(async () => (await metric("sentinel_realtime_connections")) === 1, "the silent client to be dropped");
    silent.ws.resume();
    expect((await silent.closed).code).toBe(1006);
    let pings = 0;
    answering.ws.on("ping", () => pings++);
    await waitUntil(() => pings >= 3, "three more pings to the answering client");
    expect(answering.ws.readyState).toBe(answering.ws.OPEN);
    await answering.close();
  });

  it("on SIGTERM closes every client with 1001 and leaves no subscription behind", async () => {
    const workers = await discoverWorkers(sidecar.url);
    const clients = await connectOnEachWorker(sidecar.url, CITY, workers, 14);
    await Promise.all(clients.map((c) => c.snapshot()));
    const channels = [patrolChannel("", 201), controlChannel("", CITY)];
    expect(Object.values(await numsub(redis, channels))).toEqual([2, 2]);

    await sidecar.process.stop();
    for (const c of clients) expect(await c.closed).toEqual({ code: 1001, reason: expect.stringMatching(/restarting/) as string });
    expect(Object.values(await numsub(redis, channels))).toEqual([0, 0]);
    expect(sidecar.process.child.exitCode).toBe(0);
  });
});
