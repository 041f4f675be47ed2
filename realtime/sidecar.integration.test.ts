import type { RedisClient } from "@/lib/redis/client";
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { TICKET_AUDIENCE } from "../lib/auth/tokens";
import { addActivePatrol, removeActivePatrol } from "../lib/patrols/state-plane";
import type { PatrolMeta } from "../lib/realtime/protocol";
import { createRedis, keyHolders } from "../lib/redis/client";
import { controlChannel, patrolChannel, statePlaneReadyKey } from "../lib/redis/keys";
import { scopeContains, type Scope } from "../lib/scope";
import { DEMO, login } from "../test/support/http";
import { TEST_SECRETS } from "../test/support/secrets";
import {
  LiveClient,
  connectOnEachWorker,
  discoverWorkers,
  isEvent,
  isTelemetryOf,
  numsub,
  patrolAt,
  publishTelemetry,
  startSidecar,
  ticketFor,
  waitUntil,
  workerSubscriptionCount,
  type Sidecar,
} from "../test/support/sidecar";

// An organisation of two districts: district 1 (zones 1 and 2), district 2 (zone 3).
const STATIONS = {
  1: { stationId: 1, divisionId: 1, zoneId: 1, districtId: 1 },
  2: { stationId: 2, divisionId: 1, zoneId: 1, districtId: 1 },
  3: { stationId: 3, divisionId: 2, zoneId: 1, districtId: 1 },
  4: { stationId: 4, divisionId: 3, zoneId: 2, districtId: 1 },
  5: { stationId: 5, divisionId: 4, zoneId: 3, districtId: 2 },
} as const;
const PATROLS: PatrolMeta[] = [
  patrolAt(101, STATIONS[1]),
  patrolAt(102, STATIONS[1]),
  patrolAt(103, STATIONS[2]),
  patrolAt(104, STATIONS[3]),
  patrolAt(105, STATIONS[4]),
  patrolAt(106, STATIONS[5]),
];
const SCOPES: Scope[] = [
  { level: "city", id: null },
  { level: "district", id: 1 },
  { level: "district", id: 2 },
  { level: "zone", id: 1 },
  { level: "zone", id: 2 },
  { level: "division", id: 1 },
  { level: "station", id: 1 },
  { level: "station", id: 4 },
];
const idsIn = (scope: Scope, patrols: PatrolMeta[] = PATROLS) =>
  patrols.filter((p) => scopeContains(scope, p)).map((p) => p.patrolId);
const FIRST_POSITION = { lat: 9.97, lon: 76.29, ts: 1_764_200_004_000, speed: 8.2, heading: 270 };

// Keys and channels of this file carry their own prefix, so nothing else on the suite's Redis can interfere.
const prefix = `rt-${randomBytes(3).toString("hex")}:`;
let redis: RedisClient;
let sidecar: Sidecar;
let workers: number[];
const open: LiveClient[] = [];

/** Connects a client of `scope` on each worker; closed after the test. */
async function clientsOnBothWorkers(scope: Scope): Promise<LiveClient[]> {
  const clients = await connectOnEachWorker(sidecar.url, scope, workers);
  open.push(...clients);
  return clients;
}

/** The ops token this sidecar runs with: /healthz and /metrics answer only with it. */
const METRICS_TOKEN = "ops-token-for-the-sidecar-suite";
const OPS = { authorization: `Bearer ${METRICS_TOKEN}` };

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  for (const p of PATROLS) await addActivePatrol(redis, prefix, p);
  await publishTelemetry(redis, prefix, 101, FIRST_POSITION);
  sidecar = await startSidecar(inject("redisUrl"), { REDIS_PREFIX: prefix, METRICS_TOKEN });
  workers = await discoverWorkers(sidecar.url);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  // Every subscription goes with its last client: the next test starts from nothing.
  await waitUntil(async () => {
    const counts = await Promise.all(workers.map((pid) => workerSubscriptionCount(redis, pid)));
    return counts.every((n) => n === 0);
  }, "workers to drop every subscription");
});

afterAll(async () => {
  await sidecar?.process.stop();
  // Every master's keys of this prefix (under Redis Cluster, one DEL per key: they live in many slots).
  for (const node of keyHolders(redis)) for (const key of await node.keys(`${prefix}*`)) await redis.del(key);
  await redis.quit();
});

