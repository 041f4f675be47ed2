import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cluster } from "ioredis";
import { patrolMetaKey } from "@/lib/redis/keys";
import { api, StackDb, type StackVehicle } from "@/test/support/live-stack";
import { isSnapshot, isTelemetryOf, LiveClient, ticketFor } from "@/test/support/sidecar";
import { clusterClient, startRedisCluster, type PrivateClusterNode, type PrivateRedisCluster } from "@/test/support/redis-cluster";
import { TEST_SECRETS } from "@/test/support/secrets";
import { startTestStack, type TestStack } from "@/test/support/stack";

// A stack of its own (web server and realtime sidecar on a private 3-master cluster with a replica each): this file
// kills a master.

/** Pause between two points of one vehicle while the master is down: 150 ms (under the 10 requests/s limit). */
const POINT_EVERY_MS = 150;

let cluster: PrivateRedisCluster;
let stack: TestStack;
let db: StackDb;
let redis: Cluster;
/** A city commander's dashboard: sees every patrol of this file. */
let dashboard: LiveClient;
/** Active patrols of this file, with their vehicle and the master serving their slot at the start. */
const patrols: { patrolId: number; vehicle: StackVehicle; master: PrivateClusterNode }[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  stack = await startTestStack({
    label: "failover",
    seedProfile: "demo",
    secrets: TEST_SECRETS,
    realtime: true,
    env: { REDIS_CLUSTER_NODES: cluster.nodes, REALTIME_WORKERS: "2" },
  });
  db = new StackDb(stack.databaseUrl);
  redis = clusterClient(cluster);
  redis.on("error", () => undefined); // connection errors while the master is down: the test reads the answers instead
  for (const vehicle of await db.vehicles(9)) {
    const res = await api(stack.baseUrl, "/api/patrols/start", { method: "POST", token: vehicle.token });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const patrolId = res.body.patrolId as number;
    patrols.push({ patrolId, vehicle, master: await cluster.nodeForKey(patrolMetaKey("", patrolId)) });
  }
  dashboard = await LiveClient.connect(stack.env.REALTIME_PUBLIC_URL!, await ticketFor({ level: "city", id: null }, 1));
  const snapshot = await dashboard.waitFor(isSnapshot, "the city SNAPSHOT");
  expect(snapshot.patrols.map((p) => p.patrolId)).toEqual(expect.arrayContaining(patrols.map((p) => p.patrolId)));
}, 120_000);

afterAll(async () => {
  await dashboard?.close();
  redis?.disconnect();
  await db?.end();
  await stack?.stop();
  await cluster?.stop();
});

/** The last `ts` sent, so two points never share one (the dashboard's frames are matched by it). */
let lastTs = 0;
const post = (p: (typeof patrols)[number], ts = (lastTs = Math.max(Date.now(), lastTs + 1))) =>
  api(stack.baseUrl, "/api/telemetry", { method: "POST", token: p.vehicle.token, body: { patrolId: p.patrolId, lat: 9.97, lon: 76.29, ts }, timeoutMs: 15_000 });

/** Posts a point of `p` every POINT_EVERY_MS until `done()`, recording each answer's status and Retry-After and the point's ts. */
async function keepPosting(
  p: (typeof patrols)[number],
  done: () => boolean,
  answers: { status: number; retryAfter: string | null; ts: number; error?: string }[] = [],
): Promise<{ status: number; retryAfter: string | null; ts: number; error?: string }[]> {
  while (!done()) {
    const ts = (lastTs = Math.max(Date.now(), lastTs + 1));
    const res = await post(p, ts).catch((err: unknown) => ({ status: 0, headers: new Headers(), body: String(err) }));
    answers.push({ status: res.status, retryAfter: res.headers.get("retry-after"), ts, ...(res.status === 202 ? {} : { error: JSON.stringify(res.body) }) });
    await new Promise((r) => setTimeout(r, POINT_EVERY_MS));
  }
  return answers;
}

/** Waits until the dashboard received a TELEMETRY frame of `p` for every accepted point in `answers`. */
async function expectDelivered(p: (typeof patrols)[number], answers: Awaited<ReturnType<typeof keepPosting>>, what: string): Promise<void> {
  for (const a of answers.filter((x) => x.status === 202)) await dashboard.waitFor(isTelemetryOf(p.patrolId, a.ts), `${what}: the point of patrol ${p.patrolId} at ${a.ts}`, 1, 10_000);
}

/**
 * Posts points of `p` until the dashboard receives one of them (its subscription to the patrol's channel is back: the
 * web may accept points on a new master a moment before the realtime worker has moved its subscription there), for at
 * most `ms`; returns every answer.
 */
