import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "@/test/support/sidecar";
import { startHistory, startTestStack, type Managed, type TestStack } from "@/test/support/stack";
import { api, StackDb } from "@/test/support/live-stack";
import { monotonicMs, sleep } from "@/test/support/load/clock";
import { TelemetryDriver } from "@/test/support/load/telemetry-driver";
import { startPrivatePostgres, type PrivatePostgres } from "@/test/support/private-postgres";
import { TEST_SECRETS } from "@/test/support/secrets";

// A stack of its own on a private PostgreSQL (the machine's is shared and must never be stopped), with the
// history writer: this file stops its database and kills its Redis.
const OUTAGE_MS = 5_000;

let pg: PrivatePostgres;
let stack: TestStack;
let db: StackDb;
let writer: Managed | null = null;

/** Stored points per patrol, from the stack's database. */
async function stored(patrolIds: number[]): Promise<Map<number, number[]>> {
  const rows = await db.query<{ patrolId: number; ts: string }>(
    `SELECT "patrolId", (extract(epoch FROM ts) * 1000)::int8 AS ts FROM positions WHERE "patrolId" = ANY($1) ORDER BY "patrolId", ts`,
    [patrolIds],
  );
  const out = new Map<number, number[]>(patrolIds.map((id) => [id, []]));
  for (const r of rows) out.get(r.patrolId)!.push(Number(r.ts));
  return out;
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${stack.env.HISTORY_METRICS_PORT}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : NaN;
}

beforeAll(async () => {
  pg = await startPrivatePostgres();
  stack = await startTestStack({ label: "history_fault", seedProfile: "demo", secrets: TEST_SECRETS, history: true, postgresUrl: pg.url });
  writer = stack.history;
  db = new StackDb(stack.databaseUrl);
});

afterAll(async () => {
  await db?.end();
  await pg?.start().catch(() => undefined); // the stack drops its database on the way out
  await writer?.stop();
  await stack?.stop();
  pg?.destroy();
});

describe("history faults", () => {
  it("keeps telemetry at 202 while PostgreSQL is down, then drains the backlog: nothing lost, nothing duplicated", async () => {
    const base = stack.baseUrl;
    const vehicles = await db.vehicles(8);
    const patrols: number[] = [];
    for (const v of vehicles) patrols.push((await api(base, "/api/patrols/start", { token: v.token, method: "POST" })).body.patrolId as number);
    // 8 vehicles at ~7 points/s each: under the 10/s per-vehicle limit even when timers bunch two sends together.
    const driver = new TelemetryDriver(base, { intervalMs: 150 });
    vehicles.forEach((v, i) => driver.add(patrols[i]!, v.token));
    await sleep(1_000);
    const failuresBefore = await metric("sentinel_history_batch_failures_total");

    // A clean stop: the private cluster runs with synchronous_commit=off, so a crash would also lose its last
    // ~200 ms of commits — a setting of that test server, not something the writer can make up for.
    pg.stop("fast");
    const downAt = monotonicMs();
    await sleep(OUTAGE_MS);
    await waitUntil(async () => (await metric("sentinel_history_backlog_points")) > 0, "points to wait in the stream");
    await pg.start();
    const upAt = monotonicMs();
    await sleep(1_000);
    await driver.stop();

    const during = driver.points.filter((p) => p.sentAt > downAt && p.sentAt < upAt);
    expect(during.length).toBeGreaterThan(vehicles.length * 5);
    expect(during.filter((p) => p.attempts.at(-1)?.status !== 202)).toEqual([]);
    expect(await metric("sentinel_history_batch_failures_total")).toBeGreaterThan(failuresBefore);

    const accepted = new Map<number, number[]>(patrols.map((id) => [id, []]));
    for (const p of driver.points) if (p.attempts.at(-1)?.status === 202) accepted.get(p.patrolId)!.push(p.ts);
    await waitUntil(async () => (await metric("sentinel_history_backlog_points")) === 0, "the backlog to drain", 20_000);
    expect(await stored(patrols)).toEqual(accepted);
    for (const [i, v] of vehicles.entries()) await api(base, `/api/patrols/${patrols[i]!}/stop`, { token: v.token, method: "POST" });
  }, 60_000);

  it("loses at most the points not yet stored when Redis restarts empty; stored points are untouched", async () => {
    const base = stack.baseUrl;
    const [v] = await db.vehicles(1, 20);
    const patrolId = (await api(base, "/api/patrols/start", { token: v!.token, method: "POST" })).body.patrolId as number;
    const post = async (ts: number) => {
      const res = await waitUntil(async () => {
        const r = await api(base, "/api/telemetry", { token: v!.token, body: { patrolId, lat: 9.9, lon: 76.2, ts } });
        return r.status === 202 ? r : null; // 503 while the web tier rebuilds the state plane after the restart
      }, `point ${ts} to be accepted`);
      expect(res.body.stale).toBeUndefined();
    };
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) await post(t0 + i);
    await waitUntil(async () => (await stored([patrolId])).get(patrolId)!.length === 5, "the first points to be stored");

    // The tail: accepted while no writer runs, so still only in Redis when it dies.
    await writer!.stop();
    for (let i = 5; i < 10; i++) await post(t0 + i);
    process.kill(stack.redis.child.pid!, "SIGKILL");
    await stack.redis.restart();
    writer = await startHistory(stack.env as typeof stack.env & { HISTORY_METRICS_PORT: string });
    for (let i = 10; i < 15; i++) await post(t0 + i);

    const expected = [...[0, 1, 2, 3, 4], ...[10, 11, 12, 13, 14]].map((i) => t0 + i);
    await waitUntil(async () => (await stored([patrolId])).get(patrolId)!.length >= 10, "points after the restart to be stored");
    expect((await stored([patrolId])).get(patrolId)).toEqual(expected);
    await api(base, `/api/patrols/${patrolId}/stop`, { token: v!.token, method: "POST" });
  }, 60_000);
});
