import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PatrolView } from "@/lib/realtime/protocol";
import { seededRandom } from "@/lib/seed/tree";
import { clusterLayout } from "@/lib/redis/keys";
import { formatScope, scopeContains, type Scope, type UnitChain } from "@/lib/scope";
import { waitUntil } from "@/test/support/sidecar";
import { startTestStack, type TestStack } from "@/test/support/stack";
import { monotonicMs, sleep } from "@/test/support/load/clock";
import { TelemetryDriver, type SentPoint } from "@/test/support/load/telemetry-driver";
import { api, StackDb, TimedClient, type StackStation, type StackVehicle } from "@/test/support/live-stack";
import { TEST_SECRETS } from "@/test/support/secrets";

/**
 * Randomised scope isolation: 100 dashboards of random jurisdictions across
 * both realtime workers, 1,000 patrols started and stopped through the HTTP
 * API while they watch, telemetry flowing throughout, duty statuses changing
 * and SOS buttons pressed. Every dashboard must get every frame (TELEMETRY,
 * STATUS, ALERT) of its jurisdiction and nothing else. The seed fixes the users,
 * their scopes and the sequence of starts and stops (not the exact timing);
 * reproduce a run with SCOPE_ISOLATION_SEED=<seed>.
 */
const SEED = Number(process.env.SCOPE_ISOLATION_SEED ?? randomInt(2 ** 31));
const USERS = 100;
/** Dashboards connected before any patrol exists; the rest join after the first wave or during the churn. */
const EARLY_USERS = 40;
const WAVE_USERS = 30;
const PATROLS = 1_000;
const FIRST_WAVE = 500;
/** Patrols stopped during the churn (the rest are stopped at the end). */
const CHURN_STOPS = 400;
const CHURN_MS = 15_000;
const TELEMETRY_INTERVAL_MS = 3_000;
const CONCURRENCY = 8;
/** Duty-status changes and SOS presses sent by running patrols' vehicles during the churn. */
const STATUS_CHANGES = 300;
const SOS_PRESSES = 40;
/** Scope levels of the users, by weight: most commanders run stations and divisions. */
const LEVEL_WEIGHTS: Array<[Scope["level"], number]> = [
  ["city", 5],
  ["district", 10],
  ["zone", 20],
  ["division", 30],
  ["station", 35],
];

interface PatrolRecord {
  id: number;
  vehicle: StackVehicle;
  chain: UnitChain;
  /** `monotonicMs()` when its start was sent / answered 201, its stop sent / answered 200. */
  startSentAt: number;
  startedAt: number;
  stopSentAt?: number;
  stoppedAt?: number;
}

interface Dashboard {
  userId: number;
  scope: Scope;
  client: TimedClient;
}

/** A duty-status change or SOS the server accepted, with when it was sent and answered (`monotonicMs()`). */
interface StatusOp {
  patrolId: number;
  status: string;
  sentAt: number;
  answeredAt: number;
}
interface SosOp {
  patrolId: number;
  alertId: number;
  answeredAt: number;
}

type Op = { kind: "start"; ordinal: number; vehicle: number; station: number } | { kind: "stop"; ordinal: number };


