import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, dropDatabase } from "../../test/support/stack";
import { verifyDeviceSecret, verifyPassword } from "../auth/password";
import { PrismaClient } from "../generated/prisma/client";
import { boundaryProblem } from "../geo/polygon";
import { BENCH_SHAPE, benchTree } from "./bench";
import { CITY_AREA, CITY_SHAPE, cityTree } from "./city";
import { kochiTree } from "./kochi";
import { seed, seededVehicleSecret, type SeedSummary } from "./seed";

const PASSWORD = "seed-test-password";
const NOTHING = { districts: 0, zones: 0, divisions: 0, stations: 0, vehicles: 0, users: 0 };

/** A fresh migrated database with its own client (not lib/db, which reads the suite's env). */
async function openDatabase(label: string): Promise<{ url: string; prisma: PrismaClient }> {
  const url = await createTestDatabase(label);
  return { url, prisma: new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) }) };
}

async function tableCounts(prisma: PrismaClient) {
  const [districts, zones, divisions, stations, vehicles, users] = await Promise.all([
    prisma.district.count(),
    prisma.zone.count(),
    prisma.division.count(),
    prisma.station.count(),
    prisma.vehicle.count(),
    prisma.user.count(),
  ]);
  return { districts, zones, divisions, stations, vehicles, users };
}

