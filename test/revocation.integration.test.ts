import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readUserAccess } from "@/lib/auth/access-state";
import { prisma } from "@/lib/db";
import { rebuildStateIfMissing } from "@/lib/patrols/rebuild-state";
import { createRedis, type RedisClient } from "@/lib/redis/client";
import { statePlaneReadyKey, userAccessKey, vehicleTokenGenerationKey } from "@/lib/redis/keys";
import { baseUrl, call, DEMO, login, type UserClient } from "@/test/support/http";
import { isSnapshot, isTelemetryOf, LiveClient, startSidecar, type Sidecar } from "@/test/support/sidecar";
import { attemptLogin } from "@/test/support/login-attempt";
import { idleVehicles, type TestVehicle } from "@/test/support/vehicles";

/**
 * Access follows the organisation from the next request: sessions of a user
 * whose role, scope or `disabled` changed, or who was deleted, are refused
 * (401, pages send them to the login page saying why) and get no realtime
 * ticket; device tokens of a vehicle disabled or re-keyed are refused (401)
 * on telemetry, start and stop; open sockets are re-scoped or closed on every
 * realtime worker within a second; a patrol start cannot slip past a station
 * move's active-patrol check.
 */

const RUN = randomBytes(3).toString("hex");
const PASSWORD = `revocation-${RUN}-pw`;
let admin: UserClient;
let redis: RedisClient;
let kadavanthra: { id: number; divisionId: number };

/** A fresh commander of this run, scoped to `scope`, and a signed-in client of theirs. */
async function commander(scopeLevel: "station" | "zone" | "city", scopeId: number | null): Promise<{ id: number; email: string; client: UserClient }> {
  const email = `revocation-${RUN}-${randomBytes(2).toString("hex")}@access.test`;
  const res = await call("/api/admin/users", { client: admin, body: { email, name: "Revocable", password: PASSWORD, role: "COMMANDER", scopeLevel, scopeId } });
  expect(res.status).toBe(201);
  return { id: res.body.id as number, email, client: await login(email, PASSWORD) };
}

/** What a session can still do: the API's status for its patrol list and for a realtime ticket, and its error message. */
async function sessionAnswers(client: UserClient) {
  const patrols = await call("/api/patrols", { client });
  const ticket = await call("/api/realtime/ticket", { client });
  return { patrols: patrols.status, ticket: ticket.status, message: (patrols.body?.error?.message as string | undefined) ?? null };
}

/** Where `/map` sends this session (null: it renders). */
async function mapRedirect(client: UserClient): Promise<string | null> {
  const res = await client.fetch("/map", { redirect: "manual" });
  return res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
}

beforeAll(async () => {
  admin = await login(DEMO.admin);
  redis = createRedis(inject("redisUrl"));
  await redis.connect();
  kadavanthra = await prisma.station.findFirstOrThrow({ where: { name: "Kadavanthra" }, select: { id: true, divisionId: true } });
});

afterAll(async () => {
  const mine = await prisma.user.findMany({ where: { email: { contains: `revocation-${RUN}` } }, select: { id: true } });
  await prisma.user.deleteMany({ where: { id: { in: mine.map((u) => u.id) } } });
  redis?.disconnect();
  await prisma.$disconnect();
});

