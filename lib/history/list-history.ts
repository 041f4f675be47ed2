import type { SessionUser } from "../auth/options";
import { prisma } from "../db";
import { AppError } from "../errors";
import type { PatrolMeta } from "../realtime/protocol";
import { chainFilter } from "../scope";
import { checkWindow } from "./read-track";

/** Longest window one history search may cover: 31 days. */
export const MAX_HISTORY_WINDOW_MS = 31 * 86_400_000;
/** Most patrols one search returns; more is refused with a message asking to narrow it: 2,000. */
export const MAX_HISTORY_ITEMS = 2_000;
/** Default window when `from` is left out: the 24 hours before `to`. */
const DEFAULT_WINDOW_MS = 86_400_000;

/** A history search: `from`/`to` epoch ms (default the last 24 h), optionally one station or vehicle. */
export interface HistoryQuery {
  from?: number;
  to?: number;
  stationId?: number;
  vehicleId?: number;
}

/** A patrol that overlaps the window, with how many stored points it has inside it. */
export type HistoryItem = PatrolMeta & {
  /** Epoch milliseconds; null while the patrol is active. */
  endedAt: number | null;
  points: number;
};


/**
 * Patrols inside `user`'s jurisdiction (the live map's rule) that were active at some moment of the window,
 * newest first; 400 for an inverted window, one over `MAX_HISTORY_WINDOW_MS`, or more than `MAX_HISTORY_ITEMS` matches.
 */
export async function listHistory(user: SessionUser, query: HistoryQuery, now = Date.now()): Promise<HistoryItem[]> {
  const to = query.to ?? now;
  const from = query.from ?? to - DEFAULT_WINDOW_MS;
  checkWindow(from, to, MAX_HISTORY_WINDOW_MS);
  const patrols = await prisma.patrol.findMany({
    where: {
      ...chainFilter(user.scope),
      ...(query.stationId !== undefined ? { stationId: query.stationId } : {}),
      ...(query.vehicleId !== undefined ? { vehicleId: query.vehicleId } : {}),
      startedAt: { lte: new Date(to) },
      OR: [{ endedAt: null }, { endedAt: { gte: new Date(from) } }],
    },
    select: {
      id: true, vehicleId: true, stationId: true, divisionId: true, zoneId: true, districtId: true, startedAt: true, endedAt: true,
      vehicle: { select: { callSign: true } },
    },
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: MAX_HISTORY_ITEMS + 1,
  });
  if (patrols.length > MAX_HISTORY_ITEMS) {
    throw new AppError(
      "VALIDATION_FAILED",
      `Invalid request: more than ${MAX_HISTORY_ITEMS} patrols match; narrow the window or filter by stationId or vehicleId.`,
    );
  }
  const counts = await countPoints(patrols.map((p) => p.id), from, to);
  return patrols.map((p) => ({
    patrolId: p.id,
    vehicleId: p.vehicleId,
    callSign: p.vehicle.callSign,
    stationId: p.stationId,
    divisionId: p.divisionId,
    zoneId: p.zoneId,
    districtId: p.districtId,
    startedAt: p.startedAt.getTime(),
    endedAt: p.endedAt?.getTime() ?? null,
    points: counts.get(p.id) ?? 0,
  }));
}

async function countPoints(patrolIds: number[], from: number, to: number): Promise<Map<number, number>> {
  if (patrolIds.length === 0) return new Map();
  const rows = await prisma.$queryRawUnsafe<{ patrolId: number; n: number }[]>(
    `SELECT "patrolId", count(*)::int AS n FROM "positions"
     WHERE "patrolId" = ANY($1::int4[]) AND "ts" >= to_timestamp($2::float8 / 1000) AND "ts" <= to_timestamp($3::float8 / 1000)
     GROUP BY "patrolId"`,
    patrolIds,
    from,
    to,
  );
  return new Map(rows.map((r) => [r.patrolId, r.n]));
}