describe("realtime sidecar, 2 workers", () => {
  it("answers /healthz and /metrics only with the ops token (METRICS_TOKEN)", async () => {
    for (const path of ["/healthz", "/metrics"]) {
      for (const authorization of [undefined, "Bearer wrong-token-0123456789", `Basic ${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN}x`]) {
        const res = await fetch(`${sidecar.httpUrl}${path}`, { headers: authorization ? { authorization } : {} });
        expect(res.status, `${path} with ${authorization}`).toBe(401);
        const text = await res.text();
        expect(text).not.toMatch(/nodejs_version|process_|worker|pid/i);
      }
    }
  });

  it("runs two workers and reports each in /healthz", async () => {
    expect(workers).toHaveLength(2);
    const res = await fetch(`${sidecar.httpUrl}/healthz`, { headers: OPS });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", redis: "ok" });
  });

  it("sends every client, on either worker, a SNAPSHOT of exactly its scope's patrols", async () => {
    for (const scope of SCOPES) {
      for (const client of await clientsOnBothWorkers(scope)) {
        const snapshot = await client.snapshot();
        expect(snapshot.scope).toEqual(scope);
        expect(snapshot.patrols.map((p) => p.patrolId)).toEqual(idsIn(scope));
      }
    }
    const [city] = await clientsOnBothWorkers({ level: "city", id: null });
    const first = (await city!.snapshot()).patrols[0];
    expect(first).toEqual({ ...PATROLS[0], status: "AVAILABLE", last: FIRST_POSITION });
    expect(Object.keys(first!)).toEqual([
      "patrolId",
      "vehicleId",
      "callSign",
      "stationId",
      "divisionId",
      "zoneId",
      "districtId",
      "startedAt",
      "status",
      "last",
    ]);
    expect((await city!.snapshot()).patrols[1]?.last).toBeNull();
  });

  it("streams to each client exactly the TELEMETRY of its scope, as the bytes published", async () => {
    const clients = (await Promise.all(SCOPES.map((scope) => clientsOnBothWorkers(scope)))).flat();
    await Promise.all(clients.map((c) => c.snapshot()));
    const scopeOf = new Map(clients.map((c, i) => [c, SCOPES[Math.floor(i / 2)]!]));
    // Two rounds: once a client has every round-2 frame of its patrols, a leaked round-1 frame would have arrived before.
    for (const ts of [1_764_200_010_000, 1_764_200_020_000]) {
      for (const p of PATROLS) await publishTelemetry(redis, prefix, p.patrolId, { lat: 9.9, lon: 76.3, ts: ts + p.patrolId });
    }
    for (const client of clients) {
      const expected = idsIn(scopeOf.get(client)!);
      for (const id of expected) await client.waitFor(isTelemetryOf(id, 1_764_200_020_000 + id), `round-2 frame of ${id}`);
      expect(client.telemetryIds()).toEqual(expected);
    }
    const sample = clients[0]!.frames.find(isTelemetryOf(101, 1_764_200_020_101));
    expect(sample).toEqual({ type: "TELEMETRY", patrolId: 101, lat: 9.9, lon: 76.3, ts: 1_764_200_020_101 });
  });

  it("announces a patrol started after connecting with ADD_CAR on both workers, streams it, and a stop ends it", async () => {
    const inZone1 = await clientsOnBothWorkers({ level: "zone", id: 1 });
    const inZone2 = await clientsOnBothWorkers({ level: "zone", id: 2 });
    const all = [...inZone1, ...inZone2];
    await Promise.all(all.map((c) => c.snapshot()));

    const late = patrolAt(107, STATIONS[2]);
    await addActivePatrol(redis, prefix, late);
    for (const client of inZone1) {
      const add = await client.waitFor(isEvent("ADD_CAR", 107), "ADD_CAR 107");
      expect(add).toEqual({ type: "SYSTEM_EVENT", event: "ADD_CAR", patrol: { ...late, status: "AVAILABLE", last: null } });
    }
    await publishTelemetry(redis, prefix, 107, { lat: 9.98, lon: 76.28, ts: 1_764_200_030_000 });
    for (const client of inZone1) await client.waitFor(isTelemetryOf(107, 1_764_200_030_000), "first frame of 107");

    await removeActivePatrol(redis, prefix, late);
    for (const client of inZone1) {
      const remove = await client.waitFor(isEvent("REMOVE_CAR", 107), "REMOVE_CAR 107");
      expect(remove).toEqual({ type: "SYSTEM_EVENT", event: "REMOVE_CAR", patrol: { patrolId: 107 } });
    }
    // A straggler published after the stop must not reach anyone; a frame of 101 marks "everything before has arrived".
    await redis.publish(patrolChannel(prefix, 107), JSON.stringify({ type: "TELEMETRY", patrolId: 107, lat: 0, lon: 0, ts: 1 }));
    await publishTelemetry(redis, prefix, 101, { lat: 9.9, lon: 76.3, ts: 1_764_200_040_000 });
    for (const client of inZone1) {
      await client.waitFor(isTelemetryOf(101, 1_764_200_040_000), "marker frame of 101");
      const afterRemove = client.frames.slice(client.frames.findIndex(isEvent("REMOVE_CAR", 107)));
      expect(afterRemove.some((f) => f.type === "TELEMETRY" && f.patrolId === 107)).toBe(false);
      expect(client.shown()).toEqual(idsIn({ level: "zone", id: 1 }));
    }
    for (const client of inZone2) {
      expect(client.frames.some((f) => JSON.stringify(f).includes('"patrolId":107'))).toBe(false);
      expect(client.shown()).toEqual([105]);
    }
    expect(await numsub(redis, [patrolChannel(prefix, 107)])).toEqual({ [patrolChannel(prefix, 107)]: 0 });
  });

  it("drops PUBSUB NUMSUB of a patrol's channel to 0 when its last interested client leaves", async () => {
    const channels = [patrolChannel(prefix, 106), controlChannel(prefix, { level: "district", id: 2 })];
    const [a, b] = await clientsOnBothWorkers({ level: "district", id: 2 });
    await Promise.all([a!.snapshot(), b!.snapshot()]);
    expect(await numsub(redis, channels)).toEqual({ [channels[0]!]: 2, [channels[1]!]: 2 });
    await a!.close();
    await waitUntil(async () => (await numsub(redis, channels))[channels[0]!] === 1, "NUMSUB 1");
    expect(await numsub(redis, channels)).toEqual({ [channels[0]!]: 1, [channels[1]!]: 1 });
    await b!.close();
    await waitUntil(async () => (await numsub(redis, channels))[channels[0]!] === 0, "NUMSUB 0");
    expect(await numsub(redis, channels)).toEqual({ [channels[0]!]: 0, [channels[1]!]: 0 });
  });

  it("subscribes a worker only to the channels of the zones its clients command", async () => {
    const [zone1OnA] = await connectOnEachWorker(sidecar.url, { level: "zone", id: 1 }, [workers[0]!]);
    const [zone2OnB] = await connectOnEachWorker(sidecar.url, { level: "zone", id: 2 }, [workers[1]!]);
    open.push(zone1OnA!, zone2OnB!);
    await Promise.all([zone1OnA!.snapshot(), zone2OnB!.snapshot()]);

    const zone1 = [controlChannel(prefix, { level: "zone", id: 1 }), ...idsIn({ level: "zone", id: 1 }).map((id) => patrolChannel(prefix, id))];
    const zone2 = [controlChannel(prefix, { level: "zone", id: 2 }), patrolChannel(prefix, 105)];
    const counts = await numsub(redis, [...zone1, ...zone2, patrolChannel(prefix, 106)]);
    for (const channel of [...zone1, ...zone2]) expect(counts[channel], channel).toBe(1);
    expect(counts[patrolChannel(prefix, 106)]).toBe(0);
    // Worker A holds zone 1's control channel and 4 patrols, worker B zone 2's and 1: nothing of the other zone;
    // each also holds the user's own control channel (access changes).
    expect(await workerSubscriptionCount(redis, workers[0]!)).toBe(zone1.length + 1);
    expect(await workerSubscriptionCount(redis, workers[1]!)).toBe(zone2.length + 1);
  });

  it("closes forged, expired, malformed and missing tickets with 4401 and a reason", async () => {
    const sign = (secret: string, exp: number) =>
      new SignJWT({ role: "COMMANDER", scope: { level: "city", id: null } })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer("sentinel")
        .setAudience(TICKET_AUDIENCE)
        .setSubject("user:1")
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(new TextEncoder().encode(secret));
    const now = Math.floor(Date.now() / 1000);
    const tickets: Record<string, string | null> = {
      forged: await sign("some-other-secret-0123456789abcdef0123456789", now + 60),
      expired: await sign(TEST_SECRETS.REALTIME_TICKET_SECRET, now - 5),
      malformed: "not-a-ticket",
      missing: null,
    };
    for (const [kind, ticket] of Object.entries(tickets)) {
      const client = await LiveClient.connect(sidecar.url, ticket);
      const { code, reason } = await client.closed;
      expect(code, kind).toBe(4401);
      expect(reason, kind).toMatch(/ticket/);
      expect(client.frames, kind).toEqual([]);
    }
    const expired = await LiveClient.connect(sidecar.url, tickets.expired!);
    expect((await expired.closed).reason).toMatch(/expired/);
  });

  it("refuses a browser from an origin that is not allowed with HTTP 403, and accepts the web app's", async () => {
    await expect(LiveClient.connect(sidecar.url, await ticketFor({ level: "city", id: null }), { origin: "https://evil.example" })).rejects.toThrow(
      "HTTP 403",
    );
    const ours = await LiveClient.connect(sidecar.url, await ticketFor({ level: "city", id: null }), { origin: new URL(inject("baseUrl")).origin });
    open.push(ours);
    await ours.snapshot();
  });

  it("keeps a quiet socket talking: a HEARTBEAT after each 2 s of silence, on either worker, never before the SNAPSHOT", async () => {
    // A station nobody patrols: after its SNAPSHOT nothing else would ever be sent.
    for (const client of await clientsOnBothWorkers({ level: "station", id: 999_999 })) {
      const first = await client.waitFor((f) => f.type === "HEARTBEAT", "a HEARTBEAT", 1, 4_000);
      const second = await client.waitFor((f) => f.type === "HEARTBEAT", "a second HEARTBEAT", 2, 4_000);
      expect(client.frames[0]?.type).toBe("SNAPSHOT");
      const gap = second.type === "HEARTBEAT" && first.type === "HEARTBEAT" ? second.at - first.at : 0;
      expect(gap).toBeGreaterThanOrEqual(1_900);
      // 2 s of silence, seen by a check every second: at most ~3 s apart, with room for a slow machine.
      expect(gap).toBeLessThan(5_000);
    }
  });

  it("serves Prometheus metrics summed over both workers", async () => {
    const clients = [...(await clientsOnBothWorkers({ level: "city", id: null })), ...(await clientsOnBothWorkers({ level: "zone", id: 2 }))];
    await Promise.all(clients.map((c) => c.snapshot()));
    await publishTelemetry(redis, prefix, 105, { lat: 9.9, lon: 76.3, ts: 1_764_200_050_000 });
    await Promise.all(clients.map((c) => c.waitFor(isTelemetryOf(105, 1_764_200_050_000), "frame of 105")));
    const res = await fetch(`${sidecar.httpUrl}/metrics`, { headers: OPS });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);
    expect(value("sentinel_realtime_connections")).toBe(4);
    // city: control + 6 patrols on each worker; zone 2: its control channel (105 is shared with city).
    expect(value('sentinel_realtime_subscribed_channels{kind="data"}')).toBe(12);
    expect(value('sentinel_realtime_subscribed_channels{kind="control"}')).toBe(4);
    // Every client is user 1 here: its control channel once per worker.
    expect(value('sentinel_realtime_subscribed_channels{kind="user"}')).toBe(2);
    expect(value("sentinel_realtime_frames_in_total")).toBeGreaterThan(0);
    expect(value("sentinel_realtime_frames_out_total")).toBeGreaterThan(0);
    expect(value('sentinel_realtime_events_out_total{type="SNAPSHOT"}')).toBeGreaterThan(0);
    expect(value('sentinel_realtime_refusals_total{code="INVALID_TICKET"}')).toBeGreaterThanOrEqual(5);
    for (const name of ["sentinel_realtime_frames_conflated_total", "sentinel_realtime_redis_reconnects_total", "sentinel_realtime_worker_restarts_total"]) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
  });
});

