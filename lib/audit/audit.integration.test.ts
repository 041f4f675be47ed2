import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/lib/db";
import { baseUrl, call, DEMO, login, type UserClient } from "@/test/support/http";
import { attemptLogin } from "@/test/support/login-attempt";
import { idleVehicles } from "@/test/support/vehicles";
import type { AuditItem } from "./list-audit";

const RUN = randomBytes(3).toString("hex");
/** A loopback address of this file's own, so the `ip` of each row is known and no other file's login counters move. */
const IP = "127.0.3.7";

let admin: UserClient;
let adminId: number;
let station: UserClient;

/** The audit rows written since `since` (an id), oldest first, read straight from the table. */
async function rowsSince(since: bigint) {
  return prisma.auditEvent.findMany({ where: { id: { gt: since } }, orderBy: { id: "asc" } });
}

async function watermark(): Promise<bigint> {
  return (await prisma.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } }))?.id ?? 0n;
}

/** Runs `action` and returns the one audit row it wrote (fails when it wrote none or several). */
async function onlyRowOf(action: () => Promise<unknown>) {
  const since = await watermark();
  await action();
  const rows = await rowsSince(since);
  expect(rows.map((r) => r.action)).toHaveLength(1);
  return rows[0]!;
}

beforeAll(async () => {
  admin = await login(DEMO.admin);
  station = await login(DEMO.station);
  adminId = (await prisma.user.findUniqueOrThrow({ where: { email: DEMO.admin } })).id;
});

afterAll(async () => {
  await prisma.user.deleteMany({ where: { email: { contains: `audit-${RUN}` } } });
  await prisma.$disconnect();
});

describe("audit log: one row per action, with who, what, target, address and why", () => {
  it("login.success and login.failure (with the reason), with the client address", async () => {
    const ok = await onlyRowOf(() => attemptLogin(baseUrl(), DEMO.station, DEMO.password, { from: IP }));
    expect(ok).toMatchObject({ action: "login.success", email: DEMO.station, ip: IP, target: expect.stringMatching(/^user:\d+$/) as string });
    expect(ok.userId).toBe(Number(ok.target!.slice(5)));

    const wrong = await onlyRowOf(() => attemptLogin(baseUrl(), DEMO.station, "not-the-password", { from: IP }));
    expect(wrong).toMatchObject({ action: "login.failure", email: DEMO.station, userId: ok.userId, ip: IP, detail: { reason: "wrong password" } });

    const unknown = `nobody-${RUN}@audit.test`;
    const nobody = await onlyRowOf(() => attemptLogin(baseUrl(), unknown, "whatever-password", { from: IP }));
    expect(nobody).toMatchObject({ action: "login.failure", email: unknown, userId: null, ip: IP, detail: { reason: "unknown email" } });
  });

  it("user.create, user.update and user.delete, never with the password", async () => {
    const email = `audit-${RUN}@audit.test`;
    const password = `secret-${RUN}-password`;
    let id = 0;
    const created = await onlyRowOf(async () => {
      const res = await call("/api/admin/users", { client: admin, body: { email, name: "Audit Me", password, role: "COMMANDER", scopeLevel: "city" } });
      expect(res.status).toBe(201);
      id = res.body.id as number;
    });
    expect(created).toMatchObject({ action: "user.create", userId: adminId, email: DEMO.admin, target: `user:${id}` });
    expect(created.detail).toMatchObject({ item: { email, role: "COMMANDER", scopeLevel: "city" } });

    const updated = await onlyRowOf(async () => {
      expect((await call(`/api/admin/users/${id}`, { method: "PATCH", client: admin, body: { name: "Audit Renamed", password: `${password}-2` } })).status).toBe(200);
    });
    expect(updated).toMatchObject({ action: "user.update", userId: adminId, target: `user:${id}`, detail: { changes: { name: "Audit Renamed", password: "(set)" } } });

    const deleted = await onlyRowOf(async () => {
      expect((await call(`/api/admin/users/${id}`, { method: "DELETE", client: admin })).status).toBe(200);
    });
    expect(deleted).toMatchObject({ action: "user.delete", userId: adminId, target: `user:${id}`, detail: { item: { email } } });

    const all = JSON.stringify([created, updated, deleted].map((r) => ({ ...r, id: String(r.id) })));
    expect(all).not.toContain(password);
    expect(all).not.toMatch(/argon2|passwordHash/);
  });

  it("vehicle.create, vehicle.update and vehicle.secret, never with the secret", async () => {
    const home = await prisma.station.findFirstOrThrow({ orderBy: { id: "asc" } });
    let id = 0;
    let secret = "";
    const created = await onlyRowOf(async () => {
      const res = await call("/api/admin/vehicles", { client: admin, body: { callSign: `AUD-${RUN}`, registration: `AUD-${RUN}`, homeStationId: home.id } });
      expect(res.status).toBe(201);
      ({ id, secret } = res.body as { id: number; secret: string });
    });
    expect(created).toMatchObject({ action: "vehicle.create", userId: adminId, target: `vehicle:${id}`, detail: { item: { callSign: `AUD-${RUN}`, secret: "(set)" } } });

    const updated = await onlyRowOf(async () => {
      expect((await call(`/api/admin/vehicles/${id}`, { method: "PATCH", client: admin, body: { enabled: false } })).status).toBe(200);
    });
    expect(updated).toMatchObject({ action: "vehicle.update", target: `vehicle:${id}`, detail: { changes: { enabled: false } } });

    let rotated = "";
    const secretRow = await onlyRowOf(async () => {
      const res = await call(`/api/admin/vehicles/${id}/secret`, { method: "POST", client: admin });
      expect(res.status).toBe(200);
      rotated = res.body.secret as string;
    });
    expect(secretRow).toMatchObject({ action: "vehicle.secret", userId: adminId, email: DEMO.admin, target: `vehicle:${id}` });
    const all = JSON.stringify([created, updated, secretRow].map((r) => ({ ...r, id: String(r.id) })));
    expect(all).not.toContain(secret);
    expect(all).not.toContain(rotated);
    expect(all).not.toContain("sha256:");
    await prisma.vehicle.delete({ where: { id } });
  });

  it("station.update", async () => {
    const target = await prisma.station.findFirstOrThrow({ orderBy: { id: "desc" } });
    const row = await onlyRowOf(async () => {
      expect((await call(`/api/admin/stations/${target.id}`, { method: "PATCH", client: admin, body: { name: target.name } })).status).toBe(200);
    });
    expect(row).toMatchObject({ action: "station.update", userId: adminId, target: `station:${target.id}`, detail: { changes: { name: target.name } } });
  });

  it("patrol.stop by a commander (the user) and by the device (no user, its vehicle)", async () => {
    const [vehicle] = await idleVehicles(1, { homeStationId: (await prisma.station.findFirstOrThrow({ where: { name: "Kadavanthra" } })).id });
    const start = () => call("/api/patrols/start", { method: "POST", token: vehicle!.token, body: {} });
    const first = (await start()).body.patrolId as number;
    const byCommander = await onlyRowOf(async () => {
      expect((await call(`/api/patrols/${first}/stop`, { method: "POST", client: station })).status).toBe(200);
    });
    expect(byCommander).toMatchObject({
      action: "patrol.stop",
      email: DEMO.station,
      target: `patrol:${first}`,
      detail: { by: "user", vehicleId: vehicle!.id, callSign: vehicle!.callSign },
    });

    const second = (await start()).body.patrolId as number;
    const byDevice = await onlyRowOf(async () => {
      expect((await call(`/api/patrols/${second}/stop`, { method: "POST", token: vehicle!.token })).status).toBe(200);
    });
    expect(byDevice).toMatchObject({ action: "patrol.stop", userId: null, email: null, target: `patrol:${second}`, detail: { by: "vehicle", vehicleId: vehicle!.id } });

    // A refused stop changed nothing, so it wrote nothing.
    const since = await watermark();
    expect((await call(`/api/patrols/${second}/stop`, { method: "POST", client: station })).status).toBe(409);
    expect(await rowsSince(since)).toEqual([]);
  });

  it("refuses to change or remove a row, even through the application's own database user", async () => {
    const last = await watermark();
    await expect(prisma.auditEvent.update({ where: { id: last }, data: { action: "login.success" } })).rejects.toThrow(/append-only/);
    await expect(prisma.auditEvent.delete({ where: { id: last } })).rejects.toThrow(/append-only/);
    await expect(prisma.$executeRawUnsafe("TRUNCATE audit_events")).rejects.toThrow(/append-only/);
    expect(await watermark()).toBe(last);
  });
});