/** The seeded plan: users' scopes, the vehicle and station of each patrol, and the order of starts and stops. */
function plan(stations: StackStation[], vehicleCount: number) {
  const random = seededRandom(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  // Patrols cluster on a few "busy" stations, so station and division commanders have something to watch.
  const busy = Array.from({ length: 60 }, () => pick(stations));
  const scopes: Scope[] = Array.from({ length: USERS }, () => {
    let roll = random() * LEVEL_WEIGHTS.reduce((n, [, w]) => n + w, 0);
    const level = LEVEL_WEIGHTS.find(([, w]) => (roll -= w) < 0)![0];
    const s = random() < 0.8 ? pick(busy) : pick(stations);
    if (level === "city") return { level, id: null };
    return { level, id: level === "station" ? s.id : s[`${level}Id`] };
  });
  const vehicleOrder = Array.from({ length: vehicleCount }, (_, i) => i);
  for (let i = vehicleOrder.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [vehicleOrder[i], vehicleOrder[j]] = [vehicleOrder[j]!, vehicleOrder[i]!];
  }
  const startOp = (ordinal: number): Op => ({
    kind: "start",
    ordinal,
    vehicle: vehicleOrder[ordinal]!,
    station: (random() < 0.5 ? pick(busy) : pick(stations)).id,
  });
  const firstWave = Array.from({ length: FIRST_WAVE }, (_, i) => startOp(i));
  const churn: Op[] = [];
  const running = Array.from({ length: FIRST_WAVE }, (_, i) => i);
  let started = FIRST_WAVE;
  let stops = 0;
  while (started < PATROLS || stops < CHURN_STOPS) {
    const stopNext = stops < CHURN_STOPS && (started >= PATROLS || random() < CHURN_STOPS / (CHURN_STOPS + PATROLS - FIRST_WAVE));
    if (stopNext) {
      churn.push({ kind: "stop", ordinal: running.splice(Math.floor(random() * running.length), 1)[0]! });
      stops++;
    } else {
      churn.push(startOp(started));
      running.push(started++);
    }
  }
  // When, during the churn, each of the last dashboards joins.
  const lateJoins = Array.from({ length: USERS - EARLY_USERS - WAVE_USERS }, () => random() * CHURN_MS).sort((a, b) => a - b);
  return { scopes, firstWave, churn, lateJoins };
}

/** Runs `ops` in order, at most CONCURRENCY at once, each not before its share of `spreadMs`. */
async function runOps(ops: Op[], spreadMs: number, run: (op: Op) => Promise<void>): Promise<void> {
  const began = monotonicMs();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ops.length) {
        const index = next++;
        const due = began + (spreadMs * index) / ops.length;
        if (due > monotonicMs()) await sleep(due - monotonicMs());
        await run(ops[index]!);
      }
    }),
  );
}

