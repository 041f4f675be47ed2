import type { RedisClient } from "@/lib/redis/client";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { addActivePatrol } from "../lib/patrols/state-plane";
import type { PatrolMeta } from "../lib/realtime/protocol";
import { placementOf } from "../lib/realtime/placement";
import { createRedis } from "../lib/redis/client";
import { patrolChannel } from "../lib/redis/keys";
import { scopeContains, type Scope } from "../lib/scope";
import { LiveClient, discoverWorkers, isTelemetryOf, numsub, patrolAt, publishTelemetry, startSidecar, ticketFor, waitUntil, type Sidecar } from "../test/support/sidecar";

/**
 * Scope-affine placement (REALTIME_PLACEMENT=scope, the default) against the real sidecar: dashboards of one zone
 * share a worker, so each patrol's points go to one worker instead of every worker; a worker that dies takes its
 * dashboards with it and they come back together with a fresh SNAPSHOT; `round-robin` still deals sockets out in turn.
 */

// District 1 has zone 1 (stations 1 and 2); district 2 has zone 3 (station 5).
const STATIONS = {
  1: { stationId: 1, divisionId: 1, zoneId: 1, districtId: 1 },
  2: { stationId: 2, divisionId: 2, zoneId: 1, districtId: 1 },
  5: { stationId: 5, divisionId: 4, zoneId: 3, districtId: 2 },
} as const;
const PATROLS: PatrolMeta[] = [patrolAt(301, STATIONS[1]), patrolAt(302, STATIONS[2]), patrolAt(305, STATIONS[5])];
const ZONE_1: Scope[] = [
  { level: "station", id: 1 },
  { level: "station", id: 1 },
  { level: "division", id: 2 },
  { level: "zone", id: 1 },
];
const ZONE_3: Scope[] = [
  { level: "station", id: 5 },
  { level: "zone", id: 3 },
];

const prefix = `pl-${randomBytes(3).toString("hex")}:`;
let redis: RedisClient;
let sidecar: Sidecar;
const open: LiveClient[] = [];
let nextUser = 500;

/** Opens a dashboard of `scope` with the ticket the web tier would issue: the scope's district and zone as placement hint. */
async function dashboard(url: string, scope: Scope): Promise<LiveClient> {
  const chain = PATROLS.find((p) => scopeContains(scope, p))!;
  const client = await LiveClient.connect(url, await ticketFor(scope, nextUser++, "COMMANDER", placementOf(scope, chain) ?? undefined));
  open.push(client);
  return client;
}

const idsIn = (scope: Scope) => PATROLS.filter((p) => scopeContains(scope, p)).map((p) => p.patrolId);

beforeAll(async () => {
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  for (const p of PATROLS) await addActivePatrol(redis, prefix, p);
  sidecar = await startSidecar(inject("redisUrl"), { REDIS_PREFIX: prefix });
  // Both workers take sockets before the tests place any (a worker still starting is not in the primary's book).
  await discoverWorkers(sidecar.url);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await sidecar?.process.stop();
  const left = await redis?.keys(`${prefix}*`);
  if (left?.length) await redis.del(...left);
  redis?.disconnect();
});

