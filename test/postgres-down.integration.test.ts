import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTelemetryOf, waitUntil } from "@/test/support/sidecar";
import { signIn } from "@/scripts/simulator/sign-in";
import { startTestStack, type TestStack } from "@/test/support/stack";
import { monotonicMs, sleep } from "@/test/support/load/clock";
import { TelemetryDriver } from "@/test/support/load/telemetry-driver";
import { api, StackDb, TimedClient } from "@/test/support/live-stack";
import { attemptLogin } from "@/test/support/login-attempt";
import { startPrivatePostgres, type PrivatePostgres } from "@/test/support/private-postgres";
import { TEST_SECRETS } from "@/test/support/secrets";

// The machine's PostgreSQL is shared: this file runs its stack on a private cluster and stops that one.
const CITY = { level: "city", id: null } as const;
/** Start/stop must be refused within this while the database is down (the pool's connect timeout is 3 s). */
const FAST_FAIL_MS = 4_000;
/** …and within this while it is frozen (lib/db.ts's query timeout is 5 s). */
const FROZEN_FAIL_MS = 7_000;

let pg: PrivatePostgres;
let stack: TestStack;
let db: StackDb;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  stack = await startTestStack({ label: "pg_fault", seedProfile: "demo", secrets: TEST_SECRETS, realtime: true, postgresUrl: pg.url });
  db = new StackDb(stack.databaseUrl);
});

afterAll(async () => {
  await db?.end();
  pg?.thaw();
  await pg?.start().catch(() => undefined); // the stack drops its database on the way out
  await stack?.stop();
  pg?.destroy();
});

