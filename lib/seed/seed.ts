import { hashDeviceSecret, hashPassword } from "../auth/password";
import type { PrismaClient, Role, ScopeLevel } from "../generated/prisma/client";
import { formatScope, toScope } from "../scope";
import { benchTree } from "./bench";
import { cityTree } from "./city";
import { kochiTree } from "./kochi";

/**
 * Seed profiles: `demo` is Kochi City (30 stations), `bench` a synthetic 600-station city for load tests, `city` a
 * synthetic metropolitan force (2,016 stations, 5,000 vehicles) for the map at city scale.
 */
export const SEED_PROFILES = { demo: kochiTree, bench: benchTree, city: cityTree } as const;

export type SeedProfile = keyof typeof SEED_PROFILES;

type Kind = "districts" | "zones" | "divisions" | "stations" | "vehicles" | "users";

/** Row counts per table. */
export type SeedCounts = Record<Kind, number>;

/** One seeded login; every one uses the seed password. */
export interface DemoLogin {
  email: string;
  role: Role;
  /** e.g. `station:12 – Kadavanthra` or `city`. */
  scope: string;
}

/** What a seed run left in the database. */
export interface SeedSummary {
  profile: SeedProfile;
  /** The profile's rows present after the run, whether created now or earlier. */
  counts: SeedCounts;
  /** Rows this run inserted: all zero when the profile was already seeded. */
  created: SeedCounts;
  logins: DemoLogin[];
}

/** Options of `seed`. */
export interface SeedOptions {
  /** Password of every seeded user; seeded vehicles' device secrets derive from it. */
  password: string;
  /** Receives one human-readable line per step. Default: silent. */
  onProgress?: (line: string) => void;
}

/**
 * Device secret of a seeded vehicle: `<password>:<callSign>`, so the simulator
 * and tests can authenticate any seeded vehicle without a list of secrets.
 * Guessable by design — demo only; real vehicles get random secrets that
 * admins rotate (`POST /api/admin/vehicles/{id}/secret`).
 */
export function seededVehicleSecret(password: string, callSign: string): string {
  return `${password}:${callSign}`;
}

/**
 * Creates the profile's organisation (with the stations' boundaries, where the
 * profile has them), fleet and five logins (admin plus one commander per
 * level). Idempotent: rows are matched by their unique code, call sign or
 * email and existing ones are left untouched (no renamed units reverted, no
 * boundary an admin edited or cleared redrawn, no password or secret rotated),
 * so a second run inserts nothing.
 * Not wrapped in a transaction: an interrupted run is repaired by running again.
 */
