import { Redis } from "ioredis";
import pg from "pg";
import { deviceVehicleKey, patrolLastTsKey } from "../lib/redis/keys";
import { placementOf } from "../lib/realtime/placement";
import { scopeContains, type Scope, type UnitChain } from "../lib/scope";
import { deviceKeyValue, hashDeviceId, newDeviceId } from "../lib/vehicles/device-id";
import { enrolFleet, parseJson, skippedSummary, stopPatrols, withDeviceSecret, type FleetRequest } from "../scripts/simulator/fleet";
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
  /** Its OsmAnd device id, once `issueDeviceIds` gave it one. */
  deviceId?: string;
  lat: number;
  lon: number;
}


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

/** The fleet's requests over the benchmark's keep-alive client. */
function overClient(http: LocalHttpClient): FleetRequest {
  return async (method, path, body, headers) => {
    const res = await http.request(method, path, body === undefined ? undefined : JSON.stringify(body), headers);
    return { status: res.status, body: parseJson(res.body), error: res.error };
  };
}

/**
 * Puts every vehicle on patrol at its home station through the vehicle API
 * (scripts/simulator/fleet.ts: a failure stops the patrols already started).
 * When any vehicle cannot authenticate, stops the others and throws: the
 * benchmark measures the fleet it asked for or none.
 */
export async function startFleet(
  http: LocalHttpClient,
  password: string,
  stations: ReadonlyMap<number, BenchStation>,
  vehicles: Array<{ id: number; callSign: string; homeStationId: number }>,
): Promise<BenchPatrol[]> {
  for (const v of vehicles) if (!stations.has(v.homeStationId)) throw new Error(`vehicle ${v.callSign}: home station ${v.homeStationId} not found`);
  const request = overClient(http);
  const { patrols, skipped } = await enrolFleet(request, vehicles, { authenticate: withDeviceSecret(request, password) });
  if (skipped.length) {
    await stopPatrols(request, patrols);
    throw new Error(`The benchmark's fleet is incomplete: ${skippedSummary(skipped)}.`);
  }
  return patrols
    .map((p) => ({ ...stations.get(p.vehicle.homeStationId)!, patrolId: p.patrolId, vehicleId: p.vehicle.id, token: p.token }))
    .sort((a, b) => a.patrolId - b.patrolId);
}

/**
 * Gives every patrol's vehicle a new OsmAnd device id, stored as `issueDeviceId` (lib/admin/vehicles.ts) stores one:
 * its SHA-256 and the time in `vehicles`, then the Redis device key (under `prefix`) naming the vehicle. One
 * statement and one MSET instead of an admin request per vehicle (nor an audit row each): the fleet's vehicles are
 * enabled and have no device id yet, so there is no old key to delete first.
 */
export async function issueDeviceIds(databaseUrl: string, redisUrl: string, prefix: string, patrols: BenchPatrol[]): Promise<BenchPatrol[]> {
  const issued = patrols.map((p) => ({ ...p, deviceId: newDeviceId() }));
  const hashes = issued.map((p) => hashDeviceId(p.deviceId));
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `UPDATE vehicles AS v SET "deviceIdHash" = d.hash, "deviceIdIssuedAt" = now() FROM unnest($1::int[], $2::text[]) AS d(id, hash) WHERE v.id = d.id`,
      [issued.map((p) => p.vehicleId), hashes],
    );
  } finally {
    await db.end();
  }
  await withRedis(redisUrl, (redis) => redis.mset(issued.flatMap((p, i) => [deviceVehicleKey(prefix, hashes[i]!), deviceKeyValue(p.vehicleId, true)])));
  return issued;
}

/**
 * Patrols whose newest point on the live plane (`patrol:{id}:last_ts` in the stack's Redis under `prefix`) carries
 * the newest `ts` sent to them (`sentTs`, the driver's): the ingest script keeps a point's ts there only when the
 * point was fresh, so it was published (the benchmark's live budget per patrol is never reached). A check for
 * senders whose answer does not say (OsmAnd's empty 200).
 */
export async function patrolsAtNewestTs(redisUrl: string, prefix: string, patrols: BenchPatrol[], sentTs: ReadonlyMap<number, number>): Promise<number> {
  const stored = await withRedis(redisUrl, (redis) => redis.mget(patrols.map((p) => patrolLastTsKey(prefix, p.patrolId))));
  return patrols.filter((p, i) => stored[i] != null && Number(stored[i]) === sentTs.get(p.patrolId)).length;
}

