import { recordAudit, type AuditActor } from "../audit/record";
import type { SessionUser } from "../auth/options";
import { prisma } from "../db";
import { AppError } from "../errors";
import { log } from "../log";
import type { Position } from "../realtime/protocol";
import { scopeContains } from "../scope";
import type { PositionRow } from "./position-row";
import type { TrackHeader } from "../openapi/responses";
import { trackEncoder, type TrackFormat } from "./track-formats";

/** Longest window one track request may cover: 7 days (a shift is 8–12 hours). */
export const MAX_TRACK_WINDOW_MS = 7 * 86_400_000;
/** Points read per query while streaming a track: 5,000 (~0.5 MB of JSON), so memory stays flat however long the track. */
const PAGE_POINTS = 5_000;
/** The default window starts this long before the patrol did: devices' clocks run a little behind. 1 hour. */
const DEFAULT_LEAD_MS = 3_600_000;
/** …and ends this long after it ended (or now): a device clock may run up to 5 minutes ahead. */
const DEFAULT_TRAIL_MS = 5 * 60_000;

/** A track request: `from`/`to` epoch ms, both inclusive (default: the whole patrol). */
export interface TrackQuery {
  from?: number;
  to?: number;
  format: TrackFormat;
}

/** An open track: who it belongs to and its body, streamed page by page. */
export interface TrackResponse {
  header: TrackHeader;
  format: TrackFormat;
  contentType: string;
  filename: string;
  body: ReadableStream<Uint8Array>;
}

/** The columns a track reads of each stored point. */
type PointRow = Omit<PositionRow, "patrolId" | "vehicleId">;

/**
 * Opens the stored track of one patrol for `user`: 404 when the patrol does not exist or is outside the
 * user's jurisdiction (the live map's rule; the two answer alike), 400 for a window over `MAX_TRACK_WINDOW_MS`. The first page is
 * read before returning so a database failure is an error response, not a truncated body. Audited as
 * `track.view` (json) or `track.export` (a file format).
 */
export async function readTrack(user: SessionUser, patrolId: number, query: TrackQuery, actor: AuditActor): Promise<TrackResponse> {
  const patrol = await prisma.patrol.findUnique({
    where: { id: patrolId },
    select: {
      id: true, vehicleId: true, stationId: true, divisionId: true, zoneId: true, districtId: true, startedAt: true, endedAt: true,
      vehicle: { select: { callSign: true } },
    },
  });
  // Outside the user's jurisdiction a patrol answers exactly like a missing one: ids cannot be probed.
  if (!patrol || !scopeContains(user.scope, patrol)) {
    throw new AppError("NOT_FOUND", `Patrol ${patrolId} does not exist.`);
  }
  const from = query.from ?? patrol.startedAt.getTime() - DEFAULT_LEAD_MS;
  const to = query.to ?? (patrol.endedAt?.getTime() ?? Date.now()) + DEFAULT_TRAIL_MS;
  checkWindow(from, to);

  const header: TrackHeader = { patrolId, vehicleId: patrol.vehicleId, callSign: patrol.vehicle.callSign };
  const encoder = trackEncoder(query.format);
  const utf8 = new TextEncoder();
  let page = await readPage(patrolId, from, to, false);
  await recordAudit({
    action: query.format === "json" ? "track.view" : "track.export",
    actor,
    target: `patrol:${patrolId}`,
    detail: { format: query.format, from, to, vehicleId: patrol.vehicleId, callSign: header.callSign, stationId: patrol.stationId },
  });
  let done = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(utf8.encode(encoder.open(header)));
    },
    async pull(controller) {
      if (done) return;
      try {
        const text = encoder.points(page.map(toPosition));
        if (text) controller.enqueue(utf8.encode(text));
        if (page.length < PAGE_POINTS) {
          done = true;
          controller.enqueue(utf8.encode(encoder.close()));
          controller.close();
          return;
        }
        page = await readPage(patrolId, page[page.length - 1]!.ts, to, true);
      } catch (err) {
        log.error({ err: String(err), patrolId }, "track stream failed part-way");
        controller.error(err);
      }
    },
  });
  const filename = `patrol-${patrolId}-${header.callSign.replace(/[^A-Za-z0-9_-]/g, "_")}.${encoder.extension}`;
  return { header, format: query.format, contentType: encoder.contentType, filename, body };
}

/** 400 unless `from` ≤ `to` and the window is at most `MAX_TRACK_WINDOW_MS`. */
export function checkWindow(from: number, to: number, maxMs = MAX_TRACK_WINDOW_MS): void {
  if (from > to) throw new AppError("VALIDATION_FAILED", `Invalid request: from (${from}) is after to (${to}); swap them.`);
  if (to - from > maxMs) {
    throw new AppError(
      "VALIDATION_FAILED",
      `Invalid request: the window from ${from} to ${to} is longer than the limit of ${maxMs / 86_400_000} days; ask for a shorter window.`,
    );
  }
}

/** One page of points in `ts` order: from `from` (exclusive when `after`, for the next page) to `to` inclusive. */
function readPage(patrolId: number, from: number, to: number, after: boolean): Promise<PointRow[]> {
  return prisma.$queryRawUnsafe<PointRow[]>(
    `SELECT (extract(epoch FROM "ts") * 1000)::float8 AS ts, "lat", "lon", "speed", "heading", "accuracy"
     FROM "positions"
     WHERE "patrolId" = $1 AND "ts" ${after ? ">" : ">="} to_timestamp($2::float8 / 1000) AND "ts" <= to_timestamp($3::float8 / 1000)
     ORDER BY "ts" LIMIT ${PAGE_POINTS}`,
    patrolId,
    from,
    to,
  );
}

function toPosition(r: PointRow): Position {
  const p: Position = { ts: r.ts, lat: r.lat, lon: r.lon };
  if (r.speed !== null) p.speed = r.speed;
  if (r.heading !== null) p.heading = r.heading;
  if (r.accuracy !== null) p.accuracy = r.accuracy;
  return p;
}
