import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { hashDeviceSecret, hashPassword } from "@/lib/auth/password";
import { TICKET_AUDIENCE, VEHICLE_AUDIENCE } from "@/lib/auth/tokens";
import { prisma } from "@/lib/db";
import { MAX_ROW_ID } from "@/lib/row-id";
import { scopeContains, toScope, type Scope, type UnitChain } from "@/lib/scope";
import { LiveClient, startSidecar, type Sidecar } from "@/test/support/sidecar";
import { call, DEMO, login, type UserClient } from "./support/http";
import {
  claims,
  deviceToken,
  forgedSessionCookie,
  realtimeTicket,
  SERVER_KEYS,
  tamperedToken,
  unsignedToken,
  WRONG_KEY,
} from "./support/forged-tokens";
import { idleVehicles, vehicleToken, type TestVehicle } from "./support/vehicles";

/**
 * Who may call what: every route handler under app/api × every kind of
 * caller, with the status each gets, derived from ONE table (ACCESS below).
 * A route added without a row here fails the coverage test.
 */

/** Every kind of caller, in the column order of ACCESS. */
const CALLERS = [
  "anonymous",
  "vehicle",
  "otherVehicle",
  "forgedToken",
  "unsignedToken",
  "expiredToken",
  "tamperedToken",
  "ticketAsToken",
  "forgedSession",
  "station",
  "division",
  "zone",
  "district",
  "admin",
] as const;
type Caller = (typeof CALLERS)[number];
const COMMANDERS = ["station", "division", "zone", "district"] as const satisfies readonly Caller[];

/** How a route decides who may call it. */
type Access = "public" | "deviceId" | "device" | "ownPatrol" | "stopPatrol" | "viewPatrol" | "missingPatrol" | "session" | "admin";

/** The route's own success status. */
const OK = "ok";
/** The route's success status when the patrol is inside the commander's scope, else 404 (as if it did not exist). */
const IN = "in-scope";
type Outcome = number | typeof OK | typeof IN;

// prettier-ignore
const ACCESS: Record<Access, Outcome[]> = {
  //             anon vehicle other forged unsigned expired tampered ticket forgedSession station division zone district admin
  public:       [OK,  OK,     OK,   OK,    OK,      OK,     OK,      OK,    OK,           OK,     OK,      OK,  OK,      OK],
  // The device id in the request is the credential (OsmAnd): no header makes an unknown one known.
  deviceId:     [404, 404,    404,  404,   404,     404,    404,     404,   404,          404,    404,     404, 404,     404],
  device:       [401, OK,     OK,   401,   401,     401,    401,     401,   401,          401,    401,     401, 401,     401],
  ownPatrol:    [401, OK,     403,  401,   401,     401,    401,     401,   401,          401,    401,     401, 401,     401],
  stopPatrol:   [401, OK,     403,  401,   401,     401,    401,     401,   401,          IN,     IN,      IN,  IN,      OK],
  viewPatrol:   [401, 401,    401,  401,   401,     401,    401,     401,   401,          IN,     IN,      IN,  IN,      OK],
  missingPatrol:[401, 404,    404,  401,   401,     401,    401,     401,   401,          404,    404,     404, 404,     404],
  session:      [401, 401,    401,  401,   401,     401,    401,     401,   401,          OK,     OK,      OK,  OK,      OK],
  admin:        [401, 401,    401,  401,   401,     401,    401,     401,   401,          403,    403,     403, 403,     OK],
};

/** What a route case sends for one caller. */
interface Prepared {
  path: string;
  body?: unknown;
  /** The patrol a stop targets, to decide IN. */
  patrol?: UnitChain;
}

interface RouteCase {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** The route as its folder names it, e.g. `/api/admin/zones/[id]`. */
  route: string;
  /** Tells apart cases of one route (which patrol a stop targets). */
  label?: string;
  access: Access;
  ok: number;
  /** Builds the request, creating whatever it needs; run before each caller. */
  prepare(caller: Caller): Promise<Prepared>;
}