describe("sessions follow the user row", () => {
  it("narrowing a commander's scope refuses their session from the next request, with no ticket; a new sign-in gets the new scope", async () => {
    const zone = await prisma.zone.findFirstOrThrow({ orderBy: { id: "asc" } });
    const user = await commander("zone", zone.id);
    expect(await sessionAnswers(user.client)).toEqual({ patrols: 200, ticket: 200, message: null });
    expect(await mapRedirect(user.client)).toBeNull();

    expect((await call(`/api/admin/users/${user.id}`, { method: "PATCH", client: admin, body: { scopeLevel: "station", scopeId: kadavanthra.id } })).status).toBe(200);
    expect(await sessionAnswers(user.client)).toEqual({ patrols: 401, ticket: 401, message: "An administrator changed your access; sign in again." });
    expect(await mapRedirect(user.client)).toBe(`/login?callbackUrl=%2Fmap&error=SessionRevoked`);
    const loginPage = await (await user.client.fetch("/login?callbackUrl=%2Fmap&error=SessionRevoked")).text();
    expect(loginPage).toContain("Your access was changed or revoked by an administrator. Sign in again to continue.");

    const again = await login(user.email, PASSWORD);
    expect(await sessionAnswers(again)).toEqual({ patrols: 200, ticket: 200, message: null });
    const session = await (await again.fetch("/api/auth/session")).json();
    expect(session.user.scope).toEqual({ level: "station", id: kadavanthra.id });
  });

  it("renaming a user leaves their sessions alone", async () => {
    const user = await commander("city", null);
    expect((await call(`/api/admin/users/${user.id}`, { method: "PATCH", client: admin, body: { name: "Renamed" } })).status).toBe(200);
    expect(await sessionAnswers(user.client)).toMatchObject({ patrols: 200, ticket: 200 });
  });

  it("disabling refuses the session and the sign-in (saying so); re-enabling lets them sign in again, but not the old session", async () => {
    const user = await commander("city", null);
    const disabled = await call(`/api/admin/users/${user.id}`, { method: "PATCH", client: admin, body: { disabled: true } });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expect(await sessionAnswers(user.client)).toEqual({ patrols: 401, ticket: 401, message: "Your account was disabled; ask an administrator." });
    expect((await attemptLogin(baseUrl(), user.email, PASSWORD, { from: "127.0.4.1" })).error).toBe("This account is disabled. Ask an administrator.");

    expect((await call(`/api/admin/users/${user.id}`, { method: "PATCH", client: admin, body: { disabled: false } })).status).toBe(200);
    expect((await sessionAnswers(user.client)).patrols).toBe(401);
    expect(await sessionAnswers(await login(user.email, PASSWORD))).toMatchObject({ patrols: 200, ticket: 200 });
  });

  it("deleting refuses the session at once", async () => {
    const user = await commander("city", null);
    expect((await call(`/api/admin/users/${user.id}`, { method: "DELETE", client: admin })).status).toBe(200);
    expect(await sessionAnswers(user.client)).toEqual({ patrols: 401, ticket: 401, message: "Your account no longer exists; ask an administrator." });
  });

  it("refuses to disable, demote or delete the last enabled administrator (409 saying why), and allows it while another one exists", async () => {
    const adminId = (await prisma.user.findUniqueOrThrow({ where: { email: DEMO.admin } })).id;
    const self = await call(`/api/admin/users/${adminId}`, { method: "PATCH", client: admin, body: { disabled: true } });
    expect(self.status).toBe(409);
    expect(self.body.error.message).toMatch(/^This is the last enabled administrator: disabling it would leave nobody able to manage Sentinel\./);
    expect(await sessionAnswers(admin)).toMatchObject({ patrols: 200 });

    const email = `revocation-${RUN}-admin@access.test`;
    const second = await call("/api/admin/users", { client: admin, body: { email, name: "Second admin", password: PASSWORD, role: "ADMIN", scopeLevel: "city" } });
    expect(second.status).toBe(201);
    const other = await login(email, PASSWORD);
    // Now the demo admin is not the last one: the second admin may disable it, and it may not disable the second back.
    expect((await call(`/api/admin/users/${adminId}`, { method: "PATCH", client: other, body: { disabled: true } })).status).toBe(200);
    expect((await call("/api/admin/audit?limit=1", { client: admin })).status).toBe(401);
    const back = await call(`/api/admin/users/${adminId}`, { method: "PATCH", client: other, body: { disabled: false } });
    expect(back.status).toBe(200);
    admin = await login(DEMO.admin);
    expect((await call(`/api/admin/users/${second.body.id}`, { method: "PATCH", client: admin, body: { role: "COMMANDER" } })).status).toBe(200);
    const last = await call(`/api/admin/users/${adminId}`, { method: "PATCH", client: admin, body: { disabled: true } });
    expect(last.status).toBe(409);
  });

  it("after Redis lost the access plane, sessions are checked against PostgreSQL and the rebuild restores every user's hash", async () => {
    const user = await commander("city", null);
    expect((await call(`/api/admin/users/${user.id}`, { method: "PATCH", client: admin, body: { scopeLevel: "station", scopeId: kadavanthra.id } })).status).toBe(200);
    const version = (await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).sessionVersion;
    await redis.del(userAccessKey("", user.id));
    // Missing hash: PostgreSQL decides (the old session stays refused) and the hash is written back.
    expect((await sessionAnswers(user.client)).patrols).toBe(401);
    expect(await readUserAccess(redis, "", user.id)).toMatchObject({ state: "active", access: { version } });

    // Two commands: under Redis Cluster the keys live in different slots.
    for (const key of [userAccessKey("", user.id), statePlaneReadyKey("")]) await redis.del(key);
    expect(await rebuildStateIfMissing(prisma, redis, "")).not.toBeNull();
    expect(await readUserAccess(redis, "", user.id)).toEqual({ state: "active", access: { version, role: "COMMANDER", scope: { level: "station", id: kadavanthra.id } } });
  });
});