/** Everything wrong with what one dashboard received; empty when it saw exactly its jurisdiction. */
function violations(
  d: Dashboard,
  patrols: Map<number, PatrolRecord>,
  points: Map<number, SentPoint[]>,
  statusOps: StatusOp[],
  sosOps: SosOp[],
): string[] {
  const out: string[] = [];
  const { client, scope } = d;
  const knownAt = new Map<number, number>();
  /** When each patrol was first shown (SNAPSHOT or ADD_CAR). */
  const everShown = new Map<number, number>();
  const received = new Map<number, Set<number>>();
  const lastTs = new Map<number, number>();
  /** STATUS frames received, as `patrolId:status`; alert ids known (SNAPSHOT or ALERT frame). */
  const statuses = new Set<string>();
  const alertsKnown = new Set<number>();
  const checkAlert = (a: { alertId: number; patrolId: number }, what: string) => {
    const rec = patrols.get(a.patrolId);
    if (!inScope(rec)) out.push(`${what} alert ${a.alertId} of patrol ${a.patrolId}, outside ${formatScope(scope)}`);
    alertsKnown.add(a.alertId);
  };
  let snapshots = 0;
  const inScope = (rec: PatrolRecord | undefined) => rec !== undefined && scopeContains(scope, rec.chain);
  const checkView = (p: PatrolView, what: string, at: number) => {
    const rec = patrols.get(p.patrolId);
    if (!rec) return void out.push(`${what} names unknown patrol ${p.patrolId}`);
    if (!inScope(rec)) out.push(`${what} names patrol ${p.patrolId} of station ${rec.chain.stationId}, outside ${formatScope(scope)}`);
    const identity = (v: UnitChain & { vehicleId: number; callSign: string }) =>
      [v.vehicleId, v.callSign, v.stationId, v.divisionId, v.zoneId, v.districtId].join("/");
    if (identity(p) !== identity({ vehicleId: rec.vehicle.id, callSign: rec.vehicle.callSign, ...rec.chain })) {
      out.push(`${what} describes patrol ${p.patrolId} as ${identity(p)}`);
    }
    if (rec.startSentAt > at) out.push(`${what} names patrol ${p.patrolId} before its start was sent`);
  };

  client.frames.forEach((f, i) => {
    const at = client.receivedAt[i]!;
    if (f.type === "SNAPSHOT") {
      snapshots++;
      if (JSON.stringify(f.scope) !== JSON.stringify(scope)) out.push(`SNAPSHOT for scope ${JSON.stringify(f.scope)}`);
      knownAt.clear();
      for (const a of f.alerts) checkAlert(a, "SNAPSHOT lists");
      for (const p of f.patrols) {
        checkView(p, "SNAPSHOT", at);
        const rec = patrols.get(p.patrolId);
        if (rec?.stoppedAt !== undefined && rec.stoppedAt < client.connectedAt) out.push(`SNAPSHOT lists patrol ${p.patrolId}, stopped before connecting`);
        knownAt.set(p.patrolId, at);
        if (!everShown.has(p.patrolId)) everShown.set(p.patrolId, at);
      }
      for (const rec of patrols.values()) {
        const mustList = inScope(rec) && rec.startedAt < client.connectedAt && !(rec.stopSentAt !== undefined && rec.stopSentAt < at);
        if (mustList && !knownAt.has(rec.id)) out.push(`SNAPSHOT misses patrol ${rec.id}, active since before connecting`);
      }
    } else if (f.type === "SYSTEM_EVENT" && f.event === "ADD_CAR") {
      checkView(f.patrol, "ADD_CAR", at);
      if (knownAt.has(f.patrol.patrolId)) out.push(`ADD_CAR for patrol ${f.patrol.patrolId}, already shown`);
      knownAt.set(f.patrol.patrolId, at);
      if (!everShown.has(f.patrol.patrolId)) everShown.set(f.patrol.patrolId, at);
    } else if (f.type === "SYSTEM_EVENT" && f.event === "STATUS") {
      if (!inScope(patrols.get(f.patrolId))) out.push(`STATUS of patrol ${f.patrolId}, outside ${formatScope(scope)}`);
      if (!knownAt.has(f.patrolId)) out.push(`STATUS of patrol ${f.patrolId} while not shown`);
      statuses.add(`${f.patrolId}:${f.status}`);
    } else if (f.type === "ALERT") {
      checkAlert(f.alert, "ALERT frame for");
    } else if (f.type === "HEARTBEAT") {
      if (snapshots === 0) out.push("HEARTBEAT before the SNAPSHOT");
    } else if (f.type === "SYSTEM_EVENT") {
      const id = f.patrol.patrolId;
      const rec = patrols.get(id);
      if (!inScope(rec)) out.push(`REMOVE_CAR of patrol ${id}, outside ${formatScope(scope)}`);
      if (!knownAt.delete(id)) out.push(`REMOVE_CAR of patrol ${id}, not shown`);
      if (rec && !(rec.stopSentAt !== undefined && rec.stopSentAt < at)) out.push(`REMOVE_CAR of patrol ${id} before anyone stopped it`);
    } else {
      const rec = patrols.get(f.patrolId);
      if (!inScope(rec)) return void out.push(`TELEMETRY of patrol ${f.patrolId}${rec ? ` (station ${rec.chain.stationId})` : ""}, outside ${formatScope(scope)}`);
      if (!knownAt.has(f.patrolId)) out.push(`TELEMETRY of patrol ${f.patrolId} while not shown`);
      if (!(points.get(f.patrolId) ?? []).some((p) => p.ts === f.ts && p.published)) out.push(`TELEMETRY ${f.patrolId}@${f.ts} that was never accepted`);
      if (f.ts <= (lastTs.get(f.patrolId) ?? 0)) out.push(`TELEMETRY ${f.patrolId}@${f.ts} repeated or out of order`);
      lastTs.set(f.patrolId, f.ts);
      received.set(f.patrolId, (received.get(f.patrolId) ?? new Set()).add(f.ts));
    }
  });

  if (snapshots !== 1) out.push(`${snapshots} SNAPSHOTs (expected exactly one: nothing here should force a re-sync)`);
  const snapshotAt = client.snapshotAt();
  for (const rec of patrols.values()) {
    if (!inScope(rec)) continue;
    // Active (or starting) at some moment after the dashboard subscribed: it must have been shown.
    const mustShow = rec.stopSentAt === undefined || rec.stopSentAt > snapshotAt;
    if (mustShow && !everShown.has(rec.id)) out.push(`patrol ${rec.id} never shown`);
    const shownAt = everShown.get(rec.id);
    if (shownAt === undefined) continue;
    const missing = (points.get(rec.id) ?? []).filter((p) => p.published && p.sentAt > shownAt && !received.get(rec.id)?.has(p.ts));
    if (missing.length) out.push(`missed ${missing.length} frame(s) of patrol ${rec.id}, first ts ${missing[0]!.ts}`);
  }
  for (const op of statusOps) {
    const rec = patrols.get(op.patrolId);
    const shownAt = everShown.get(op.patrolId);
    // Shown before the change was sent and not stopped until it was answered: the dashboard must have seen it.
    const mustSee = inScope(rec) && shownAt !== undefined && shownAt < op.sentAt && !(rec!.stopSentAt !== undefined && rec!.stopSentAt < op.answeredAt);
    if (mustSee && !statuses.has(`${op.patrolId}:${op.status}`)) out.push(`missed STATUS ${op.status} of patrol ${op.patrolId}`);
  }
  // Nothing resolves the SOS alerts here: every dashboard of their jurisdiction must know each, whenever it joined.
  for (const op of sosOps) {
    if (inScope(patrols.get(op.patrolId)) && !alertsKnown.has(op.alertId)) out.push(`never learnt of SOS alert ${op.alertId} (patrol ${op.patrolId})`);
  }
  if (knownAt.size) out.push(`still shows ${knownAt.size} stopped patrol(s): ${[...knownAt.keys()].slice(0, 5).join(", ")}`);
  return out;
}

