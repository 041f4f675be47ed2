import pg from "pg";
import { seededVehicleSecret } from "../lib/seed/seed";
import { scopeContains, type Scope, type UnitChain } from "../lib/scope";
import type { DashboardSpec } from "../test/support/load/dashboards";
import type { LocalHttpClient } from "../test/support/load/http-client";

/**
 * The benchmark's fleet and audience: every seeded vehicle on patrol (through
 * the public vehicle API, as devices do it) and the dashboard clients, each
 * with a scope from a realistic mix of levels.
 */

/** A seeded station with its ancestor chain and position. */
export interface BenchStation extends UnitChain {
  lat: number;
  lon: number;
}

/** A vehicle on patrol: its device token, its patrol and where it drives. */
export interface BenchPatrol extends UnitChain {
  patrolId: number;
  vehicleId: number;
  token: string;
  lat: number;
  lon: number;
}

/** Requests in flight while enrolling the fleet: 16. */
const ENROL_CONCURRENCY = 16;

/** Reads the seeded stations and vehicles of the benchmark database. */
export async function loadOrganisation(databaseUrl: string): Promise<{
  stations: Map<number, BenchStation>;
  vehicles: Array<{ id: number; callSign: string; homeStationId: number }>;
}> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const s = await db.query<{ id: number; divisionId: number; zoneId: number; districtId: number; lat: number; lon: number }>(
      `SELECT id, "divisionId", "zoneId", "districtId", lat, lon FROM stations ORDER BY id`,
    );
    const v = await db.query<{ id: number; callSign: string; homeStationId: number }>(
      `SELECT id, "callSign", "homeStationId" FROM vehicles WHERE enabled ORDER BY id`,
    );
    const stations = new Map(
      s.rows.map((r) => [r.id, { stationId: r.id, divisionId: r.divisionId, zoneId: r.zoneId, districtId: r.districtId, lat: Number(r.lat), lon: Number(r.lon) }]),
    );
    return { stations, vehicles: v.rows };
  } finally {
    await db.end();
  }
}

/**
 * Gets a device token for every vehicle and starts its patrol at its home
 * station, `ENROL_CONCURRENCY` vehicles at a time. Throws on any refusal.
 */
export async function startFleet(
  http: LocalHttpClient,
  password: string,
  stations: ReadonlyMap<number, BenchStation>,
  vehicles: Array<{ id: number; callSign: string; homeStationId: number }>,
): Promise<BenchPatrol[]> {
  const patrols: BenchPatrol[] = [];
  let next = 0;
  const enrolOne = async (v: { id: number; callSign: string; homeStationId: number }) => {
    const tok = await http.request("POST", "/api/vehicles/token", JSON.stringify({ vehicleId: v.id, secret: seededVehicleSecret(password, v.callSign) }));
    if (tok.status !== 200) throw new Error(`token for ${v.callSign}: HTTP ${tok.status || tok.error} ${tok.body.slice(0, 200)}`);
    const token = (JSON.parse(tok.body) as { token: string }).token;
    const start = await http.request("POST", "/api/patrols/start", "{}", { authorization: `Bearer ${token}` });
    if (start.status !== 201) throw new Error(`patrol start for ${v.callSign}: HTTP ${start.status || start.error} ${start.body.slice(0, 200)}`);
    const station = stations.get(v.homeStationId);
    if (!station) throw new Error(`vehicle ${v.callSign}: home station ${v.homeStationId} not found`);
    const { patrolId } = JSON.parse(start.body) as { patrolId: number };
    patrols.push({ ...station, patrolId, vehicleId: v.id, token });
  };
  await Promise.all(
    Array.from({ length: ENROL_CONCURRENCY }, async () => {
      while (next < vehicles.length) await enrolOne(vehicles[next++]!);
    }),
  );
  return patrols.sort((a, b) => a.patrolId - b.patrolId);
}

/**
 * `count` dashboards in a mix like a real force's: half station chiefs, a
 * quarter division, 15 % zone, ~7 % district and ~3 % city (admin) views,
 * spread evenly over the units that have patrols.
 */
export function chooseDashboards(count: number, patrols: BenchPatrol[]): DashboardSpec[] {
  const city = Math.max(1, Math.round(count / 30));
  const district = Math.max(1, Math.round(count / 15));
  const zone = Math.max(1, Math.round(count * 0.15));
  const division = Math.max(1, Math.round(count * 0.25));
  const station = Math.max(1, count - city - district - zone - division);
  const unitsOf = (pick: (p: BenchPatrol) => number) => [...new Set(patrols.map(pick))].sort((a, b) => a - b);
  const spread = (units: number[], n: number) => Array.from({ length: n }, (_, i) => units[Math.floor((i * units.length) / n) % units.length]!);
  const scopes: Scope[] = [
    ...spread(unitsOf((p) => p.stationId), station).map((id) => ({ level: "station" as const, id })),
    ...spread(unitsOf((p) => p.divisionId), division).map((id) => ({ level: "division" as const, id })),
    ...spread(unitsOf((p) => p.zoneId), zone).map((id) => ({ level: "zone" as const, id })),
    ...spread(unitsOf((p) => p.districtId), district).map((id) => ({ level: "district" as const, id })),
    ...Array.from({ length: city }, () => ({ level: "city" as const, id: null })),
  ];
  return scopes.map((scope, clientId) => ({
    clientId,
    // Tickets are signed by the benchmark, so users need not exist; distinct ids keep per-user limits out of the way.
    userId: 1_000_000 + clientId,
    role: scope.level === "city" ? "ADMIN" : "COMMANDER",
    scope,
  }));
}

/** The patrols each dashboard may see, by client id. */
export function visiblePatrols(dashboards: DashboardSpec[], patrols: BenchPatrol[]): Map<number, Set<number>> {
  return new Map(dashboards.map((d) => [d.clientId, new Set(patrols.filter((p) => scopeContains(d.scope, p)).map((p) => p.patrolId))]));
}
