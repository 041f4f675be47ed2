import { z } from "zod";
import { parseWith } from "../http/handler";
import { epochMsParam, rowIdParam } from "../http/query-params";
import type { HistoryQuery } from "./list-history";
import type { TrackQuery } from "./read-track";
import { TRACK_FORMATS } from "./track-formats";

/** Query of `GET /api/patrols/{id}/track` (documented by `GET /api/openapi.json`). Other parameters are ignored. */
export const trackQuerySchema = z.object({
  from: epochMsParam.optional().describe("Epoch ms, inclusive. Default: an hour before the patrol started."),
  to: epochMsParam.optional().describe("Epoch ms, inclusive. Default: 5 minutes after the patrol ended (or now). At most 7 days after `from`."),
  format: z
    .enum(TRACK_FORMATS, { error: `must be one of ${TRACK_FORMATS.join(", ")}` })
    .default("json")
    .describe("json (default), geojson (a LineString, times in properties.times), gpx (GPX 1.1) or csv."),
});

const historyParams = z.object({
  from: epochMsParam.optional(),
  to: epochMsParam.optional(),
  stationId: rowIdParam.optional(),
  vehicleId: rowIdParam.optional(),
});

/** Reads `from`, `to` and `format` of a track request; 400 naming each bad one. Other parameters are ignored. */
export function trackQueryOf(params: URLSearchParams): TrackQuery {
  return parseWith(trackQuerySchema, Object.fromEntries(params));
}

/** Reads `from`, `to`, `stationId` and `vehicleId` of a history search; 400 naming each bad one. */
export function historyQueryOf(params: URLSearchParams): HistoryQuery {
  return parseWith(historyParams, Object.fromEntries(params));
}