const RUN = randomBytes(3).toString("hex").toUpperCase();
/** Marks every row this file creates, so afterAll removes exactly those. */
const TAG = `AM${RUN}`;
let serial = 0;
const unique = () => `${TAG}-${++serial}`;

let vehicle: TestVehicle;
let otherVehicle: TestVehicle;
let admin: UserClient;
const users = {} as Record<(typeof COMMANDERS)[number] | "admin", { client: UserClient; scope: Scope }>;
const bearer = {} as Record<"forgedToken" | "unsignedToken" | "expiredToken" | "tamperedToken" | "ticketAsToken", string>;
let forgedSession: string;
/** Stop targets, from inside every commander's scope to outside all of them. */
const targets = {} as Record<"station" | "division" | "zone" | "district" | "otherDistrict", UnitChain>;
/** Parents for admin fixtures: the district this file creates. */
let outside: UnitChain;
let userPasswordHash: string;

const chainOf = (s: { id: number; divisionId: number; zoneId: number; districtId: number }): UnitChain => ({
  stationId: s.id,
  divisionId: s.divisionId,
  zoneId: s.zoneId,
  districtId: s.districtId,
});

/** Request options for `caller`. */
function credentialsOf(caller: Caller): { token?: string; client?: UserClient; headers?: Record<string, string> } {
  switch (caller) {
    case "anonymous":
      return {};
    case "vehicle":
      return { token: vehicle.token };
    case "otherVehicle":
      return { token: otherVehicle.token };
    case "forgedSession":
      return { headers: { cookie: forgedSession } };
    case "station":
    case "division":
    case "zone":
    case "district":
    case "admin":
      return { client: users[caller].client };
    default:
      return { token: bearer[caller] };
  }
}

function expected(route: RouteCase, caller: Caller, prepared: Prepared): number {
  const outcome = ACCESS[route.access][CALLERS.indexOf(caller)]!;
  if (outcome === OK) return route.ok;
  if (outcome !== IN) return outcome;
  const user = users[caller as (typeof COMMANDERS)[number]];
  return scopeContains(user.scope, prepared.patrol!) ? route.ok : 404;
}

/** Ends whatever patrol the two test vehicles are on, so each case starts from idle vehicles. */
async function endTestPatrols(): Promise<void> {
  const active = await prisma.patrol.findMany({ where: { vehicleId: { in: [vehicle.id, otherVehicle.id] }, status: "ACTIVE" } });
  for (const p of active) {
    const res = await call(`/api/patrols/${p.id}/stop`, { method: "POST", client: admin });
    if (res.status !== 200) throw new Error(`could not end patrol ${p.id}: ${res.status}`);
  }
}

