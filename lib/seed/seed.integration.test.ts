import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, dropDatabase } from "../../test/support/stack";
import { verifyDeviceSecret, verifyPassword } from "../auth/password";
import { PrismaClient } from "../generated/prisma/client";
import { boundaryProblem } from "../geo/polygon";
import { BENCH_SHAPE, benchTree } from "./bench";
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

describe("bench seed", () => {
  let url: string;
  let prisma: PrismaClient;

  beforeAll(async () => {
    ({ url, prisma } = await openDatabase("seedbench"));
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    if (url) await dropDatabase(url);
  });

  it("is the same tree on every run", () => {
    expect(benchTree()).toEqual(benchTree());
  });

  it("seeds 600 stations and 1,000 vehicles in seconds, and nothing the second time", async () => {
    const started = performance.now();
    const summary = await seed(prisma, "bench", { password: PASSWORD });
    const ms = performance.now() - started;
    console.log(`bench seed: ${ms.toFixed(0)} ms`);
    // The target is 10 s; the assertion leaves headroom for slow CI machines.
    expect(ms).toBeLessThan(20_000);

    const { districts, zonesPerDistrict, divisionsPerZone, stationsPerDivision, vehicles } = BENCH_SHAPE;
    const expected = {
      districts,
      zones: districts * zonesPerDistrict,
      divisions: districts * zonesPerDistrict * divisionsPerZone,
      stations: 600,
      vehicles: 1_000,
      users: 5,
    };
    expect(districts * zonesPerDistrict * divisionsPerZone * stationsPerDivision).toBe(600);
    expect(vehicles).toBe(1_000);
    expect(summary.counts).toEqual(expected);
    expect(await tableCounts(prisma)).toEqual(expected);
    expect(await brokenChains(prisma)).toBe(0);

    const again = await seed(prisma, "bench", { password: PASSWORD });
    expect(again.created).toEqual(NOTHING);
    expect(await tableCounts(prisma)).toEqual(expected);
  });
});
