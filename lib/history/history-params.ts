import { z } from "zod";
import { parseWith } from "../http/handler";
import { MAX_ROW_ID } from "../row-id";
import type { HistoryQuery } from "./list-history";
import type { TrackQuery } from "./read-track";
import { TRACK_FORMATS } from "./track-formats";

const epochMs = z
  .string()
  .regex(/^\d{1,15}$/, "must be epoch milliseconds (a whole number)")
  .transform(Number);

const rowId = z
  .string()
  .regex(/^\d{1,10}$/, "must be a positive whole number")
  .transform(Number)
  .refine((n) => n >= 1 && n <= MAX_ROW_ID, "must be a positive whole number");

const trackParams = z.object({
  from: epochMs.optional(),
  to: epochMs.optional(),
  format: z.enum(TRACK_FORMATS, { error: `must be one of ${TRACK_FORMATS.join(", ")}` }).default("json"),
});

const historyParams = z.object({
  from: epochMs.optional(),
  to: epochMs.optional(),
  stationId: rowId.optional(),
  vehicleId: rowId.optional(),
});

/** Reads `from`, `to` and `format` of a track request; 400 naming each bad one. Other parameters are ignored. */
export function trackQueryOf(params: URLSearchParams): TrackQuery {
  return parseWith(trackParams, Object.fromEntries(params));
}

/** Reads `from`, `to`, `stationId` and `vehicleId` of a history search; 400 naming each bad one. */
export function historyQueryOf(params: URLSearchParams): HistoryQuery {
  return parseWith(historyParams, Object.fromEntries(params));
}