describe("open sockets follow the user row, on every realtime worker", () => {
  let sidecar: Sidecar;
  let user: { id: number; email: string; client: UserClient };
  let zoneId: number;
  let kept: TestVehicle;
  let lost: TestVehicle;
  const patrols = { kept: 0, lost: 0 };
  let sockets: LiveClient[] = [];

  /** Opens sockets of the user with tickets from the web tier until one landed on each of the two workers. */
  async function socketOnEachWorker(client: UserClient): Promise<LiveClient[]> {
    const byWorker = new Map<number, LiveClient>();
    for (let attempt = 0; byWorker.size < 2; attempt++) {
      if (attempt > 40) throw new Error("could not reach both workers in 40 connections");
      const ticket = await call("/api/realtime/ticket", { client });
      expect(ticket.status).toBe(200);
      const socket = await LiveClient.connect(sidecar.url, ticket.body.ticket as string);
      if (byWorker.has(socket.workerPid)) await socket.close();
      else byWorker.set(socket.workerPid, socket);
    }
    return [...byWorker.values()];
  }

  /** Sends one point of `vehicle`; the web tier has published it when this returns (202, neither stale nor withheld). */
  async function report(vehicle: TestVehicle, patrolId: number, lat: number): Promise<number> {
    const ts = Date.now();
    const res = await call("/api/telemetry", { token: vehicle.token, body: { patrolId, lat, lon: 76.29, ts } });
    expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { ok: true } });
    return ts;
  }

  /** The frames a socket received after `snapshot`. */
  const after = (socket: LiveClient, snapshot: object) => socket.frames.slice(socket.frames.indexOf(snapshot as never) + 1);

  beforeAll(async () => {
    // One user's sockets on both workers, so an access change is shown to reach every worker: dealt out in turn (with
    // scope-affine placement a user's sockets share their zone's worker unless it spills).
    sidecar = await startSidecar(inject("redisUrl"), { REALTIME_PLACEMENT: "round-robin" });
    const station = await prisma.station.findUniqueOrThrow({ where: { id: kadavanthra.id }, select: { zoneId: true } });
    zoneId = station.zoneId;
    const neighbour = await prisma.station.findFirstOrThrow({ where: { zoneId, id: { not: kadavanthra.id } }, orderBy: { id: "asc" } });
    [kept] = (await idleVehicles(1, { homeStationId: kadavanthra.id })) as [TestVehicle];
    [lost] = (await idleVehicles(1, { homeStationId: neighbour.id })) as [TestVehicle];
    for (const [name, vehicle] of [["kept", kept], ["lost", lost]] as const) {
      const started = await call("/api/patrols/start", { token: vehicle.token, body: {} });
      expect(started.status).toBe(201);
      patrols[name] = started.body.patrolId as number;
    }
    user = await commander("zone", zoneId);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    for (const [name, vehicle] of [["kept", kept], ["lost", lost]] as const) {
      if (patrols[name]) await call(`/api/patrols/${patrols[name]}/stop`, { token: vehicle.token, body: {} });
    }
    await sidecar?.process.stop();
  });

  it("narrowed: both sockets get a SNAPSHOT of the station within 1 s and nothing of the lost station after it", async () => {
    sockets = await socketOnEachWorker(user.client);
    for (const socket of sockets) {
      const first = await socket.snapshot();
      expect(first.scope).toEqual({ level: "zone", id: zoneId });
      expect(first.patrols.map((p) => p.patrolId)).toEqual(expect.arrayContaining([patrols.kept, patrols.lost]));
    }
    // Frames of both patrols flow before the change.
    const before = await report(lost, patrols.lost, 9.9701);
    await Promise.all(sockets.map((s) => s.waitFor(isTelemetryOf(patrols.lost, before), "the lost patrol's point before the change")));

    const patch = await call(`/api/admin/users/${user.id}`, { method: "PATCH", client: admin, body: { scopeLevel: "station", scopeId: kadavanthra.id } });
    expect(patch.status).toBe(200);
    const snapshots = await Promise.all(sockets.map((s) => s.waitFor(isSnapshot, "the SNAPSHOT of the new scope", 2, 1_000)));
    for (const snapshot of snapshots) {
      expect(snapshot.scope).toEqual({ level: "station", id: kadavanthra.id });
      expect(snapshot.patrols.map((p) => p.patrolId)).toContain(patrols.kept);
      expect(snapshot.patrols.map((p) => p.patrolId)).not.toContain(patrols.lost);
    }

    // The lost patrol reports (and is published) first, then the kept one: once the kept point arrived, the lost one
    // would have too, had the socket still been subscribed to it.
    await report(lost, patrols.lost, 9.9702);
    const keptTs = await report(kept, patrols.kept, 9.9703);
    await Promise.all(sockets.map((s) => s.waitFor(isTelemetryOf(patrols.kept, keptTs), "the kept patrol's point after the change")));
    sockets.forEach((socket, i) => {
      const later = after(socket, snapshots[i]!);
      expect(later.filter((f) => f.type === "TELEMETRY" && f.patrolId === patrols.lost), `worker ${socket.workerPid}`).toEqual([]);
      expect(later.some((f) => f.type === "SYSTEM_EVENT" && (f.event === "STATUS" ? f.patrolId : f.patrol.patrolId) === patrols.lost)).toBe(false);
    });
    // The old session is refused (its version moved on); the sockets stay open on their new scope.
    expect((await sessionAnswers(user.client)).patrols).toBe(401);
  });

  it("widened again: both sockets get a SNAPSHOT of the zone within 1 s, with the patrol they had lost, and its frames", async () => {
    const patch = await call(`/api/admin/users/${user.id}`, { method: "PATCH", client: admin, body: { scopeLevel: "zone", scopeId: zoneId } });
    expect(patch.status).toBe(200);
    const snapshots = await Promise.all(sockets.map((s) => s.waitFor(isSnapshot, "the SNAPSHOT of the zone again", 3, 1_000)));
    for (const snapshot of snapshots) {
      expect(snapshot.scope).toEqual({ level: "zone", id: zoneId });
      expect(snapshot.patrols.map((p) => p.patrolId)).toEqual(expect.arrayContaining([patrols.kept, patrols.lost]));
    }
    const ts = await report(lost, patrols.lost, 9.9704);
    await Promise.all(sockets.map((s) => s.waitFor(isTelemetryOf(patrols.lost, ts), "the regained patrol's point")));
  });

  it("deleted: both sockets are closed with 4401 within 1 s, saying so; the session gets 401 and no ticket", async () => {
    const closes = sockets.map((s) => s.closed);
    expect((await call(`/api/admin/users/${user.id}`, { method: "DELETE", client: admin })).status).toBe(200);
    const deadline = new Promise<"open">((resolve) => setTimeout(() => resolve("open"), 1_000));
    for (const closed of closes) {
      expect(await Promise.race([closed, deadline])).toEqual({ code: 4401, reason: "Your account no longer exists; ask an administrator." });
    }
    expect(await sessionAnswers(user.client)).toMatchObject({ patrols: 401, ticket: 401 });
  });

  it("disabled: an open socket is closed with 4401 saying the account was disabled", async () => {
    const other = await commander("zone", zoneId);
    const ticket = await call("/api/realtime/ticket", { client: other.client });
    const socket = await LiveClient.connect(sidecar.url, ticket.body.ticket as string);
    sockets.push(socket);
    await socket.snapshot();
    expect((await call(`/api/admin/users/${other.id}`, { method: "PATCH", client: admin, body: { disabled: true } })).status).toBe(200);
    expect(await socket.closed).toEqual({ code: 4401, reason: "Your account was disabled; ask an administrator." });
  });

  it("a ticket issued before a change opens a socket of the access as it is now, not as the ticket says", async () => {
    const other = await commander("zone", zoneId);
    const ticket = await call("/api/realtime/ticket", { client: other.client });
    expect((await call(`/api/admin/users/${other.id}`, { method: "PATCH", client: admin, body: { scopeLevel: "station", scopeId: kadavanthra.id } })).status).toBe(200);
    const socket = await LiveClient.connect(sidecar.url, ticket.body.ticket as string);
    sockets.push(socket);
    expect((await socket.snapshot()).scope).toEqual({ level: "station", id: kadavanthra.id });
  });
});