async function postUntilDelivered(p: (typeof patrols)[number], ms = 15_000) {
  const until = Date.now() + ms;
  const answers: Awaited<ReturnType<typeof keepPosting>> = [];
  const delivered = () => answers.some((a) => a.status === 202 && dashboard.frames.some(isTelemetryOf(p.patrolId, a.ts)));
  await keepPosting(p, () => delivered() || Date.now() > until, answers);
  expect(delivered(), `a point of patrol ${p.patrolId} reached the dashboard within ${ms} ms`).toBe(true);
  return answers;
}

/**
 * Every accepted point of `p` in `answers` reached the dashboard once, or was covered by a SNAPSHOT it received since
 * its `snapshotsFrom`-th (a re-sync after missed frames) showing the patrol at that point or later.
 */
function expectDeliveredOrCovered(p: (typeof patrols)[number], answers: Awaited<ReturnType<typeof keepPosting>>, snapshotsFrom: number): void {
  const times = dashboard.frames.filter(isTelemetryOf(p.patrolId)).map((f) => f.ts);
  expect(times.length, "no point published twice").toBe(new Set(times).size);
  const resyncs = dashboard.frames.filter(isSnapshot).slice(snapshotsFrom);
  const coveredUpTo = Math.max(0, ...resyncs.map((f) => f.patrols.find((x) => x.patrolId === p.patrolId)?.last?.ts ?? 0));
  const unseen = answers.filter((a) => a.status === 202 && !times.includes(a.ts) && a.ts > coveredUpTo);
  expect(unseen, "accepted points neither delivered nor covered by a SNAPSHOT").toEqual([]);
}

/** Posts points of `p` until one is accepted (202), or for at most `ms` milliseconds. */
async function keepPostingUntil202(p: (typeof patrols)[number], ms: number) {
  const until = Date.now() + ms;
  const answers: Awaited<ReturnType<typeof keepPosting>> = [];
  await keepPosting(p, () => Date.now() > until || answers.at(-1)?.status === 202, answers);
  return answers;
}

/** Checks every answer to a patrol of a shard that was down is a 202 or a 503 with Retry-After and a message naming the shard; returns the 503s. */
function expectOnly202Or503(answers: Awaited<ReturnType<typeof keepPosting>>) {
  const refused = answers.filter((a) => a.status !== 202);
  for (const a of refused) {
    expect(a.status, a.error).toBe(503);
    expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(a.error).toMatch(/Redis Cluster shard/);
  }
  return refused;
}