/** Runs `work` on a connection of its own to the stack's Redis, closed afterwards. */
async function withRedis<T>(redisUrl: string, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** Dashboards per scope level (a mix). */
type LevelCounts = Record<Scope["level"], number>;

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
  return dashboardsOf({ station: Math.max(1, count - city - district - zone - division), division, zone, district, city }, patrols);
}

/**
 * `count` dashboards as a whole force's control rooms would hold them (issue #14's city tier): 70 % station, 20 %
 * division, 8 % zone, 1 % district and 1 % city views, spread evenly over the units that have patrols — or, with
 * `hotStation`, every station view on that one station (a major incident).
 */
export function chooseCityDashboards(count: number, patrols: BenchPatrol[], hotStation?: number): DashboardSpec[] {
  const city = Math.max(1, Math.round(count * 0.01));
  const district = Math.max(1, Math.round(count * 0.01));
  const zone = Math.max(1, Math.round(count * 0.08));
  const division = Math.max(1, Math.round(count * 0.2));
  return dashboardsOf({ station: Math.max(1, count - city - district - zone - division), division, zone, district, city }, patrols, hotStation);
}

/** The station with the most patrols (the lowest id among equals): where a hot spot hurts most. */
export function busiestStation(patrols: BenchPatrol[]): { stationId: number; patrols: number } {
  const counts = new Map<number, number>();
  for (const p of patrols) counts.set(p.stationId, (counts.get(p.stationId) ?? 0) + 1);
  let best = { stationId: 0, patrols: 0 };
  for (const [stationId, n] of counts) if (n > best.patrols || (n === best.patrols && stationId < best.stationId)) best = { stationId, patrols: n };
  return best;
}

/** Dashboards of each level in `counts`, spread evenly over the units that have patrols (station ones all on `hotStation` when given). */
function dashboardsOf(counts: LevelCounts, patrols: BenchPatrol[], hotStation?: number): DashboardSpec[] {
  const unitsOf = (pick: (p: BenchPatrol) => number) => [...new Set(patrols.map(pick))].sort((a, b) => a - b);
  const spread = (units: number[], n: number) => Array.from({ length: n }, (_, i) => units[Math.floor((i * units.length) / n) % units.length]!);
  const stations = hotStation === undefined ? unitsOf((p) => p.stationId) : [hotStation];
  const scopes: Scope[] = [
    ...spread(stations, counts.station).map((id) => ({ level: "station" as const, id })),
    ...spread(unitsOf((p) => p.divisionId), counts.division).map((id) => ({ level: "division" as const, id })),
    ...spread(unitsOf((p) => p.zoneId), counts.zone).map((id) => ({ level: "zone" as const, id })),
    ...spread(unitsOf((p) => p.districtId), counts.district).map((id) => ({ level: "district" as const, id })),
    ...Array.from({ length: counts.city }, () => ({ level: "city" as const, id: null })),
  ];
  return scopes.map((scope, clientId) => {
    const inside = patrols.find((p) => scopeContains(scope, p));
    if (!inside) throw new Error(`no patrol in the dashboard scope ${scope.level} ${scope.id}`);
    return {
      clientId,
      // Tickets are signed by the benchmark, so users need not exist; distinct ids keep per-user limits out of the way.
      userId: 1_000_000 + clientId,
      role: scope.level === "city" ? "ADMIN" : "COMMANDER",
      scope,
      // As the web tier issues it: the district and zone of the scope, read from any patrol inside it.
      placement: placementOf(scope, inside),
    };
  });
}

/** Dashboards per scope level, for the report. */
export function levelCounts(dashboards: DashboardSpec[]): Record<string, number> {
  const levels: Record<string, number> = {};
  for (const d of dashboards) levels[d.scope.level] = (levels[d.scope.level] ?? 0) + 1;
  return levels;
}

/** The patrols each dashboard may see, by client id. */
export function visiblePatrols(dashboards: DashboardSpec[], patrols: BenchPatrol[]): Map<number, Set<number>> {
  return new Map(dashboards.map((d) => [d.clientId, new Set(patrols.filter((p) => scopeContains(d.scope, p)).map((p) => p.patrolId))]));
}