describe("device tokens follow the vehicle row", () => {
  let vehicle: TestVehicle;

  beforeAll(async () => {
    [vehicle] = (await idleVehicles(1)) as [TestVehicle];
  });

  const secretOf = (v: TestVehicle) => `${DEMO.password}:${v.callSign}`;
  async function freshToken(secret: string): Promise<string> {
    const res = await call("/api/vehicles/token", { body: { vehicleId: vehicle.id, secret } });
    expect(res.status).toBe(200);
    return res.body.token as string;
  }
  const point = (patrolId: number) => ({ patrolId, lat: 9.97, lon: 76.29 });

  it("disabling the vehicle refuses its token on telemetry, start and stop (401); re-enabling needs a new token", async () => {
    const token = await freshToken(secretOf(vehicle));
    const patrolId = (await call("/api/patrols/start", { token, body: {} })).body.patrolId as number;
    expect((await call("/api/telemetry", { token, body: point(patrolId) })).status).toBe(202);

    expect((await call(`/api/admin/vehicles/${vehicle.id}`, { method: "PATCH", client: admin, body: { enabled: false } })).status).toBe(200);
    const telemetry = await call("/api/telemetry", { token, body: point(patrolId) });
    expect(telemetry.status).toBe(401);
    expect(telemetry.body.error).toMatchObject({ code: "INVALID_TOKEN", message: expect.stringMatching(/revoked/) as string });
    expect((await call("/api/telemetry/batch", { token, body: { points: [point(patrolId)] } })).status).toBe(401);
    expect((await call(`/api/patrols/${patrolId}/stop`, { token, body: {} })).status).toBe(401);
    expect((await call("/api/patrols/start", { token, body: {} })).status).toBe(401);
    expect((await call("/api/vehicles/token", { body: { vehicleId: vehicle.id, secret: secretOf(vehicle) } })).status).toBe(403);

    expect((await call(`/api/admin/vehicles/${vehicle.id}`, { method: "PATCH", client: admin, body: { enabled: true } })).status).toBe(200);
    expect((await call("/api/telemetry", { token, body: point(patrolId) })).status).toBe(401);
    const renewed = await freshToken(secretOf(vehicle));
    expect((await call("/api/telemetry", { token: renewed, body: point(patrolId) })).status).toBe(202);
    expect((await call(`/api/patrols/${patrolId}/stop`, { token: renewed, body: {} })).status).toBe(200);
  });

  it("rotating the secret refuses tokens issued before on telemetry and start (401); the new secret's token works", async () => {
    const token = await freshToken(secretOf(vehicle));
    const patrolId = (await call("/api/patrols/start", { token, body: {} })).body.patrolId as number;
    const rotated = await call(`/api/admin/vehicles/${vehicle.id}/secret`, { method: "POST", client: admin });
    expect(rotated.status).toBe(200);
    expect((await call("/api/telemetry", { token, body: point(patrolId) })).status).toBe(401);
    expect((await call("/api/patrols/start", { token, body: {} })).status).toBe(401);
    const renewed = await freshToken(rotated.body.secret as string);
    expect((await call("/api/telemetry", { token: renewed, body: point(patrolId) })).status).toBe(202);
    expect((await call(`/api/patrols/${patrolId}/stop`, { token: renewed, body: {} })).status).toBe(200);

    // After Redis lost the generation, the rebuild restores it: the old token stays refused.
    for (const key of [vehicleTokenGenerationKey("", vehicle.id), statePlaneReadyKey("")]) await redis.del(key);
    expect(await rebuildStateIfMissing(prisma, redis, "")).not.toBeNull();
    const again = (await call("/api/patrols/start", { token: renewed, body: {} })).body.patrolId as number;
    expect((await call("/api/telemetry", { token, body: point(again) })).status).toBe(401);
    expect((await call("/api/telemetry", { token: renewed, body: point(again) })).status).toBe(202);
    expect((await call(`/api/patrols/${again}/stop`, { token: renewed, body: {} })).status).toBe(200);
  });
});