// Sockets placed by their zone (the default) and dealt out in turn (REALTIME_PLACEMENT=round-robin): isolation must
// not depend on which worker holds a dashboard.
// Under Redis Cluster (the integration-cluster project) the default placement only: placement does not depend on Redis.
describe.each(clusterLayout ? (["scope"] as const) : (["scope", "round-robin"] as const))("scope isolation under churn, placement %s", (placement) => {
  let stack: TestStack;
  let db: StackDb;

  beforeAll(async () => {
    console.log(`scope isolation seed ${SEED}, placement ${placement} (reproduce with SCOPE_ISOLATION_SEED=${SEED})`);
    stack = await startTestStack({
      label: "scope",
      seedProfile: "bench",
      secrets: TEST_SECRETS,
      realtime: true,
      env: {
        REALTIME_WORKERS: "2",
        REALTIME_PLACEMENT: placement,
        TELEMETRY_RATE_PER_SECOND: "100",
        // A dashboard of this test never falls behind for long; conflation would hide a lost frame.
        REALTIME_CONFLATE_BYTES: String(64 * 1024 * 1024),
        REALTIME_MAX_QUEUED_EVENTS: "100000",
      },
    });
    db = new StackDb(stack.databaseUrl);
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
  });

  it("gives 100 random dashboards on 2 workers every frame of their jurisdiction and nothing else, while 1,000 patrols start and stop", async () => {
    const began = monotonicMs();
    const base = stack.baseUrl;
    const url = stack.env.REALTIME_PUBLIC_URL!;
    const stations = await db.stations();
    const chainOf = new Map(stations.map((s) => [s.id, { stationId: s.id, divisionId: s.divisionId, zoneId: s.zoneId, districtId: s.districtId }]));
    const vehicles = await db.vehicles(PATROLS);
    const { scopes, firstWave, churn, lateJoins } = plan(stations, vehicles.length);

    const patrols = new Map<number, PatrolRecord>();
    const byOrdinal = new Map<number, Promise<PatrolRecord>>();
    // Vehicles retry a point that got no answer, as devices do (the same bytes: never published twice).
    const driver = new TelemetryDriver(base, { intervalMs: TELEMETRY_INTERVAL_MS, retry: true });
    const dashboards: Dashboard[] = [];
    const join = async (index: number) => {
      const scope = scopes[index]!;
      dashboards.push({ userId: index + 1, scope, client: await TimedClient.open(url, scope, index + 1) });
    };
    const run = async (op: Op): Promise<void> => {
      if (op.kind === "start") {
        const started = (async () => {
          const vehicle = vehicles[op.vehicle]!;
          const startSentAt = monotonicMs();
          const res = await api(base, "/api/patrols/start", { token: vehicle.token, body: { stationId: op.station } });
          if (res.status !== 201) throw new Error(`start of ${vehicle.callSign}: ${res.status} ${JSON.stringify(res.body)}`);
          const rec: PatrolRecord = { id: res.body.patrolId as number, vehicle, chain: chainOf.get(op.station)!, startSentAt, startedAt: monotonicMs() };
          patrols.set(rec.id, rec);
          driver.add(rec.id, vehicle.token);
          return rec;
        })();
        byOrdinal.set(op.ordinal, started);
        await started;
      } else {
        await stop(await byOrdinal.get(op.ordinal)!);
      }
    };
    // The vehicle stops posting first, as a device does, so every point it sent precedes its stop.
    const stop = async (rec: PatrolRecord): Promise<void> => {
      await driver.remove(rec.id);
      rec.stopSentAt = monotonicMs();
      const res = await api(base, `/api/patrols/${rec.id}/stop`, { token: rec.vehicle.token, method: "POST" });
      if (res.status !== 200) throw new Error(`stop of patrol ${rec.id}: ${res.status} ${JSON.stringify(res.body)}`);
      rec.stoppedAt = monotonicMs();
    };

    const phase = (what: string) => console.log(`  ${((monotonicMs() - began) / 1000).toFixed(1)} s: ${what}`);
    phase("stack ready");
    for (let i = 0; i < EARLY_USERS; i++) await join(i);
    await runOps(firstWave, 0, run);
    phase(`${EARLY_USERS} dashboards connected, ${FIRST_WAVE} patrols started`);
    for (let i = EARLY_USERS; i < EARLY_USERS + WAVE_USERS; i++) await join(i);
    const churnBegan = monotonicMs();
    const statusOps: StatusOp[] = [];
    const sosOps: SosOp[] = [];
    // Running patrols' vehicles change duty status and press SOS throughout the churn (a stop racing one → 409, not counted).
    const signals = async () => {
      const random = seededRandom(SEED + 1);
      const total = STATUS_CHANGES + SOS_PRESSES;
      for (let i = 0; i < total; i++) {
        await sleep(Math.max(0, churnBegan + (CHURN_MS * i) / total - monotonicMs()));
        const running = [...patrols.values()].filter((r) => r.stopSentAt === undefined);
        const rec = running[Math.floor(random() * running.length)];
        if (!rec) continue;
        const sentAt = monotonicMs();
        if (random() < SOS_PRESSES / total) {
          const res = await api(base, `/api/patrols/${rec.id}/sos`, { token: rec.vehicle.token, method: "POST" });
          if (res.status === 201) sosOps.push({ patrolId: rec.id, alertId: res.body.alertId as number, answeredAt: monotonicMs() });
          else if (res.status !== 409) throw new Error(`SOS of patrol ${rec.id}: ${res.status} ${JSON.stringify(res.body)}`);
        } else {
          const status = ["EN_ROUTE", "ON_SCENE", "BUSY", "AVAILABLE"][Math.floor(random() * 4)]!;
          const res = await api(base, `/api/patrols/${rec.id}/status`, { token: rec.vehicle.token, body: { status } });
          if (res.status === 200) statusOps.push({ patrolId: rec.id, status, sentAt, answeredAt: monotonicMs() });
          else if (res.status !== 409) throw new Error(`status of patrol ${rec.id}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
    };
    await Promise.all([
      signals(),
      runOps(churn, CHURN_MS, run),
      (async () => {
        for (const [n, at] of lateJoins.entries()) {
          await sleep(Math.max(0, churnBegan + at - monotonicMs()));
          await join(EARLY_USERS + WAVE_USERS + n);
        }
      })(),
    ]);
    phase(`churn done (${churn.length} starts and stops), ${dashboards.length} dashboards`);
    await sleep(1_000);
    const stillActive = [...patrols.values()].filter((r) => r.stopSentAt === undefined);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, lane) => {
        for (let i = lane; i < stillActive.length; i += CONCURRENCY) await stop(stillActive[i]!);
      }),
    );
    phase(`stopped the last ${stillActive.length} patrols`);
    // shown() replays every frame: poll it gently.
    await waitUntil(async () => (await sleep(250), dashboards.every((d) => d.client.shown().length === 0)), "every dashboard to show no patrol", 20_000).catch(
      () => undefined,
    );
    await sleep(300);
    phase("dashboards quiet; checking");

    const points = new Map<number, SentPoint[]>();
    for (const p of driver.points) points.set(p.patrolId, [...(points.get(p.patrolId) ?? []), p]);
    const problems = dashboards.flatMap((d) => violations(d, patrols, points, statusOps, sosOps).map((v) => `user ${d.userId} (${formatScope(d.scope)}, worker ${d.client.workerPid}): ${v}`));
    const workers = new Map<number, number>();
    for (const d of dashboards) workers.set(d.client.workerPid, (workers.get(d.client.workerPid) ?? 0) + 1);
    const telemetryFrames = dashboards.reduce((n, d) => n + d.client.frames.filter((f) => f.type === "TELEMETRY").length, 0);
    const levels = LEVEL_WEIGHTS.map(([level]) => `${level} ${scopes.filter((s) => s.level === level).length}`).join(", ");
    console.log(
      `seed ${SEED}: ${dashboards.length} dashboards (${levels}; per worker ${[...workers.values()].join("/")}), ${patrols.size} patrols, ` +
        `${driver.points.filter((p) => p.published).length} points accepted, ${telemetryFrames} TELEMETRY frames delivered and checked, ` +
        `${statusOps.length} status changes and ${sosOps.length} SOS checked, ` +
        `${problems.length} violation(s), ${Math.round((monotonicMs() - began) / 1000)} s`,
    );
    await Promise.all(dashboards.map((d) => d.client.close()));

    expect(problems.slice(0, 30), `seed ${SEED}`).toEqual([]);
    expect(patrols.size).toBe(PATROLS);
    expect(statusOps.length).toBeGreaterThan(STATUS_CHANGES / 2);
    expect(new Set(sosOps.map((o) => o.alertId)).size).toBeGreaterThan(SOS_PRESSES / 2);
    expect(driver.points.filter((p) => !p.published).map((p) => p.attempts.at(-1))).toEqual([]);
    expect([...workers.values()].every((n) => n >= USERS / 4), `clients per worker: ${[...workers.values()].join("/")}`).toBe(true);
    expect(workers.size).toBe(2);
  }, 300_000);
});