describe("scope-affine placement", () => {
  it("puts the dashboards of one zone on one worker, another zone's on the other, and sends each patrol's points to one worker", async () => {
    const zone1 = await Promise.all(ZONE_1.map((scope) => dashboard(sidecar.url, scope)));
    const zone3 = [];
    for (const scope of ZONE_3) zone3.push(await dashboard(sidecar.url, scope));
    const snapshots = await Promise.all([...zone1, ...zone3].map((c) => c.snapshot()));
    expect(snapshots.map((s) => s.patrols.map((p) => p.patrolId).sort())).toEqual([...ZONE_1, ...ZONE_3].map(idsIn));

    expect(new Set(zone1.map((c) => c.workerPid)).size, "workers holding zone 1's dashboards").toBe(1);
    expect(new Set(zone3.map((c) => c.workerPid)).size, "workers holding zone 3's dashboards").toBe(1);
    expect(zone3[0]!.workerPid, "zone 3 goes to the worker with room, not zone 1's").not.toBe(zone1[0]!.workerPid);
    // Redis delivers each patrol's points to the one worker whose dashboards show it (round-robin: to both).
    expect(await numsub(redis, PATROLS.map((p) => patrolChannel(prefix, p.patrolId)))).toEqual(
      Object.fromEntries(PATROLS.map((p) => [patrolChannel(prefix, p.patrolId), 1])),
    );

    const ts = Date.now();
    for (const p of PATROLS) await publishTelemetry(redis, prefix, p.patrolId, { lat: 9.96, lon: 76.27, ts });
    await zone1[0]!.waitFor(isTelemetryOf(301, ts), "301 on station 1's dashboard");
    await Promise.all(zone3.map((c) => c.waitFor(isTelemetryOf(305, ts), "305 on zone 3's dashboards")));
    await zone1[3]!.waitFor(isTelemetryOf(302, ts), "302 on zone 1's dashboard");
    expect(zone1[0]!.telemetryIds()).toEqual([301]);
  });

  it("when the zone's worker dies, its dashboards reconnect together on a live worker and each gets a fresh SNAPSHOT", async () => {
    const before = await Promise.all(ZONE_1.map((scope) => dashboard(sidecar.url, scope)));
    await Promise.all(before.map((c) => c.snapshot()));
    const victim = before[0]!.workerPid;
    expect(new Set(before.map((c) => c.workerPid))).toEqual(new Set([victim]));

    process.kill(victim, "SIGKILL");
    await Promise.all(before.map((c) => c.closed));
    // As the map does: a new ticket, and again until a worker takes it.
    const after: LiveClient[] = [];
    for (const scope of ZONE_1) {
      const chain = PATROLS.find((p) => scopeContains(scope, p))!;
      const client = await LiveClient.reconnect(sidecar.url, () => ticketFor(scope, nextUser++, "COMMANDER", placementOf(scope, chain) ?? undefined), 20);
      open.push(client);
      after.push(client);
    }
    const snapshots = await Promise.all(after.map((c) => c.snapshot()));
    expect(snapshots.map((s) => s.patrols.map((p) => p.patrolId).sort())).toEqual(ZONE_1.map(idsIn));
    expect(new Set(after.map((c) => c.workerPid)).size, "workers holding zone 1's dashboards after the restart").toBe(1);
    expect(after[0]!.workerPid).not.toBe(victim);

    const ts = Date.now();
    await publishTelemetry(redis, prefix, 301, { lat: 9.97, lon: 76.28, ts });
    await after[0]!.waitFor(isTelemetryOf(301, ts), "301 after the restart");
    // The primary started a replacement: the sidecar has two workers again.
    expect((await discoverWorkers(sidecar.url)).length).toBe(2);
  });
});

describe("REALTIME_PLACEMENT=round-robin", () => {
  it("deals the dashboards of one station out to both workers, each getting exactly its scope", async () => {
    const roundRobin = await startSidecar(inject("redisUrl"), { REDIS_PREFIX: prefix, REALTIME_PLACEMENT: "round-robin" });
    try {
      await discoverWorkers(roundRobin.url);
      const station: Scope = { level: "station", id: 1 };
      const clients: LiveClient[] = [];
      await waitUntil(async () => {
        clients.push(await dashboard(roundRobin.url, station));
        return new Set(clients.map((c) => c.workerPid)).size === 2;
      }, "station 1's dashboards on both workers");
      for (const c of clients) expect((await c.snapshot()).patrols.map((p) => p.patrolId)).toEqual([301]);
      expect(await numsub(redis, [patrolChannel(prefix, 301)])).toEqual({ [patrolChannel(prefix, 301)]: 2 });
    } finally {
      await Promise.all(open.splice(0).map((c) => c.close()));
      await roundRobin.process.stop();
    }
  });
});