describe("PostgreSQL down", () => {
  it("keeps telemetry and dashboards live, refuses start/stop with 503 naming the database, and recovers by itself", async () => {
    const base = stack.baseUrl;
    const url = stack.env.REALTIME_PUBLIC_URL!;
    const [late, ...fleet] = await db.vehicles(9);
    const patrols = new Map<number, string>();
    for (const v of fleet) {
      const res = await api(base, "/api/patrols/start", { token: v.token, method: "POST" });
      expect(res.status).toBe(201);
      patrols.set(res.body.patrolId as number, v.token);
    }
    const ids = [...patrols.keys()].sort((a, b) => a - b);
    const [victimId, victimToken] = [ids[0]!, patrols.get(ids[0]!)!];
    // A commander signed in before the outage; their browser reconnects during it.
    const cookie = await signIn(base, "district@sentinel.local", TEST_SECRETS.DEMO_PASSWORD);
    const dashboards = await Promise.all([1, 2].map((u) => TimedClient.open(url, CITY, u)));
    for (const d of dashboards) expect((await d.snapshot()).patrols.map((p) => p.patrolId)).toEqual(ids);
    const driver = new TelemetryDriver(base, { intervalMs: 200 });
    for (const [id, token] of patrols) driver.add(id, token);
    await sleep(500);

    pg.stop("immediate");
    const downAt = monotonicMs();
    const health = await api(base, "/api/health", { timeoutMs: 5_000 });
    expect(health).toMatchObject({ status: 503, body: { db: "down", redis: "ok" } });

    const refusals = await Promise.all([
      api(base, "/api/patrols/start", { token: late!.token, method: "POST", timeoutMs: FAST_FAIL_MS }),
      api(base, `/api/patrols/${victimId}/stop`, { token: victimToken, method: "POST", timeoutMs: FAST_FAIL_MS }),
      api(base, "/api/vehicles/token", { body: { vehicleId: late!.id, secret: `${TEST_SECRETS.DEMO_PASSWORD}:${late!.callSign}` }, timeoutMs: FAST_FAIL_MS }),
    ]);
    for (const res of refusals) {
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: "SERVICE_UNAVAILABLE", message: expect.stringMatching(/database/i) as string });
      expect(res.headers.get("retry-after")).toBeTruthy();
    }

    // Signing in is refused with a message a person can act on, never the driver's text.
    const login = await attemptLogin(base, "zone@sentinel.local", TEST_SECRETS.DEMO_PASSWORD);
    expect(login.sessionCookie).toBeUndefined();
    expect(login.error).toBe("Sign-in is unavailable right now; try again in a minute.");

    // A dashboard reconnecting now still gets a ticket (session cookie, no SQL) and a live SNAPSHOT.
    const ticket = await api(base, "/api/realtime/ticket", { cookie, timeoutMs: FAST_FAIL_MS });
    expect(ticket.status).toBe(200);
    const reconnected = await TimedClient.withTicket(ticket.body.url as string, ticket.body.ticket as string);
    expect((await reconnected.snapshot()).patrols.map((p) => p.patrolId)).toEqual(ids);
    await sleep(2_000);
    const downMs = monotonicMs() - downAt;

    await pg.start();
    const upAt = monotonicMs();
    // Recovery needs nobody: the pool reconnects on the next request.
    const restarted = await waitUntil(async () => {
      const res = await api(base, "/api/patrols/start", { token: late!.token, method: "POST" });
      return res.status === 201 ? res : null;
    }, "a patrol start to succeed again", 20_000);
    const recoveredMs = monotonicMs() - upAt;
    expect((await api(base, `/api/patrols/${victimId}/stop`, { token: victimToken, method: "POST" })).status).toBe(200);
    expect((await api(base, "/api/health")).body).toEqual({ db: "ok", redis: "ok" });
    await driver.remove(victimId);
    await driver.stop();

    // Every point sent while the database was down was accepted, and reached both dashboards.
    const during = driver.points.filter((p) => p.sentAt > downAt && p.sentAt < upAt);
    expect(during.length).toBeGreaterThan(ids.length * 5);
    expect(during.filter((p) => !p.published)).toEqual([]);
    for (const d of [...dashboards, reconnected]) {
      for (const p of during.filter((q) => q.sentAt > d.snapshotAt())) await d.waitFor(isTelemetryOf(p.patrolId, p.ts), `point ${p.patrolId}@${p.ts}`);
    }
    for (const d of dashboards) await d.waitFor((f) => f.type === "SYSTEM_EVENT" && f.event === "ADD_CAR" && f.patrol.patrolId === restarted.body.patrolId, "the new patrol");
    console.log(
      `PostgreSQL down ${Math.round(downMs)} ms: ${during.length} telemetry points accepted and delivered; ` +
        `start/stop/token refused with 503 in ≤ ${Math.round(Math.max(...refusals.map((r) => r.ms)))} ms; first start ${Math.round(recoveredMs)} ms after PostgreSQL returned`,
    );
    await Promise.all([...dashboards, reconnected].map((d) => d.close()));
  }, 90_000);

  it("answers start/stop with 503 within the query timeout when PostgreSQL stops answering, keeps telemetry live, and recovers", async () => {
    const base = stack.baseUrl;
    const [late, ...fleet] = await db.vehicles(4, 10);
    const patrols: number[] = [];
    for (const v of fleet) patrols.push((await api(base, "/api/patrols/start", { token: v.token, method: "POST" })).body.patrolId as number);
    const dashboard = await TimedClient.open(stack.env.REALTIME_PUBLIC_URL!, CITY, 3);
    await dashboard.snapshot();
    const driver = new TelemetryDriver(base, { intervalMs: 200 });
    fleet.forEach((v, i) => driver.add(patrols[i]!, v.token));
    await sleep(300);

    // SIGSTOP: sockets stay open and nothing answers, as when the database host hangs or the network drops packets.
    pg.freeze();
    const frozenAt = monotonicMs();
    const refusals = await Promise.all([
      api(base, "/api/patrols/start", { token: late!.token, method: "POST", timeoutMs: FROZEN_FAIL_MS }),
      api(base, `/api/patrols/${patrols[0]!}/stop`, { token: fleet[0]!.token, method: "POST", timeoutMs: FROZEN_FAIL_MS }),
      api(base, "/api/health", { timeoutMs: FROZEN_FAIL_MS }),
    ]);
    expect(refusals[2]).toMatchObject({ status: 503, body: { db: "down", redis: "ok" } });
    for (const res of refusals.slice(0, 2)) {
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: "SERVICE_UNAVAILABLE", message: expect.stringMatching(/database/i) as string });
    }
    pg.thaw();
    const thawedAt = monotonicMs();
    const restarted = await waitUntil(async () => {
      const res = await api(base, "/api/patrols/start", { token: late!.token, method: "POST" });
      return res.status === 201 ? res : null;
    }, "a patrol start to succeed again", 20_000);
    await driver.stop();

    const during = driver.points.filter((p) => p.sentAt > frozenAt && p.sentAt < thawedAt);
    expect(during.length).toBeGreaterThan(fleet.length * 5);
    expect(during.filter((p) => !p.published)).toEqual([]);
    for (const p of during) await dashboard.waitFor(isTelemetryOf(p.patrolId, p.ts), `point ${p.patrolId}@${p.ts}`);
    console.log(
      `PostgreSQL frozen ${Math.round(thawedAt - frozenAt)} ms: ${during.length} telemetry points accepted and delivered; ` +
        `start/stop refused with 503 in ${refusals.slice(0, 2).map((r) => Math.round(r.ms)).join(" and ")} ms`,
    );
    for (const [i, v] of fleet.entries()) await api(base, `/api/patrols/${patrols[i]!}/stop`, { token: v.token, method: "POST" });
    await api(base, `/api/patrols/${restarted.body.patrolId as number}/stop`, { token: late!.token, method: "POST" });
    await dashboard.close();
  }, 60_000);
});
