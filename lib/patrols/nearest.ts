import { z } from "zod";
import { parseWith } from "../http/handler";
import { UNIT_STATUSES, type Position, type UnitStatus } from "../realtime/protocol";
import { redis, redisPrefix } from "../redis/client";
import { redisCall } from "../redis/guard";
import type { Scope } from "../scope";
import { activePatrolIds, readPatrolViews } from "./read-patrols";

const number = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, "must be a decimal number")
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const nearestParams = z.object({
  lat: number(-90, 90),
  lon: number(-180, 180),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, "must be a whole number from 1 to 50")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 50, "must be a whole number from 1 to 50")
    .default(5),
  status: z.enum(UNIT_STATUSES, { error: `must be one of ${UNIT_STATUSES.join(", ")}` }).optional(),
});

/** A nearest-unit search: the place, how many, and optionally one duty status. */
export type NearestQuery = z.infer<typeof nearestParams>;

/** One unit near the place, with its great-circle distance in metres. */
export interface NearestUnit {
  patrolId: number;
  callSign: string;
  status: UnitStatus;
  distanceM: number;
  last: Position;
}

/** Reads `lat`, `lon`, `limit` (default 5, at most 50) and `status` of `GET /api/patrols/nearest`; 400 naming each bad one. */
export function nearestQueryOf(params: URLSearchParams): NearestQuery {
  return parseWith(nearestParams, Object.fromEntries(params));
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * The active patrols of `scope` nearest to a place, nearest first, answered from Redis alone (the scope's set,
 * then metas and last positions in one pipeline — the SNAPSHOT's reads): patrols without a position yet are
 * left out, and so are those of another status when one is asked for. At city scale (1,000 patrols) this is
 * two round trips and ~150 KB; a GEO index would pay off well beyond that.
 */
export async function nearestUnits(scope: Scope, query: NearestQuery): Promise<NearestUnit[]> {
  const r = redis();
  const views = await redisCall(readPatrolViews(r, redisPrefix, await redisCall(activePatrolIds(r, redisPrefix, scope))));
  const units: NearestUnit[] = [];
  for (const v of views) {
    if (!v.last || (query.status && v.status !== query.status)) continue;
    const distanceM = Math.round(distanceMetres(query.lat, query.lon, v.last.lat, v.last.lon));
    units.push({ patrolId: v.patrolId, callSign: v.callSign, status: v.status, distanceM, last: v.last });
  }
  return units.sort((a, b) => a.distanceM - b.distanceM || a.patrolId - b.patrolId).slice(0, query.limit);
}