/** Stations whose denormalised ancestor ids disagree with their division's chain. */
async function brokenChains(prisma: PrismaClient): Promise<number> {
  const [row] = await prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n
    FROM stations s
    JOIN divisions d ON d.id = s."divisionId"
    JOIN zones z ON z.id = d."zoneId"
    WHERE s."zoneId" <> d."zoneId" OR s."districtId" <> d."districtId" OR d."districtId" <> z."districtId"`;
  return row!.n;
}

describe("demo seed", () => {
  let url: string;
  let prisma: PrismaClient;
  let first: SeedSummary;

  beforeAll(async () => {
    ({ url, prisma } = await openDatabase("seed"));
    first = await seed(prisma, "demo", { password: PASSWORD });
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    if (url) await dropDatabase(url);
  });

  it("creates Kochi City with 3 zones, 10 divisions, 30 stations, 200 vehicles and 5 logins", async () => {
    const expected = { districts: 1, zones: 3, divisions: 10, stations: 30, vehicles: 200, users: 5 };
    expect(first.counts).toEqual(expected);
    expect(first.created).toEqual(expected);
    expect(await tableCounts(prisma)).toEqual(expected);
    expect(first.logins.map((l) => [l.email, l.role])).toEqual([
      ["admin@sentinel.local", "ADMIN"],
      ["district@sentinel.local", "COMMANDER"],
      ["zone@sentinel.local", "COMMANDER"],
      ["division@sentinel.local", "COMMANDER"],
      ["station@sentinel.local", "COMMANDER"],
    ]);
  });

  it("changes nothing when run again: same rows, same hashes", async () => {
    const usersBefore = await prisma.user.findMany({ orderBy: { id: "asc" } });
    const vehiclesBefore = await prisma.vehicle.findMany({ orderBy: { id: "asc" } });
    const again = await seed(prisma, "demo", { password: PASSWORD });
    expect(again.counts).toEqual(first.counts);
    expect(again.created).toEqual(NOTHING);
    expect(again.logins).toEqual(first.logins);
    expect(await prisma.user.findMany({ orderBy: { id: "asc" } })).toEqual(usersBefore);
    expect(await prisma.vehicle.findMany({ orderBy: { id: "asc" } })).toEqual(vehiclesBefore);
  });

  it("gives every station its division's zone and district", async () => {
    expect(await brokenChains(prisma)).toBe(0);
  });

  it("stores every station's jurisdiction, each surrounding its station", async () => {
    const expected = new Map(kochiTree().stations.map((s) => [s.code, s.boundary]));
    const stations = await prisma.station.findMany();
    expect(stations).toHaveLength(30);
    for (const station of stations) {
      expect(station.boundary, station.code).toEqual(expected.get(station.code));
      expect(boundaryProblem(station.boundary, station), station.code).toBeNull();
    }
  });

  it("scopes the commanders to Kadavanthra and its division, zone and district", async () => {
    const kdv = await prisma.station.findUniqueOrThrow({ where: { code: "KDV" } });
    expect(kdv.name).toBe("Kadavanthra");
    const users = new Map((await prisma.user.findMany()).map((u) => [u.email, u]));
    const scopeOf = (email: string) => [users.get(email)?.scopeLevel, users.get(email)?.scopeId];
    expect(scopeOf("admin@sentinel.local")).toEqual(["city", null]);
    expect(scopeOf("district@sentinel.local")).toEqual(["district", kdv.districtId]);
    expect(scopeOf("zone@sentinel.local")).toEqual(["zone", kdv.zoneId]);
    expect(scopeOf("division@sentinel.local")).toEqual(["division", kdv.divisionId]);
    expect(scopeOf("station@sentinel.local")).toEqual(["station", kdv.id]);
    expect(users.get("station@sentinel.local")?.name).toBe("Station Commander, Kadavanthra");
    expect(first.logins.at(-1)?.scope).toBe(`station:${kdv.id} – Kadavanthra`);
  });

  it("lets every login sign in with the seed password", async () => {
    for (const user of await prisma.user.findMany()) {
      expect(await verifyPassword(user.passwordHash, PASSWORD)).toBe(true);
    }
    const [one] = await prisma.user.findMany({ take: 1 });
    expect(await verifyPassword(one!.passwordHash, "wrong-password")).toBe(false);
  });

  it("lets a seeded vehicle authenticate with seededVehicleSecret", async () => {
    const vehicle = await prisma.vehicle.findUniqueOrThrow({ where: { callSign: "KDV-01" } });
    expect(verifyDeviceSecret(vehicle.secretHash, seededVehicleSecret(PASSWORD, "KDV-01"))).toBe(true);
    expect(verifyDeviceSecret(vehicle.secretHash, seededVehicleSecret(PASSWORD, "KDV-02"))).toBe(false);
  });

  it("refuses a second ACTIVE patrol for one vehicle but allows ENDED + ACTIVE", async () => {
    const kdv = await prisma.station.findUniqueOrThrow({ where: { code: "KDV" } });
    const chain = { stationId: kdv.id, divisionId: kdv.divisionId, zoneId: kdv.zoneId, districtId: kdv.districtId };
    const [busy, ended] = await prisma.vehicle.findMany({ where: { homeStationId: kdv.id }, orderBy: { id: "asc" }, take: 2 });

    await prisma.patrol.create({ data: { ...chain, vehicleId: busy!.id } });
    await expect(prisma.patrol.create({ data: { ...chain, vehicleId: busy!.id } })).rejects.toMatchObject({ code: "P2002" });

    await prisma.patrol.create({ data: { ...chain, vehicleId: ended!.id, status: "ENDED", endedAt: new Date(), endedBy: "vehicle" } });
    await expect(prisma.patrol.create({ data: { ...chain, vehicleId: ended!.id } })).resolves.toMatchObject({ status: "ACTIVE" });
  });
});

/** The synthetic profiles: each seeds its whole shape quickly (bulk inserts) and nothing the second time. */
describe.each([
  { profile: "bench" as const, tree: benchTree, shape: BENCH_SHAPE, stations: 600, vehicles: 1_000 },
  { profile: "city" as const, tree: cityTree, shape: CITY_SHAPE, stations: 2_016, vehicles: 5_000 },
])("$profile seed", ({ profile, tree, shape, stations, vehicles }) => {
  let url: string;
  let prisma: PrismaClient;

  beforeAll(async () => {
    ({ url, prisma } = await openDatabase(`seed${profile}`));
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    if (url) await dropDatabase(url);
  });

  it("is the same tree on every run", () => {
    expect(tree()).toEqual(tree());
  });

  it(`seeds ${stations} stations and ${vehicles} vehicles in seconds, and nothing the second time`, async () => {
    const started = performance.now();
    const summary = await seed(prisma, profile, { password: PASSWORD });
    const ms = performance.now() - started;
    console.log(`${profile} seed: ${ms.toFixed(0)} ms`);
    // The target is 10 s; the assertion leaves headroom for slow CI machines.
    expect(ms).toBeLessThan(20_000);

    const { districts, zonesPerDistrict, divisionsPerZone, stationsPerDivision } = shape;
    const expected = {
      districts,
      zones: districts * zonesPerDistrict,
      divisions: districts * zonesPerDistrict * divisionsPerZone,
      stations,
      vehicles,
      users: 5,
    };
    expect(districts * zonesPerDistrict * divisionsPerZone * stationsPerDivision).toBe(stations);
    expect(shape.vehicles).toBe(vehicles);
    expect(summary.counts).toEqual(expected);
    expect(await tableCounts(prisma)).toEqual(expected);
    expect(await brokenChains(prisma)).toBe(0);

    const again = await seed(prisma, profile, { password: PASSWORD });
    expect(again.created).toEqual(NOTHING);
    expect(await tableCounts(prisma)).toEqual(expected);
  });

  it("scopes the commanders to the first district, zone, division and station, and lets a seeded vehicle authenticate", async () => {
    const first = tree().commanders.station;
    const station = await prisma.station.findUniqueOrThrow({ where: { code: first } });
    const users = new Map((await prisma.user.findMany()).map((u) => [u.email, u]));
    const scopeOf = (email: string) => [users.get(email)?.scopeLevel, users.get(email)?.scopeId];
    expect(scopeOf("admin@sentinel.local")).toEqual(["city", null]);
    expect(scopeOf("district@sentinel.local")).toEqual(["district", station.districtId]);
    expect(scopeOf("zone@sentinel.local")).toEqual(["zone", station.zoneId]);
    expect(scopeOf("division@sentinel.local")).toEqual(["division", station.divisionId]);
    expect(scopeOf("station@sentinel.local")).toEqual(["station", station.id]);
    expect(await verifyPassword(users.get("admin@sentinel.local")!.passwordHash, PASSWORD)).toBe(true);
    const vehicle = await prisma.vehicle.findFirstOrThrow({ where: { homeStationId: station.id }, orderBy: { id: "asc" } });
    expect(verifyDeviceSecret(vehicle.secretHash, seededVehicleSecret(PASSWORD, vehicle.callSign))).toBe(true);
  });
});

describe("city seed's map", () => {
  const { stations } = cityTree();

  it("stands every station in the city's area, crowding its centre", () => {
    const { south, north, west, east } = CITY_AREA;
    for (const s of stations) {
      expect(s.lat, s.code).toBeGreaterThanOrEqual(south);
      expect(s.lat, s.code).toBeLessThanOrEqual(north);
      expect(s.lon, s.code).toBeGreaterThanOrEqual(west);
      expect(s.lon, s.code).toBeLessThanOrEqual(east);
    }
    // The middle ninth of the area (a third of each side) holds well over a ninth of the stations (21 % here).
    const midLat = (south + north) / 2;
    const midLon = (west + east) / 2;
    const central = stations.filter((s) => Math.abs(s.lat - midLat) <= (north - south) / 6 && Math.abs(s.lon - midLon) <= (east - west) / 6);
    expect(central.length / stations.length).toBeGreaterThan(1.5 / 9);
  });

  it("keeps each district's stations together: nine in ten nearer their own district's centre than any other's", () => {
    const tree = cityTree();
    const districtOf = new Map(tree.divisions.map((d) => [d.code, tree.zones.find((z) => z.code === d.zoneCode)!.districtCode]));
    const centres = new Map<string, { lat: number; lon: number; n: number }>();
    for (const s of stations) {
      const c = centres.get(districtOf.get(s.divisionCode)!) ?? { lat: 0, lon: 0, n: 0 };
      centres.set(districtOf.get(s.divisionCode)!, { lat: c.lat + s.lat, lon: c.lon + s.lon, n: c.n + 1 });
    }
    const mean = [...centres].map(([code, c]) => ({ code, lat: c.lat / c.n, lon: c.lon / c.n }));
    const misplaced = stations.filter((s) => {
      const nearest = mean.reduce((a, b) => (Math.hypot(a.lat - s.lat, a.lon - s.lon) <= Math.hypot(b.lat - s.lat, b.lon - s.lon) ? a : b));
      return nearest.code !== districtOf.get(s.divisionCode);
    });
    // Not all: the pull towards the centre bends the districts' blocks, and a block is no circle (5.8 % here).
    expect(misplaced.length / stations.length).toBeLessThan(0.1);
  });
});