describe("a patrol start racing a station move", () => {
  let db: pg.Client;
  let vehicle: TestVehicle;
  let station: { id: number; divisionId: number; zoneId: number };
  let otherDivision: { id: number; zoneId: number };

  beforeAll(async () => {
    db = new pg.Client({ connectionString: inject("databaseUrl") });
    await db.connect();
    const division = await prisma.division.findUniqueOrThrow({ where: { id: kadavanthra.divisionId } });
    const home = await prisma.station.create({
      data: { name: `Race ${RUN}`, code: `RACE-${RUN}`, lat: 9.96, lon: 76.3, divisionId: division.id, zoneId: division.zoneId, districtId: division.districtId },
      select: { id: true },
    });
    station = await prisma.station.findUniqueOrThrow({ where: { id: home.id }, select: { id: true, divisionId: true, zoneId: true } });
    otherDivision = await prisma.division.findFirstOrThrow({ where: { zoneId: { not: station.zoneId } }, select: { id: true, zoneId: true } });
    [vehicle] = (await idleVehicles(1)) as [TestVehicle];
  });

  afterAll(async () => {
    await db?.end();
  });

  it("a start that arrives while a move holds the station waits for it and copies the station's new chain", async () => {
    await db.query("BEGIN");
    await db.query("SELECT id FROM stations WHERE id = $1 FOR UPDATE", [station.id]);
    const start = call("/api/patrols/start", { token: vehicle.token, body: { stationId: station.id } });
    const early = await Promise.race([start.then(() => "answered"), new Promise((r) => setTimeout(() => r("waiting"), 500))]);
    expect(early).toBe("waiting");
    const division = await prisma.division.findUniqueOrThrow({ where: { id: otherDivision.id } });
    await db.query(`UPDATE stations SET "divisionId" = $2, "zoneId" = $3, "districtId" = $4 WHERE id = $1`, [
      station.id,
      division.id,
      division.zoneId,
      division.districtId,
    ]);
    await db.query("COMMIT");
    const started = await start;
    expect(started.status).toBe(201);
    const patrol = await prisma.patrol.findUniqueOrThrow({ where: { id: started.body.patrolId as number } });
    expect({ divisionId: patrol.divisionId, zoneId: patrol.zoneId }).toEqual({ divisionId: division.id, zoneId: division.zoneId });
    expect((await call(`/api/patrols/${patrol.id}/stop`, { token: vehicle.token, body: {} })).status).toBe(200);
  });

  it("a move that arrives while a start is inserting its patrol waits for it, sees the patrol and answers 409", async () => {
    const current = await prisma.station.findUniqueOrThrow({ where: { id: station.id } });
    const back = { divisionId: kadavanthra.divisionId };
    // What a start does, held open: the station FOR SHARE, then the ACTIVE row, not yet committed.
    await db.query("BEGIN");
    await db.query("SELECT id FROM stations WHERE id = $1 FOR SHARE", [station.id]);
    const inserted = await db.query<{ id: number }>(
      `INSERT INTO patrols ("vehicleId", "stationId", "divisionId", "zoneId", "districtId") VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [vehicle.id, current.id, current.divisionId, current.zoneId, current.districtId],
    );
    const move = call(`/api/admin/stations/${station.id}`, { method: "PATCH", client: admin, body: back });
    const early = await Promise.race([move.then(() => "answered"), new Promise((r) => setTimeout(() => r("waiting"), 500))]);
    expect(early).toBe("waiting");
    await db.query("COMMIT");
    const moved = await move;
    expect(moved.status).toBe(409);
    expect(moved.body.error.message).toMatch(/has 1 active patrol\(s\); stop them before moving it/);
    expect((await prisma.station.findUniqueOrThrow({ where: { id: station.id } })).divisionId).toBe(current.divisionId);
    await prisma.patrol.delete({ where: { id: inserted.rows[0]!.id } });
    expect((await call(`/api/admin/stations/${station.id}`, { method: "PATCH", client: admin, body: back })).status).toBe(200);
  });
});