export async function seed(prisma: PrismaClient, profile: SeedProfile, opts: SeedOptions): Promise<SeedSummary> {
  const tree = SEED_PROFILES[profile]();
  const say = opts.onProgress ?? (() => {});
  const counts: SeedCounts = { districts: 0, zones: 0, divisions: 0, stations: 0, vehicles: 0, users: 0 };
  const created: SeedCounts = { ...counts };

  // Insert what is missing (ON CONFLICT DO NOTHING), then read back every row: children need their parents' ids.
  async function ensure<R extends { code: string }>(
    kind: Kind,
    insert: () => Promise<{ count: number }>,
    read: () => Promise<R[]>,
  ): Promise<(code: string) => R> {
    created[kind] = (await insert()).count;
    const rows = await read();
    counts[kind] = rows.length;
    say(`${kind}: ${rows.length} (${created[kind]} new)`);
    const byCode = new Map(rows.map((row) => [row.code, row]));
    return (code) => {
      const row = byCode.get(code);
      if (!row) throw new Error(`seed: ${kind} ${code} is missing after insert`);
      return row;
    };
  }
  const codes = (rows: { code: string }[]) => ({ code: { in: rows.map((r) => r.code) } });

  const district = await ensure(
    "districts",
    () => prisma.district.createMany({ data: tree.districts, skipDuplicates: true }),
    () => prisma.district.findMany({ where: codes(tree.districts) }),
  );
  const zone = await ensure(
    "zones",
    () =>
      prisma.zone.createMany({
        data: tree.zones.map((z) => ({ code: z.code, name: z.name, districtId: district(z.districtCode).id })),
        skipDuplicates: true,
      }),
    () => prisma.zone.findMany({ where: codes(tree.zones) }),
  );
  // Ancestor ids come from the parent row as stored, so the chain foreign keys hold even for pre-existing parents.
  const division = await ensure(
    "divisions",
    () =>
      prisma.division.createMany({
        data: tree.divisions.map((d) => {
          const parent = zone(d.zoneCode);
          return { code: d.code, name: d.name, zoneId: parent.id, districtId: parent.districtId };
        }),
        skipDuplicates: true,
      }),
    () => prisma.division.findMany({ where: codes(tree.divisions) }),
  );
  const station = await ensure(
    "stations",
    () =>
      prisma.station.createMany({
        data: tree.stations.map((s) => {
          const parent = division(s.divisionCode);
          const chain = { divisionId: parent.id, zoneId: parent.zoneId, districtId: parent.districtId };
          return { code: s.code, name: s.name, lat: s.lat, lon: s.lon, boundary: s.boundary, ...chain };
        }),
        skipDuplicates: true,
      }),
    () => prisma.station.findMany({ where: codes(tree.stations) }),
  );

  // SHA-256 of 5,000 secrets takes a few milliseconds: cheaper than asking which vehicles exist first.
  created.vehicles = (
    await prisma.vehicle.createMany({
      data: tree.vehicles.map((v) => ({
        callSign: v.callSign,
        registration: v.registration,
        homeStationId: station(v.stationCode).id,
        secretHash: hashDeviceSecret(seededVehicleSecret(opts.password, v.callSign)),
      })),
      skipDuplicates: true,
    })
  ).count;
  counts.vehicles = await prisma.vehicle.count({ where: { callSign: { in: tree.vehicles.map((v) => v.callSign) } } });
  say(`vehicles: ${counts.vehicles} (${created.vehicles} new)`);

  const home = {
    district: district(tree.commanders.district),
    zone: zone(tree.commanders.zone),
    division: division(tree.commanders.division),
    station: station(tree.commanders.station),
  };
  // Name the scope units this run knows about; a user left pointing elsewhere shows its bare scope.
  const unitNames = new Map<string, string>(
    (["district", "zone", "division", "station"] as const).map((level) => [`${level}:${home[level].id}`, home[level].name]),
  );
  function describeScope(level: ScopeLevel, id: number | null): string {
    const scope = formatScope(toScope(level, id));
    const name = unitNames.get(scope);
    return name ? `${scope} – ${name}` : scope;
  }
  const wanted: { email: string; name: string; role: Role; scopeLevel: ScopeLevel; scopeId: number | null }[] = [
    { email: "admin@sentinel.local", name: "Administrator", role: "ADMIN", scopeLevel: "city", scopeId: null },
    ...(["district", "zone", "division", "station"] as const).map((level) => ({
      email: `${level}@sentinel.local`,
      name: `${level[0]!.toUpperCase()}${level.slice(1)} Commander, ${home[level].name}`,
      role: "COMMANDER" as const,
      scopeLevel: level,
      scopeId: home[level].id,
    })),
  ];
  const emails = wanted.map((u) => u.email);
  const existing = new Map(
    (await prisma.user.findMany({ where: { email: { in: emails } } })).map((u) => [u.email, u]),
  );
  const missing = wanted.filter((u) => !existing.has(u.email));
  if (missing.length) {
    // argon2 is slow on purpose and every seeded user shares the password: hash it once.
    const passwordHash = await hashPassword(opts.password);
    created.users = (
      await prisma.user.createMany({ data: missing.map((u) => ({ ...u, passwordHash })), skipDuplicates: true })
    ).count;
  }
  for (const want of wanted) {
    const have = existing.get(want.email);
    if (have && (have.scopeLevel !== want.scopeLevel || have.scopeId !== want.scopeId)) {
      say(`user ${want.email} already exists with scope ${describeScope(have.scopeLevel, have.scopeId)}; left unchanged`);
    }
  }
  const users = await prisma.user.findMany({ where: { email: { in: emails } } });
  counts.users = users.length;
  say(`users: ${counts.users} (${created.users} new)`);

  const logins = wanted.flatMap((want) => {
    const user = users.find((u) => u.email === want.email);
    return user ? [{ email: user.email, role: user.role, scope: describeScope(user.scopeLevel, user.scopeId) }] : [];
  });

  return { profile, counts, created, logins };
}