/** Starts a patrol of the test vehicle, for `stationId` (default: its home station). */
async function startPatrol(stationId?: number): Promise<number> {
  const res = await call("/api/patrols/start", { method: "POST", token: vehicle.token, body: stationId ? { stationId } : {} });
  if (res.status !== 201) throw new Error(`could not start a patrol: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.patrolId as number;
}

type Resource = "districts" | "zones" | "divisions" | "stations" | "vehicles" | "users";
const RESOURCES: Resource[] = ["districts", "zones", "divisions", "stations", "vehicles", "users"];

/** A fresh row of `resource`, created directly in the database; its id. */
async function fixture(resource: Resource): Promise<number> {
  const u = unique();
  const select = { id: true } as const;
  const { stationId, divisionId, zoneId, districtId } = outside;
  switch (resource) {
    case "districts":
      return (await prisma.district.create({ data: { name: `District ${u}`, code: u }, select })).id;
    case "zones":
      return (await prisma.zone.create({ data: { name: `Zone ${u}`, code: u, districtId }, select })).id;
    case "divisions":
      return (await prisma.division.create({ data: { name: `Division ${u}`, code: u, zoneId, districtId }, select })).id;
    case "stations":
      return (await prisma.station.create({ data: { name: `Station ${u}`, code: u, lat: 10.1, lon: 76.4, divisionId, zoneId, districtId }, select })).id;
    case "vehicles":
      return (await prisma.vehicle.create({ data: { callSign: u, registration: u, homeStationId: stationId, secretHash: hashDeviceSecret(u) }, select })).id;
    case "users":
      return (
        await prisma.user.create({
          data: { email: `${u.toLowerCase()}@matrix.test`, name: `User ${u}`, passwordHash: userPasswordHash, role: "COMMANDER", scopeLevel: "city" },
          select,
        })
      ).id;
  }
}

/** A valid create body for `resource`, unique each time. */
function createBody(resource: Resource): Record<string, unknown> {
  const u = unique();
  switch (resource) {
    case "districts":
      return { name: `District ${u}`, code: u };
    case "zones":
      return { name: `Zone ${u}`, code: u, districtId: outside.districtId };
    case "divisions":
      return { name: `Division ${u}`, code: u, zoneId: outside.zoneId };
    case "stations":
      return { name: `Station ${u}`, code: u, lat: 10.2, lon: 76.5, divisionId: outside.divisionId };
    case "vehicles":
      return { callSign: u, registration: u, homeStationId: outside.stationId };
    case "users":
      return { email: `${u.toLowerCase()}@matrix.test`, name: `User ${u}`, password: `pw-${u}-long`, role: "COMMANDER", scopeLevel: "city" };
  }
}

const patchBody = (resource: Resource) => (resource === "vehicles" ? { registration: unique() } : { name: `Renamed ${unique()}` });

const ROUTES: RouteCase[] = [
  { method: "GET", route: "/api/health", access: "public", ok: 200, prepare: async () => ({ path: "/api/health" }) },
  { method: "GET", route: "/api/ping", access: "public", ok: 204, prepare: async () => ({ path: "/api/ping" }) },
  {
    method: "POST",
    route: "/api/vehicles/token",
    access: "public",
    ok: 200,
    prepare: async () => ({ path: "/api/vehicles/token", body: { vehicleId: vehicle.id, secret: `${DEMO.password}:${vehicle.callSign}` } }),
  },
  { method: "POST", route: "/api/patrols/start", access: "device", ok: 201, prepare: async () => ({ path: "/api/patrols/start", body: {} }) },
  {
    method: "POST",
    route: "/api/telemetry",
    access: "ownPatrol",
    ok: 202,
    prepare: async () => ({ path: "/api/telemetry", body: { patrolId: await startPatrol(), lat: 9.97, lon: 76.29 } }),
  },
  {
    method: "POST",
    route: "/api/telemetry/batch",
    access: "ownPatrol",
    ok: 202,
    prepare: async () => ({ path: "/api/telemetry/batch", body: { points: [{ patrolId: await startPatrol(), lat: 9.97, lon: 76.29 }] } }),
  },
  ...(["station", "division", "zone", "district", "otherDistrict"] as const).map(
    (target): RouteCase => ({
      method: "POST",
      route: "/api/patrols/[id]/stop",
      label: {
        station: "patrol at the station commander's station",
        division: "patrol at another station of that division",
        zone: "patrol in another division of that zone",
        district: "patrol in another zone of that district",
        otherDistrict: "patrol in another district",
      }[target],
      access: "stopPatrol",
      ok: 200,
      prepare: async () => ({ path: `/api/patrols/${await startPatrol(targets[target].stationId)}/stop`, patrol: targets[target] }),
    }),
  ),
  ...(["station", "otherDistrict"] as const).map(
    (target): RouteCase => ({
      method: "GET",
      route: "/api/patrols/[id]/track",
      label: target === "station" ? "patrol at the station commander's station" : "patrol in another district",
      access: "viewPatrol",
      ok: 200,
      prepare: async () => ({ path: `/api/patrols/${await startPatrol(targets[target].stationId)}/track`, patrol: targets[target] }),
    }),
  ),
  { method: "GET", route: "/api/patrols/history", access: "session", ok: 200, prepare: async () => ({ path: "/api/patrols/history" }) },
  ...(["station", "otherDistrict"] as const).map(
    (target): RouteCase => ({
      method: "POST",
      route: "/api/patrols/[id]/status",
      label: target === "station" ? "patrol at the station commander's station" : "patrol in another district",
      access: "stopPatrol",
      ok: 200,
      prepare: async () => ({ path: `/api/patrols/${await startPatrol(targets[target].stationId)}/status`, body: { status: "EN_ROUTE" }, patrol: targets[target] }),
    }),
  ),
  {
    method: "POST",
    route: "/api/patrols/[id]/sos",
    access: "ownPatrol",
    ok: 201,
    prepare: async () => ({ path: `/api/patrols/${await startPatrol()}/sos`, body: {} }),
  },
  {
    method: "GET",
    route: "/api/patrols/nearest",
    access: "session",
    ok: 200,
    prepare: async () => ({ path: "/api/patrols/nearest?lat=9.97&lon=76.29" }),
  },
  { method: "GET", route: "/api/alerts", access: "session", ok: 200, prepare: async () => ({ path: "/api/alerts?state=OPEN" }) },
  ...(["ack", "resolve"] as const).flatMap((action) =>
    (["station", "otherDistrict"] as const).map(
      (target): RouteCase => ({
        method: "POST",
        route: `/api/alerts/[id]/${action}`,
        label: target === "station" ? "SOS of a patrol at the station commander's station" : "SOS of a patrol in another district",
        access: "viewPatrol",
        ok: 200,
        prepare: async () => {
          const patrolId = await startPatrol(targets[target].stationId);
          const sos = await call(`/api/patrols/${patrolId}/sos`, { method: "POST", token: vehicle.token });
          if (sos.status !== 201) throw new Error(`could not raise an SOS: ${sos.status} ${JSON.stringify(sos.body)}`);
          return { path: `/api/alerts/${sos.body.alertId}/${action}`, body: {}, patrol: targets[target] };
        },
      }),
    ),
  ),
  {
    method: "POST",
    route: "/api/patrols/[id]/stop",
    label: "a patrol id that does not exist: answered like one outside the caller's scope",
    access: "missingPatrol",
    ok: 200,
    prepare: async () => ({ path: `/api/patrols/${MAX_ROW_ID}/stop` }),
  },
  { method: "GET", route: "/api/patrols", access: "session", ok: 200, prepare: async () => ({ path: "/api/patrols" }) },
  { method: "GET", route: "/api/realtime/ticket", access: "session", ok: 200, prepare: async () => ({ path: "/api/realtime/ticket" }) },
  ...RESOURCES.flatMap((resource): RouteCase[] => {
    const item = async () => `/api/admin/${resource}/${await fixture(resource)}`;
    return [
      { method: "GET", route: `/api/admin/${resource}`, access: "admin", ok: 200, prepare: async () => ({ path: `/api/admin/${resource}` }) },
      {
        method: "POST",
        route: `/api/admin/${resource}`,
        access: "admin",
        ok: 201,
        prepare: async () => ({ path: `/api/admin/${resource}`, body: createBody(resource) }),
      },
      { method: "GET", route: `/api/admin/${resource}/[id]`, access: "admin", ok: 200, prepare: async () => ({ path: await item() }) },
      {
        method: "PATCH",
        route: `/api/admin/${resource}/[id]`,
        access: "admin",
        ok: 200,
        prepare: async () => ({ path: await item(), body: patchBody(resource) }),
      },
      { method: "DELETE", route: `/api/admin/${resource}/[id]`, access: "admin", ok: 200, prepare: async () => ({ path: await item() }) },
    ];
  }),
  { method: "GET", route: "/api/admin/audit", access: "admin", ok: 200, prepare: async () => ({ path: "/api/admin/audit?limit=5" }) },
  {
    method: "POST",
    route: "/api/admin/vehicles/[id]/secret",
    access: "admin",
    ok: 200,
    prepare: async () => ({ path: `/api/admin/vehicles/${await fixture("vehicles")}/secret` }),
  },
  {
    method: "POST",
    route: "/api/admin/vehicles/[id]/device-id",
    access: "admin",
    ok: 200,
    prepare: async () => ({ path: `/api/admin/vehicles/${await fixture("vehicles")}/device-id` }),
  },
  // A known device id is tested in test/osmand.integration.test.ts; here: no caller's header stands in for one.
  { method: "GET", route: "/api/osmand", access: "deviceId", ok: 200, prepare: async () => ({ path: `/api/osmand?id=${UNKNOWN_DEVICE_ID}&lat=9.97&lon=76.29` }) },
  { method: "POST", route: "/api/osmand", access: "deviceId", ok: 200, prepare: async () => ({ path: `/api/osmand?id=${UNKNOWN_DEVICE_ID}&lat=9.97&lon=76.29` }) },
];

/** A device id of the right form that no vehicle has. */
const UNKNOWN_DEVICE_ID = "zzzz-zzzz-zzzz-zzzz-zzzz-zzzz-zzzz-zzzz";

/** Text no API response may contain: password and secret hashes, in any form. */
const HASH_LEAK = /passwordHash|secretHash|deviceIdHash|\$argon2|sha256:/i;
const leaks: string[] = [];
/** Statuses each caller got from the stop cases. */
const stopStatuses: Partial<Record<Caller, Set<number>>> = {};

/** Method + route of every handler exported under app/api (next-auth's catch-all aside). */
function routeHandlers(dir = path.resolve(__dirname, "../app/api")): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...routeHandlers(full));
    else if (entry.name === "route.ts") {
      const route = `/${path.relative(path.resolve(__dirname, ".."), dir).replace(/^app\//, "")}`;
      const source = readFileSync(full, "utf8");
      const methods = new Set<string>();
      for (const m of source.matchAll(/export\s+(?:const|async\s+function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) methods.add(m[1]!);
      for (const m of source.matchAll(/export\s*\{([^}]*)\}/g)) for (const n of m[1]!.matchAll(/as\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) methods.add(n[1]!);
      for (const method of methods) found.push(`${method} ${route}`);
    }
  }
  return found.filter((r) => !r.includes("[...nextauth]"));
}

beforeAll(async () => {
  [vehicle, otherVehicle] = (await idleVehicles(2)) as [TestVehicle, TestVehicle];
  userPasswordHash = await hashPassword(`fixture-${RUN}`);
  let adminId = 0;
  for (const caller of [...COMMANDERS, "admin"] as const) {
    const row = await prisma.user.findUniqueOrThrow({ where: { email: DEMO[caller] } });
    users[caller] = { client: await login(DEMO[caller]), scope: toScope(row.scopeLevel, row.scopeId) };
    if (caller === "admin") adminId = row.id;
  }
  admin = users.admin.client;

  // Stop targets: the station commander's station, then one step further out each time.
  const home = await prisma.station.findFirstOrThrow({ where: { name: "Kadavanthra" } });
  const find = (where: object) => prisma.station.findFirstOrThrow({ where, orderBy: { id: "asc" } });
  targets.station = chainOf(home);
  targets.division = chainOf(await find({ divisionId: home.divisionId, id: { not: home.id } }));
  targets.zone = chainOf(await find({ zoneId: home.zoneId, divisionId: { not: home.divisionId } }));
  targets.district = chainOf(await find({ districtId: home.districtId, zoneId: { not: home.zoneId } }));
  const district = await prisma.district.create({ data: { name: `District ${TAG}`, code: `${TAG}-D` } });
  const zone = await prisma.zone.create({ data: { name: `Zone ${TAG}`, code: `${TAG}-Z`, districtId: district.id } });
  const division = await prisma.division.create({ data: { name: `Division ${TAG}`, code: `${TAG}-V`, zoneId: zone.id, districtId: district.id } });
  const station = await prisma.station.create({
    data: { name: `Station ${TAG}`, code: `${TAG}-S`, lat: 10.0, lon: 76.3, divisionId: division.id, zoneId: zone.id, districtId: district.id },
  });
  targets.otherDistrict = outside = chainOf(station);

  const ticket = await call("/api/realtime/ticket", { client: admin });
  bearer.ticketAsToken = ticket.body.ticket as string;
  bearer.forgedToken = await deviceToken(vehicle.id, WRONG_KEY);
  bearer.unsignedToken = unsignedToken(claims(VEHICLE_AUDIENCE, `vehicle:${vehicle.id}`));
  bearer.expiredToken = await deviceToken(vehicle.id, SERVER_KEYS.vehicle, Math.floor(Date.now() / 1000) - 60);
  // The other vehicle's genuine token, edited to name the test vehicle: the signature no longer matches.
  bearer.tamperedToken = tamperedToken(otherVehicle.token, (p) => ({ ...p, sub: `vehicle:${vehicle.id}` }));
  forgedSession = await forgedSessionCookie(adminId);
});

afterAll(async () => {
  await endTestPatrols();
  const mine = { contains: TAG };
  await prisma.patrol.deleteMany({ where: { OR: [{ station: { code: mine } }, { vehicle: { callSign: mine } }] } });
  await prisma.user.deleteMany({ where: { email: { contains: TAG.toLowerCase() } } });
  await prisma.vehicle.deleteMany({ where: { callSign: mine } });
  await prisma.station.deleteMany({ where: { code: mine } });
  await prisma.division.deleteMany({ where: { code: mine } });
  await prisma.zone.deleteMany({ where: { code: mine } });
  await prisma.district.deleteMany({ where: { code: mine } });
  await prisma.$disconnect();
});

describe("access matrix", () => {
  it("has a row for every route handler under app/api", () => {
    const covered = [...new Set(ROUTES.map((r) => `${r.method} ${r.route}`))].sort();
    expect(covered).toEqual(routeHandlers().sort());
  });

  for (const route of ROUTES) {
    it(`${route.method} ${route.route}${route.label ? ` (${route.label})` : ""}`, async () => {
      const got: Partial<Record<Caller, number>> = {};
      const want: Partial<Record<Caller, number>> = {};
      for (const caller of CALLERS) {
        const prepared = await route.prepare(caller);
        const res = await call(prepared.path, { method: route.method, body: prepared.body, ...credentialsOf(caller) });
        const text = JSON.stringify(res.body);
        if (HASH_LEAK.test(text)) leaks.push(`${route.method} ${prepared.path} as ${caller}: ${text.slice(0, 200)}`);
        got[caller] = res.status;
        want[caller] = expected(route, caller, prepared);
        if (route.access === "stopPatrol") (stopStatuses[caller] ??= new Set()).add(res.status);
        await endTestPatrols();
      }
      expect(got).toEqual(want);
    });
  }

  it("let every commander stop some patrol and refused each one some other: the stop targets discriminate", () => {
    for (const commander of COMMANDERS) expect([...(stopStatuses[commander] ?? [])].sort(), commander).toEqual([200, 404]);
  });

  it("never answered with a password or secret hash", () => {
    expect(leaks).toEqual([]);
  });
});

describe("device secrets and passwords", () => {
  it("shows a new vehicle's secret once and stores only its SHA-256", async () => {
    const created = await call("/api/admin/vehicles", { client: admin, body: createBody("vehicles") });
    expect(created.status).toBe(201);
    const { id, secret } = created.body as { id: number; secret: string };
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const row = await prisma.vehicle.findUniqueOrThrow({ where: { id } });
    expect(row.secretHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(row.secretHash).not.toContain(secret);
    expect(hashDeviceSecret(secret)).toBe(row.secretHash);

    // Never again: not in the item, not in the list.
    const item = await call(`/api/admin/vehicles/${id}`, { client: admin });
    expect(Object.keys(item.body).sort()).toEqual(["callSign", "deviceIdIssuedAt", "enabled", "homeStationId", "id", "registration"]);
    const list = await call("/api/admin/vehicles", { client: admin });
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body.items.every((v: object) => !("secret" in v) && !("secretHash" in v))).toBe(true);

    // Rotation: a new secret once, a new hash, and the old secret stops working.
    const rotated = await call(`/api/admin/vehicles/${id}/secret`, { method: "POST", client: admin });
    expect(rotated.status).toBe(200);
    expect(Object.keys(rotated.body)).toEqual(["secret"]);
    expect(rotated.body.secret).not.toBe(secret);
    const after = await prisma.vehicle.findUniqueOrThrow({ where: { id } });
    expect(after.secretHash).toBe(hashDeviceSecret(rotated.body.secret as string));
    expect((await call("/api/vehicles/token", { body: { vehicleId: id, secret } })).status).toBe(401);
    expect((await call("/api/vehicles/token", { body: { vehicleId: id, secret: rotated.body.secret } })).status).toBe(200);
  });

  it("stores every device secret as sha256:<64 hex> and every password as argon2id, never in the clear", async () => {
    const vehicles = await prisma.vehicle.findMany({ select: { callSign: true, secretHash: true } });
    expect(vehicles.length).toBeGreaterThan(100);
    for (const v of vehicles) {
      expect(v.secretHash, v.callSign).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(v.secretHash).not.toContain(`${DEMO.password}:${v.callSign}`);
    }
    const accounts = await prisma.user.findMany({ select: { email: true, passwordHash: true } });
    for (const u of accounts) {
      expect(u.passwordHash, u.email).toMatch(/^\$argon2id\$/);
      expect(u.passwordHash).not.toContain(DEMO.password);
    }
  });

  it("creates a user without ever echoing the password or its hash", async () => {
    const body = createBody("users");
    const res = await call("/api/admin/users", { client: admin, body });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["disabled", "email", "id", "name", "role", "scopeId", "scopeLevel"]);
    expect(JSON.stringify(res.body)).not.toContain(body.password as string);
    const session = await (await login(body.email as string, body.password as string).then((c) => c.fetch("/api/auth/session"))).text();
    expect(session).not.toContain(body.password as string);
    expect(session).not.toMatch(HASH_LEAK);
  });
});

describe("realtime tickets at the sidecar", () => {
  let sidecar: Sidecar;
  const station = () => users.station.scope;

  beforeAll(async () => {
    sidecar = await startSidecar(inject("redisUrl"));
  });

  afterAll(async () => {
    await sidecar?.process.stop();
  });

  /** Connects with `ticket` and returns how the sidecar ended it, and whether any frame arrived first. */
  async function refused(ticket: string): Promise<{ code: number; reason: string; frames: number }> {
    const client = await LiveClient.connect(sidecar.url, ticket);
    const closed = await client.closed;
    return { ...closed, frames: client.frames.length };
  }

  it("opens a socket for a genuine ticket, scoped as issued", async () => {
    const res = await call("/api/realtime/ticket", { client: users.station.client });
    const client = await LiveClient.connect(sidecar.url, res.body.ticket as string);
    expect((await client.snapshot()).scope).toEqual(station());
    await client.close();
  });

  it("closes a ticket whose scope was edited after signing (4401, nothing sent)", async () => {
    const res = await call("/api/realtime/ticket", { client: users.station.client });
    const widened = tamperedToken(res.body.ticket as string, (p) => ({ ...p, scope: { level: "city", id: null } }));
    expect(await refused(widened)).toMatchObject({ code: 4401, frames: 0 });
    const otherUser = tamperedToken(res.body.ticket as string, (p) => ({ ...p, sub: "user:1" }));
    expect(await refused(otherUser)).toMatchObject({ code: 4401, frames: 0 });
  });

  it("closes a ticket replayed after it expired, though it worked before (4401 'expired')", async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const ticket = await realtimeTicket(42, station(), SERVER_KEYS.ticket, exp);
    const first = await LiveClient.connect(sidecar.url, ticket);
    await first.snapshot();
    await first.close();
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 100));
    expect(await refused(ticket)).toMatchObject({ code: 4401, reason: expect.stringMatching(/expired/) as string, frames: 0 });
  });

  it("closes a device token, an unsigned ticket and a ticket signed with the device key (4401)", async () => {
    const cases = {
      deviceToken: await vehicleToken(vehicle.id, vehicle.callSign),
      unsigned: unsignedToken(claims(TICKET_AUDIENCE, "user:1", { role: "ADMIN", scope: { level: "city", id: null } })),
      deviceKey: await realtimeTicket(1, { level: "city", id: null }, SERVER_KEYS.vehicle),
    };
    for (const [kind, ticket] of Object.entries(cases)) {
      expect(await refused(ticket), kind).toMatchObject({ code: 4401, reason: expect.stringMatching(/ticket/) as string, frames: 0 });
    }
  });
});