describe("GET /api/admin/audit", () => {
  it("answers 401 anonymous and 403 to commanders", async () => {
    expect((await call("/api/admin/audit")).status).toBe(401);
    const res = await call("/api/admin/audit", { client: station });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("FORBIDDEN");
  });

  it("lists rows newest first with the contract's fields, filtered by user, action and time, page by page", async () => {
    const from = Date.now() - 1;
    for (let i = 0; i < 3; i++) await attemptLogin(baseUrl(), DEMO.zone, "wrong-password-x", { from: IP });
    await attemptLogin(baseUrl(), DEMO.zone, DEMO.password, { from: IP });
    const zoneId = (await prisma.user.findUniqueOrThrow({ where: { email: DEMO.zone } })).id;

    const all = await call(`/api/admin/audit?from=${from}&userId=${zoneId}`, { client: admin });
    expect(all.status).toBe(200);
    const items = all.body.items as AuditItem[];
    expect(items.map((i) => i.action)).toEqual(["login.success", "login.failure", "login.failure", "login.failure"]);
    expect(Object.keys(items[0]!).sort()).toEqual(["action", "at", "detail", "email", "id", "ip", "target", "userId"]);
    expect(items[0]).toMatchObject({ userId: zoneId, email: DEMO.zone, ip: IP });
    expect(items.every((item, i) => i === 0 || item.at <= items[i - 1]!.at)).toBe(true);
    expect(all.body.next).toBeNull();

    const failures = await call(`/api/admin/audit?from=${from}&userId=${zoneId}&action=login.failure&limit=2`, { client: admin });
    expect(failures.body.items).toHaveLength(2);
    expect(failures.body.next).toEqual(expect.any(String));
    const rest = await call(`/api/admin/audit?from=${from}&userId=${zoneId}&action=login.failure&limit=2&before=${failures.body.next}`, {
      client: admin,
    });
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.next).toBeNull();
    const ids = [...failures.body.items, ...rest.body.items].map((i: AuditItem) => i.id);
    expect(new Set(ids).size).toBe(3);

    const before = await call(`/api/admin/audit?to=${from - 1}&userId=${zoneId}&action=login.failure&limit=500`, { client: admin });
    expect((before.body.items as AuditItem[]).every((i) => i.at <= from - 1)).toBe(true);
  });

  it("refuses bad filters with a message naming them", async () => {
    for (const query of ["action=user.explode", "from=soon", "limit=0", "limit=501", "before=abc", "from=10&to=5", "colour=red"]) {
      const res = await call(`/api/admin/audit?${query}`, { client: admin });
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe("VALIDATION_FAILED");
    }
  });
});