describe("GET /api/realtime/ticket", () => {
  it("gives a signed-in commander a ticket that opens a socket scoped to their jurisdiction", async () => {
    const user = await login(DEMO.zone);
    const session = (await (await user.fetch("/api/auth/session")).json()) as { user: { scope: Scope } };
    const res = await user.fetch("/api/realtime/ticket");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const body = (await res.json()) as { ticket: string; url: string; expiresAt: number };
    expect(body.url).toMatch(/^wss?:\/\/.+\/live$/);
    expect(body.expiresAt).toBeGreaterThan(Date.now() + 50_000);
    expect(body.expiresAt).toBeLessThanOrEqual(Date.now() + 61_000);

    // The placement hint the sidecar's primary places the socket by: the zone commander's zone and its district.
    const claims = JSON.parse(Buffer.from(body.ticket.split(".")[1]!, "base64url").toString()) as { pl?: { d: number; z?: number } };
    expect(session.user.scope.level).toBe("zone");
    expect(claims.pl).toEqual({ d: expect.any(Number) as number, z: session.user.scope.id });

    const client = await LiveClient.connect(sidecar.url, body.ticket);
    open.push(client);
    expect((await client.snapshot()).scope).toEqual(session.user.scope);
  });

  it("opens one socket per ticket: a reuse is closed 4401 on every worker, while the socket is open and after it closed", async () => {
    const user = await login(DEMO.admin);
    const ticketOf = async () => ((await (await user.fetch("/api/realtime/ticket")).json()) as { ticket: string }).ticket;
    const used = { code: 4401, reason: expect.stringMatching(/already used/) as string, frames: 0 };
    // Scope-affine placement sends every use of a ticket to the same worker; a round-robin sidecar on the same Redis
    // deals the reuses out to both of its workers, so the used-mark is shown to hold on each.
    const roundRobin = await startSidecar(inject("redisUrl"), { REDIS_PREFIX: prefix, METRICS_TOKEN, REALTIME_PLACEMENT: "round-robin" });
    try {
      const rrWorkers = await discoverWorkers(roundRobin.url);
      /** Reuses `ticket` on `url` until every one of `pids` refused it (or `tries` times); returns how each attempt ended. */
      const reuse = async (url: string, ticket: string, pids: number[], tries = 20) => {
        const ends: { code: number; reason: string; frames: number; worker: number }[] = [];
        const refusedBy = new Set<number>();
        for (let attempt = 0; refusedBy.size < pids.length && attempt < tries; attempt++) {
          const again = await LiveClient.connect(url, ticket);
          const { code, reason } = await again.closed;
          refusedBy.add(again.workerPid);
          ends.push({ code, reason, frames: again.frames.length, worker: again.workerPid });
        }
        expect([...refusedBy].sort(), "workers that refused the reuse").toEqual([...pids].sort());
        return ends.map(({ worker: _, ...end }) => end);
      };

      const ticket = await ticketOf();
      const first = await LiveClient.connect(sidecar.url, ticket);
      await first.snapshot();
      // Placed by its ticket, every reuse reaches the first socket's worker, which refuses it.
      for (const end of await reuse(sidecar.url, ticket, [first.workerPid], 3)) expect(end).toEqual(used);
      for (const end of await reuse(roundRobin.url, ticket, rrWorkers)) expect(end).toEqual(used);
      // The first socket is untouched by the refused reuses.
      await publishTelemetry(redis, prefix, 101, { lat: 9.95, lon: 76.28, ts: 1_764_200_060_000 });
      await first.waitFor(isTelemetryOf(101, 1_764_200_060_000), "frame of 101 after the reuses");
      await first.close();
      for (const end of await reuse(roundRobin.url, ticket, rrWorkers)) expect(end).toEqual(used);
      for (const end of await reuse(sidecar.url, ticket, [first.workerPid], 3)) expect(end).toEqual(used);
    } finally {
      await roundRobin.process.stop();
    }

    const fresh = await LiveClient.connect(sidecar.url, await ticketOf());
    open.push(fresh);
    expect((await fresh.snapshot()).patrols.map((p) => p.patrolId).sort()).toEqual(PATROLS.map((p) => p.patrolId));
  });

  it("refuses a ticket issued before Redis was last rebuilt (its used-mark may be lost) with 1013, and opens a new one", async () => {
    const city: Scope = { level: "city", id: null };
    const early = await ticketFor(city, 77, "ADMIN");
    await new Promise((r) => setTimeout(r, 5));
    // What the web tier's rebuild writes after Redis restarted empty: when it rebuilt.
    await redis.set(statePlaneReadyKey(prefix), String(Date.now()));
    try {
      const stale = await LiveClient.connect(sidecar.url, early);
      expect(await stale.closed).toEqual({ code: 1013, reason: "The live server's store restarted after this ticket was issued; reconnect with a new ticket." });
      expect(stale.frames).toEqual([]);
      const fresh = await LiveClient.connect(sidecar.url, await ticketFor(city, 77, "ADMIN"));
      open.push(fresh);
      expect((await fresh.snapshot()).scope).toEqual(city);
    } finally {
      await redis.del(statePlaneReadyKey(prefix));
    }
  });

  it("answers 401 without a session", async () => {
    const res = await fetch(`${inject("baseUrl")}/api/realtime/ticket`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHENTICATED");
  });
});
