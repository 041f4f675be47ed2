import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, call, login, type UserClient } from "../../test/support/http";
import { prisma } from "../db";

// Codes unique to this run, so the suite never collides with the demo seed or another file.
const RUN = randomBytes(3).toString("hex").toUpperCase();

let admin: UserClient;

/** An admin request that must succeed with `status`; returns the body. */
async function ok(status: number, path: string, opts: { method?: string; body?: unknown } = {}) {
  const res = await call(path, { ...opts, client: admin });
  expect(res.status, `${opts.method ?? "GET"} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
  return res.body;
}

beforeAll(async () => {
  admin = await login(DEMO.admin);
});

afterAll(async () => {
  await prisma.$disconnect();
});

describe("admin API access", () => {
  it("answers 401 to anonymous callers on every resource", async () => {
    for (const resource of ["districts", "zones", "divisions", "stations", "vehicles", "users"]) {
      const list = await call(`/api/admin/${resource}`);
      expect(list.status).toBe(401);
      expect(list.body.error.code).toBe("UNAUTHENTICATED");
      expect((await call(`/api/admin/${resource}`, { body: {} })).status).toBe(401);
      expect((await call(`/api/admin/${resource}/1`, { method: "DELETE" })).status).toBe(401);
    }
    expect((await call("/api/admin/vehicles/1/secret", { method: "POST" })).status).toBe(401);
  });

  it("answers 403 to commanders, even a district commander", async () => {
    const commander = await login(DEMO.district);
    const list = await call("/api/admin/stations", { client: commander });
    expect(list.status).toBe(403);
    expect(list.body.error.code).toBe("FORBIDDEN");
    expect((await call("/api/admin/users", { client: commander, body: {} })).status).toBe(403);
    expect((await call("/api/admin/users/1", { client: commander, method: "DELETE" })).status).toBe(403);
    expect((await call("/api/admin/vehicles/1/secret", { client: commander, method: "POST" })).status).toBe(403);
  });
});

describe("admin API: organisation, vehicles and users", () => {
  let districtA: { id: number };
  let districtB: { id: number };
  let zoneA: { id: number };
  let zoneB: { id: number };
  let division: { id: number; zoneId: number; districtId: number };
  let station: Record<string, unknown> & { id: number; code: string };
  let vehicle: { id: number; secret: string };

  it("creates a district, zones, a division and a station whose ancestor ids are derived", async () => {
    districtA = await ok(201, "/api/admin/districts", { body: { name: `District A ${RUN}`, code: `DA${RUN}` } });
    expect(districtA).toEqual({ id: expect.any(Number), name: `District A ${RUN}`, code: `DA${RUN}` });
    districtB = await ok(201, "/api/admin/districts", { body: { name: `District B ${RUN}`, code: `DB${RUN}` } });
    zoneA = await ok(201, "/api/admin/zones", { body: { name: "Zone A", code: `ZA${RUN}`, districtId: districtA.id } });
    zoneB = await ok(201, "/api/admin/zones", { body: { name: "Zone B", code: `ZB${RUN}`, districtId: districtB.id } });
    expect(zoneB).toMatchObject({ districtId: districtB.id });

    division = await ok(201, "/api/admin/divisions", { body: { name: "Division", code: `DV${RUN}`, zoneId: zoneA.id } });
    expect(division).toEqual({ id: expect.any(Number), name: "Division", code: `DV${RUN}`, zoneId: zoneA.id, districtId: districtA.id });

    station = await ok(201, "/api/admin/stations", {
      body: { name: "Station", code: `ST${RUN}`, lat: 9.97, lon: 76.29, divisionId: division.id },
    });
    expect(station).toEqual({
      id: expect.any(Number),
      name: "Station",
      code: `ST${RUN}`,
      lat: 9.97,
      lon: 76.29,
      divisionId: division.id,
      zoneId: zoneA.id,
      districtId: districtA.id,
      boundary: null,
    });
    const { items } = await ok(200, "/api/admin/stations");
    expect(items.find((s: { id: number }) => s.id === station.id)).toEqual(station);
    expect(items.map((s: { id: number }) => s.id)).toEqual([...items.map((s: { id: number }) => s.id)].sort((a, b) => a - b));
  });

  it("moving the division to another zone moves its stations along", async () => {
    const moved = await ok(200, `/api/admin/divisions/${division.id}`, { method: "PATCH", body: { zoneId: zoneB.id } });
    expect(moved).toMatchObject({ zoneId: zoneB.id, districtId: districtB.id });
    expect(await ok(200, `/api/admin/stations/${station.id}`)).toMatchObject({ zoneId: zoneB.id, districtId: districtB.id });
  });

  it("moving a zone to another district carries its divisions and stations", async () => {
    await ok(200, `/api/admin/zones/${zoneB.id}`, { method: "PATCH", body: { districtId: districtA.id } });
    expect(await ok(200, `/api/admin/divisions/${division.id}`)).toMatchObject({ zoneId: zoneB.id, districtId: districtA.id });
    expect(await ok(200, `/api/admin/stations/${station.id}`)).toMatchObject({ zoneId: zoneB.id, districtId: districtA.id });
  });

  it("moving a station to another division re-derives its zone and district", async () => {
    const other = await ok(201, "/api/admin/divisions", { body: { name: "Other", code: `DO${RUN}`, zoneId: zoneA.id } });
    const moved = await ok(200, `/api/admin/stations/${station.id}`, { method: "PATCH", body: { divisionId: other.id } });
    expect(moved).toMatchObject({ divisionId: other.id, zoneId: zoneA.id, districtId: districtA.id });
    station = await ok(200, `/api/admin/stations/${station.id}`, { method: "PATCH", body: { divisionId: division.id, name: "Renamed" } });
    expect(station).toMatchObject({ name: "Renamed", divisionId: division.id, zoneId: zoneB.id, districtId: districtA.id });
    await ok(200, `/api/admin/divisions/${other.id}`, { method: "DELETE" });
  });

  it("creates a vehicle and shows its secret only once", async () => {
    vehicle = await ok(201, "/api/admin/vehicles", {
      body: { callSign: `CS-${RUN}`, registration: `KL-${RUN}`, homeStationId: station.id },
    });
    expect(vehicle).toEqual({
      id: expect.any(Number),
      callSign: `CS-${RUN}`,
      registration: `KL-${RUN}`,
      homeStationId: station.id,
      enabled: true,
      deviceIdIssuedAt: null,
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
    });
    const one = await ok(200, `/api/admin/vehicles/${vehicle.id}`);
    const { items } = await ok(200, "/api/admin/vehicles");
    for (const shown of [one, items.find((v: { id: number }) => v.id === vehicle.id)]) {
      expect(Object.keys(shown).sort()).toEqual(["callSign", "deviceIdIssuedAt", "enabled", "homeStationId", "id", "registration"]);
    }
    const token = await call("/api/vehicles/token", { body: { vehicleId: vehicle.id, secret: vehicle.secret } });
    expect(token.status).toBe(200);
  });

  it("rotating the secret returns a new one; the old one stops working", async () => {
    const { secret } = await ok(200, `/api/admin/vehicles/${vehicle.id}/secret`, { method: "POST" });
    expect(secret).toEqual(expect.any(String));
    expect(secret).not.toBe(vehicle.secret);
    expect((await call("/api/vehicles/token", { body: { vehicleId: vehicle.id, secret: vehicle.secret } })).status).toBe(401);
    expect((await call("/api/vehicles/token", { body: { vehicleId: vehicle.id, secret } })).status).toBe(200);
    expect((await call("/api/admin/vehicles/999999/secret", { method: "POST", client: admin })).status).toBe(404);
  });

  it("creates a commander who can sign in, and never shows a password hash", async () => {
    const email = `Chief.${RUN}@Example.org`;
    const password = "a-long-enough-password";
    const created = await ok(201, "/api/admin/users", {
      body: { email, name: "Chief", password, role: "COMMANDER", scopeLevel: "division", scopeId: division.id },
    });
    expect(created).toEqual({
      id: expect.any(Number),
      email: email.toLowerCase(),
      name: "Chief",
      role: "COMMANDER",
      scopeLevel: "division",
      scopeId: division.id,
      disabled: false,
    });
    const { items } = await ok(200, "/api/admin/users");
    expect(items.length).toBeGreaterThanOrEqual(6);
    for (const user of [...items, await ok(200, `/api/admin/users/${created.id}`)]) {
      expect(user).not.toHaveProperty("passwordHash");
      expect(user).not.toHaveProperty("password");
    }
    const chief = await login(email.toLowerCase(), password);
    expect((await call("/api/admin/users", { client: chief })).status).toBe(403);

    const changed = await ok(200, `/api/admin/users/${created.id}`, { method: "PATCH", body: { password: "another-long-password" } });
    expect(changed).not.toHaveProperty("passwordHash");
    await login(email.toLowerCase(), "another-long-password");

    expect(await ok(200, `/api/admin/users/${created.id}`, { method: "DELETE" })).toEqual({ ok: true, id: created.id });
    expect((await call(`/api/admin/users/${created.id}`, { client: admin })).status).toBe(404);
  });

  it("refuses to delete a division that still has stations, naming them", async () => {
    const res = await call(`/api/admin/divisions/${division.id}`, { method: "DELETE", client: admin });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("IN_USE");
    expect(res.body.error.message).toMatch(/^Division still has 1 station; move or delete it first/);
    const zone = await call(`/api/admin/zones/${zoneB.id}`, { method: "DELETE", client: admin });
    expect(zone.status).toBe(409);
    expect(zone.body.error.message).toMatch(/ still has 1 division; move or delete it first/);
  });

  it("refuses duplicates with 409 naming the field and value", async () => {
    const res = await call("/api/admin/stations", {
      client: admin,
      body: { name: "Copy", code: station.code, lat: 10, lon: 76, divisionId: division.id },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "CONFLICT", field: "code" });
    expect(res.body.error.message).toContain(`code "${station.code}"`);
    const name = await call("/api/admin/districts", { client: admin, body: { name: `District A ${RUN}`, code: `DX${RUN}` } });
    expect(name.status).toBe(409);
    expect(name.body.error.message).toContain("name");
    const email = await call(`/api/admin/users`, {
      client: admin,
      body: { email: DEMO.zone, name: "Twin", password: "long-enough-pw", role: "ADMIN", scopeLevel: "city" },
    });
    expect(email.status).toBe(409);
    expect(email.body.error.field).toBe("email");
  });

  it("treats codes and call signs that differ only in case or width as duplicates (409), both on create and on rename", async () => {
    // Unit codes are ASCII: lower case is the same code. Call signs may hold any visible letter: full-width
    // letters (U+FF21…) are the same call sign to a person reading it.
    const fullWidth = (text: string) => text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x41 + 0xff21));
    const code = station.code.toLowerCase();
    const res = await call("/api/admin/stations", { client: admin, body: { name: `Twin ${code}`, code, lat: 10, lon: 76, divisionId: division.id } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "CONFLICT", field: "code" });
    expect(res.body.error.message).toContain("differ only in upper/lower case or character width");
    const vehicle = await call("/api/admin/vehicles", { client: admin, body: { callSign: `CASE-${RUN}`, registration: `KL-CASE-${RUN}`, homeStationId: station.id } });
    expect(vehicle.status).toBe(201);
    const twin = await call("/api/admin/vehicles", { client: admin, body: { callSign: `case-${RUN}`, registration: `KL-CASE2-${RUN}`, homeStationId: station.id } });
    expect(twin.status).toBe(409);
    expect(twin.body.error.field).toBe("callSign");
    const other = await call("/api/admin/vehicles", { client: admin, body: { callSign: `OTHER-${RUN}`, registration: `KL-CASE3-${RUN}`, homeStationId: station.id } });
    expect(other.status).toBe(201);
    const renamed = await call(`/api/admin/vehicles/${other.body.id}`, { method: "PATCH", client: admin, body: { callSign: fullWidth(`CASE-${RUN}`) } });
    expect(renamed.status).toBe(409);
    for (const id of [vehicle.body.id, other.body.id]) expect((await call(`/api/admin/vehicles/${id}`, { method: "DELETE", client: admin })).status).toBe(200);
  });

  it("refuses references to missing parents with 400 naming them", async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ["stations", { name: "X", code: `X1${RUN}`, lat: 0, lon: 0, divisionId: 999999 }, /divisionId: division 999999 does not exist/],
      ["divisions", { name: "X", code: `X2${RUN}`, zoneId: 999999 }, /zone 999999 does not exist/],
      ["zones", { name: "X", code: `X3${RUN}`, districtId: 999999 }, /district 999999 does not exist/],
      ["vehicles", { callSign: `X4${RUN}`, registration: `X4${RUN}`, homeStationId: 999999 }, /station 999999 does not exist/],
      [
        "users",
        { email: `x${RUN}@example.org`, name: "X", password: "long-enough-pw", role: "COMMANDER", scopeLevel: "zone", scopeId: 999999 },
        /scopeId: zone 999999 does not exist/,
      ],
    ];
    for (const [resource, body, message] of cases) {
      const res = await call(`/api/admin/${resource}`, { client: admin, body });
      expect(res.status, resource).toBe(400);
      expect(res.body.error.message).toMatch(message);
    }
    const patch = await call(`/api/admin/stations/${station.id}`, { method: "PATCH", client: admin, body: { divisionId: 999999 } });
    expect(patch.status).toBe(400);
  });

  it("validates bodies: malformed JSON, unknown fields, ranges, passwords and scopes", async () => {
    const malformed = await call("/api/admin/districts", { client: admin, body: "{not json" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("INVALID_JSON");

    const bad = async (path: string, body: unknown, method = "POST") => {
      const res = await call(path, { client: admin, body, method });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      return res.body.error.message as string;
    };
    const base = { name: "Y", code: `Y${RUN}`, lat: 10, lon: 76, divisionId: division.id };
    expect(await bad("/api/admin/stations", { ...base, zoneId: zoneA.id })).toMatch(/zoneId/);
    expect(await bad("/api/admin/stations", { ...base, lat: 91 })).toMatch(/lat/);
    expect(await bad("/api/admin/stations", { ...base, lon: -180.5 })).toMatch(/lon/);
    expect(await bad("/api/admin/stations", { ...base, name: undefined })).toMatch(/name/);
    expect(await bad(`/api/admin/stations/${station.id}`, { lat: "north" }, "PATCH")).toMatch(/lat/);
    const user = { email: `y${RUN}@example.org`, name: "Y", password: "long-enough-pw", role: "COMMANDER", scopeLevel: "city" };
    expect(await bad("/api/admin/users", { ...user, password: "short" })).toMatch(/password/);
    expect(await bad("/api/admin/users", { ...user, email: "not-an-email" })).toMatch(/email/);
    expect(await bad("/api/admin/users", { ...user, role: "ADMIN", scopeLevel: "zone", scopeId: zoneA.id })).toMatch(/scopeLevel/);
    expect(await bad("/api/admin/users", { ...user, scopeLevel: "station" })).toMatch(/scopeId/);
    expect(await bad("/api/admin/users", { ...user, scopeId: 3 })).toMatch(/scopeId/);
    expect(await bad("/api/admin/users", { ...user, passwordHash: "x" })).toMatch(/passwordHash/);
  });

  it("refuses control and invisible characters in every name field with 400 naming the field (a NUL was a 500)", async () => {
    const station = (await prisma.station.findFirstOrThrow({ where: { name: "Kadavanthra" } })).id;
    const division = (await prisma.division.findFirstOrThrow()).id;
    const hostile = ["NUL\u0000", "KDV-01\u200B", "\u202EKDV", "A\u2066B\u2069", "x\u00AD", "line\nbreak", "esc\u001B[31m", "\u3164"];
    const cases: Array<[string, string, (v: string) => Record<string, unknown>]> = [
      ["/api/admin/districts", "name", (v) => ({ name: v, code: `N${RUN}` })],
      ["/api/admin/stations", "name", (v) => ({ name: v, code: `N${RUN}`, lat: 9.9, lon: 76.3, divisionId: division })],
      ["/api/admin/vehicles", "callSign", (v) => ({ callSign: v, registration: `N-${RUN}`, homeStationId: station })],
      ["/api/admin/vehicles", "registration", (v) => ({ callSign: `N-${RUN}`, registration: v, homeStationId: station })],
      ["/api/admin/users", "name", (v) => ({ email: `n-${RUN.toLowerCase()}@example.org`, name: v, password: "long-enough-pw", role: "ADMIN", scopeLevel: "city" })],
    ];
    for (const [path, field, body] of cases) {
      for (const value of hostile) {
        const res = await call(path, { client: admin, body: body(value) });
        expect(res.status, `${path} ${field}=${JSON.stringify(value)}`).toBe(400);
        expect(res.body.error.code).toBe("VALIDATION_FAILED");
        expect(res.body.error.message).toMatch(new RegExp(`${field}: must not contain control or invisible characters \\(U\\+[0-9A-F]{4}`));
      }
    }
    const district = await ok(201, "/api/admin/districts", { body: { name: `Plain ${RUN}`, code: `P${RUN}` } });
    const patched = await call(`/api/admin/districts/${district.id}`, { client: admin, method: "PATCH", body: { name: "Renamed\u0000" } });
    expect(patched.status).toBe(400);
    await ok(200, `/api/admin/districts/${district.id}`, { method: "DELETE" });
  });

  it("answers 404 for unknown ids", async () => {
    for (const path of ["/api/admin/stations/999999", "/api/admin/districts/abc", "/api/admin/users/0"]) {
      const res = await call(path, { client: admin });
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
    }
    expect((await call("/api/admin/zones/999999", { method: "PATCH", client: admin, body: { name: "Z" } })).status).toBe(404);
    expect((await call("/api/admin/vehicles/999999", { method: "DELETE", client: admin })).status).toBe(404);
  });

  it("refuses to move units with active patrols, and to delete a vehicle with patrol history", async () => {
    const patrol = await prisma.patrol.create({
      data: {
        vehicleId: vehicle.id,
        stationId: station.id,
        divisionId: division.id,
        zoneId: zoneB.id,
        districtId: districtA.id,
      },
    });
    try {
      for (const [path, body] of [
        [`/api/admin/stations/${station.id}`, { divisionId: (await ok(200, "/api/admin/divisions")).items[0].id }],
        [`/api/admin/divisions/${division.id}`, { zoneId: zoneA.id }],
        [`/api/admin/zones/${zoneB.id}`, { districtId: districtB.id }],
      ] as const) {
        const res = await call(path, { method: "PATCH", client: admin, body });
        expect(res.status, path).toBe(409);
        expect(res.body.error.message).toMatch(/1 active patrol\(s\)/);
      }
      expect(await ok(200, `/api/admin/stations/${station.id}`, { method: "PATCH", body: { name: "Still here" } })).toMatchObject({
        name: "Still here",
        divisionId: division.id,
      });
    } finally {
      await prisma.patrol.update({ where: { id: patrol.id }, data: { status: "ENDED", endedAt: new Date(), endedBy: "vehicle" } });
    }
    const del = await call(`/api/admin/vehicles/${vehicle.id}`, { method: "DELETE", client: admin });
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe("IN_USE");
    expect(del.body.error.message).toMatch(/ still has \d+ patrol records?; patrol history is kept, so disable the vehicle instead/);
    expect(await ok(200, `/api/admin/vehicles/${vehicle.id}`, { method: "PATCH", body: { enabled: false } })).toMatchObject({ enabled: false });
  });

  it("deletes what nothing refers to (a user who ended patrols too) but not the signed-in admin", async () => {
    const spare = await ok(201, "/api/admin/vehicles", { body: { callSign: `SP-${RUN}`, registration: `SP-${RUN}`, homeStationId: station.id } });
    expect(await ok(200, `/api/admin/vehicles/${spare.id}`, { method: "DELETE" })).toEqual({ ok: true, id: spare.id });
    expect((await call(`/api/admin/vehicles/${spare.id}`, { client: admin })).status).toBe(404);
    const empty = await ok(201, "/api/admin/zones", { body: { name: "Empty", code: `ZE${RUN}`, districtId: districtB.id } });
    expect(await ok(200, `/api/admin/zones/${empty.id}`, { method: "DELETE" })).toEqual({ ok: true, id: empty.id });

    const stopper = await ok(201, "/api/admin/users", {
      body: { email: `stopper${RUN}@example.org`, name: "Stopper", password: "long-enough-pw", role: "COMMANDER", scopeLevel: "city" },
    });
    const ended = await prisma.patrol.create({
      data: {
        vehicleId: vehicle.id,
        stationId: station.id,
        divisionId: division.id,
        zoneId: zoneB.id,
        districtId: districtA.id,
        status: "ENDED",
        endedAt: new Date(),
        endedByUserId: stopper.id,
      },
    });
    await ok(200, `/api/admin/users/${stopper.id}`, { method: "DELETE" });
    expect(await prisma.patrol.findUnique({ where: { id: ended.id } })).toMatchObject({ status: "ENDED", endedByUserId: null });

    const me = (await ok(200, "/api/admin/users")).items.find((u: { email: string }) => u.email === DEMO.admin);
    const self = await call(`/api/admin/users/${me.id}`, { method: "DELETE", client: admin });
    expect(self.status).toBe(409);
  });
});