describe("Redis Cluster faults", () => {
  it("a slot moves to another master under traffic: every point answered 202 (redirections followed), none published twice, the dashboard follows the channel", async () => {
    const moving = patrols[1]!;
    const target = cluster.masters.find((m) => m !== moving.master)!;
    const snapshotsBefore = dashboard.frames.filter(isSnapshot).length;
    let moved = false;
    // One key every 150 ms: the patrol's points meet the slot half-moved (ASK and TRYAGAIN), then moved (MOVED).
    const migration = cluster.migrateSlotOf(patrolMetaKey("", moving.patrolId), target, 150).then(() => (moved = true));
    const during = await keepPosting(moving, () => moved);
    await migration;
    const after = await postUntilDelivered(moving);
    moving.master = target;
    expect(await cluster.nodeForKey(patrolMetaKey("", moving.patrolId))).toBe(target);
    expect(await redis.hget(patrolMetaKey("", moving.patrolId), "vehicleId")).toBe(String(moving.vehicle.id));

    const answers = [...during, ...after];
    expect(answers.filter((a) => a.status !== 202), "every point accepted").toEqual([]);
    // The dashboard: the points after the move reach it (postUntilDelivered); none twice; a point in the moment its
    // channel moved is either delivered or covered by the re-sync's SNAPSHOT (which shows the patrol at that point or later).
    expectDeliveredOrCovered(moving, answers, snapshotsBefore);
  }, 60_000);

  it("a master fails over: its patrols wait or get 503 with Retry-After for the gap, then 202; other shards' patrols keep getting 202; no patrol is lost", async () => {
    const victim = patrols[0]!;
    const survivor = patrols.find((p) => p.master !== victim.master);
    expect(survivor, "the patrols span more than one master").toBeDefined();
    for (const p of [victim, survivor!]) {
      const ts = (lastTs = Math.max(Date.now(), lastTs + 1));
      expect((await post(p, ts)).status).toBe(202);
      await dashboard.waitFor(isTelemetryOf(p.patrolId, ts), `patrol ${p.patrolId}'s point before the failover`);
    }
    const snapshotsBefore = dashboard.frames.filter(isSnapshot).length;

    let promoted = false;
    const failover = cluster.failover(victim.master).then((node) => ((promoted = true), node));
    const [victimAnswers, survivorAnswers] = await Promise.all([keepPosting(victim, () => promoted), keepPosting(survivor!, () => promoted)]);
    const promotedNode = await failover;
    const failed = victim.master;
    for (const p of patrols) if (p.master === failed) p.master = promotedNode;

    // With the test cluster's 1 s node timeout the promotion takes ~2–3 s, which the web's client may ride through
    // (it retries a slot's command every 200 ms, up to 50 times, within its 2 s command timeout): a point then waits
    // instead of being refused. Either way nothing but 202 or a 503 the device retries.
    expectOnly202Or503(victimAnswers);
    expect(survivorAnswers.filter((a) => a.status !== 202), "other shards keep flowing").toEqual([]);
    // After the promotion the patrol's points flow again (the web's client learns the new slot map within ~1 s).
    await expect.poll(async () => (await post(victim)).status, { timeout: 10_000, interval: 250 }).toBe(202);
    // Nothing was lost with the master: every patrol is still active, on whichever node serves it now.
    for (const p of patrols) expect(await redis.hget(patrolMetaKey("", p.patrolId), "vehicleId"), `patrol ${p.patrolId}`).toBe(String(p.vehicle.id));

    // The dashboard: every point of the other shards reached it during the failover; its subscription to the failed
    // shard's patrol moved to the promoted master, with a fresh SNAPSHOT (frames may have been missed in the gap) that
    // still shows every patrol; and that patrol's points reach it again.
    await expectDelivered(survivor!, survivorAnswers, "during the failover");
    const resync = await dashboard.waitFor(isSnapshot, "a SNAPSHOT re-syncing the dashboard after the failover", snapshotsBefore + 1, 15_000);
    expect(resync.patrols.map((p) => p.patrolId)).toEqual(expect.arrayContaining(patrols.map((p) => p.patrolId)));
    // The re-sync above may be every client's (the classic connection was on the killed master): the patrol's own
    // channel follows within a second or so; points in between are covered by its re-sync.
    const after = await postUntilDelivered(victim);
    expectDeliveredOrCovered(victim, after, snapshotsBefore);
  }, 60_000);

  it("a master down without a replica: its patrols get 503 with Retry-After and a clear message, the other shards' patrols keep getting 202", async () => {
    // The master promoted above has no running replica (its old master is down).
    const victim = patrols[0]!;
    const survivor = patrols.find((p) => p.master !== victim.master)!;
    await victim.master.stop();
    let done = false;
    const [victimAnswers, survivorAnswers] = await Promise.all([
      keepPosting(victim, () => done),
      keepPosting(survivor, () => done),
      new Promise((r) => setTimeout(r, 6_000)).then(() => (done = true)),
    ]);
    expect(expectOnly202Or503(victimAnswers).length, "the dead shard's patrol is refused").toBeGreaterThan(0);
    expect(victimAnswers.at(-1)!.status).toBe(503);
    expect(survivorAnswers.filter((a) => a.status !== 202), "other shards keep flowing").toEqual([]);
    // The dashboard still gets every point of the shards that are up.
    await expectDelivered(survivor, survivorAnswers, "while a shard is down");
  }, 60_000);

  it("a master comes back empty (no replica, no persistence): its patrols get 503 until the web rebuilds their keys from PostgreSQL, then 202 on the map again", async () => {
    // The master stopped above: it restarts with its slots and none of its keys (not even their slot markers).
    const victim = patrols[0]!;
    const onIt = patrols.filter((p) => p.master === victim.master);
    const snapshotsBefore = dashboard.frames.filter(isSnapshot).length;
    await victim.master.restart();
    await cluster.ready();
    // It starts empty (its nodes run with --save "" --appendonly no); the web may have rebuilt its keys already (its 5 s
    // check), so what is asserted is what a device and a dashboard see.

    // Its patrols' points are refused as "being restored" (never 409 "not active": PostgreSQL says they are), and the
    // web rebuilds the state plane — on a refusal, or within its 5 s check — after which they flow again.
    const answers = await keepPostingUntil202(victim, 20_000);
    for (const a of answers.slice(0, -1)) {
      expect(a.status, a.error).toBe(503);
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(answers.at(-1)!.status).toBe(202);
    for (const p of onIt) expect(await redis.hget(patrolMetaKey("", p.patrolId), "vehicleId"), `patrol ${p.patrolId} restored`).toBe(String(p.vehicle.id));
    // The dashboard shows every patrol again (a re-sync or ADD_CARs as the rebuild re-announces them) and gets the
    // restored patrol's points.
    await expect.poll(() => patrols.every((p) => dashboard.shown().includes(p.patrolId)), { timeout: 10_000 }).toBe(true);
    const after = await postUntilDelivered(victim);
    expectDeliveredOrCovered(victim, [...answers, ...after], snapshotsBefore);
  }, 60_000);
});
