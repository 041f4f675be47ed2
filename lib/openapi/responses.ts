import { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "../errors";
import { UNIT_STATUSES } from "../realtime/protocol";

/**
 * What the vehicle API answers, as zod schemas: the code that builds each answer is typed by `z.infer` of its schema
 * here, and `GET /api/openapi.json` documents the same schemas (lib/openapi/document.ts), so the two cannot drift.
 * The integration test validates real answers against the document. Pure zod: no database, Redis or env.
 */

const id = z.number().int().min(1);
const epochMs = z.number().int().describe("Epoch milliseconds.");

/** `POST /api/vehicles/token` → 200. */
export const vehicleTokenSchema = z.strictObject({
  token: z.string().describe('Send as "Authorization: Bearer <token>" on every vehicle request.'),
  expiresAt: epochMs.describe("When the token expires (epoch ms): request a new one before then."),
});
export type VehicleToken = z.infer<typeof vehicleTokenSchema>;

/** `POST /api/admin/vehicles/{id}/device-id` → 200. */
export const deviceIdIssuedSchema = z.strictObject({
  deviceId: z
    .string()
    .regex(/^[a-z2-9]{4}(?:-[a-z2-9]{4}){7}$/)
    .describe("The phone's credential, shown this once: enter it in Traccar Client as the device identifier (case, spaces and dashes do not matter)."),
  deviceIdIssuedAt: epochMs.describe("When it was issued (epoch ms); the vehicle's previous device id stopped working then."),
});
export type DeviceIdIssued = z.infer<typeof deviceIdIssuedSchema>;

/** `POST /api/patrols/start` → 201. */
export const startedPatrolSchema = z.strictObject({
  patrolId: id,
  channel: z.string().describe("The patrol's live data channel (informational: dashboards subscribe to it)."),
  startedAt: epochMs,
});
export type StartedPatrol = z.infer<typeof startedPatrolSchema>;

/** `POST /api/patrols/{id}/stop` → 200. */
export const stoppedPatrolSchema = z.strictObject({ patrolId: id, endedAt: epochMs });
export type StoppedPatrol = z.infer<typeof stoppedPatrolSchema>;

/** `POST /api/telemetry` → 202. */
export const telemetryAcceptedSchema = z.strictObject({
  ok: z.literal(true),
  stale: z
    .literal(true)
    .optional()
    .describe("The point is not newer than the patrol's newest, so not shown live: a late point (kept in the history) or a repeat (a retry: dropped)."),
  withheld: z
    .literal(true)
    .optional()
    .describe("The patrol's live budget was spent this second: the point is kept in its history, not shown live."),
});
export type TelemetryAccepted = z.infer<typeof telemetryAcceptedSchema>;

/** `POST /api/telemetry/batch` → 202. */
export const batchAcceptedSchema = z.strictObject({
  ok: z.literal(true),
  accepted: z.number().int().min(0).describe("Points in the batch."),
  published: z.number().int().min(0).describe("Points shown live."),
  stale: z.number().int().min(0).describe("Points not newer than the patrol's newest: late ones kept in its history only, repeats dropped."),
  withheld: z.number().int().min(0).describe("Points over the patrol's live budget: kept in its history only."),
});
export type BatchAccepted = z.infer<typeof batchAcceptedSchema>;

/** `POST /api/patrols/{id}/status` → 200. */
export const statusChangedSchema = z.strictObject({
  patrolId: id,
  status: z.enum(UNIT_STATUSES),
  at: epochMs.describe("When the status changed (epoch ms)."),
});
export type StatusChanged = z.infer<typeof statusChangedSchema>;

/** `POST /api/patrols/{id}/sos` → 201. */
export const sosRaisedSchema = z.strictObject({
  alertId: id.describe("The SOS alert: the same id again while it is not resolved."),
});
export type SosRaised = z.infer<typeof sosRaisedSchema>;

/** One stored point of a track: optional fields only when the device sent them. */
export const trackPointSchema = z.strictObject({
  ts: epochMs,
  lat: z.number(),
  lon: z.number(),
  speed: z.number().optional().describe("m/s."),
  heading: z.number().optional().describe("Degrees, [0, 360)."),
  accuracy: z.number().optional().describe("Metres."),
});
export type TrackPoint = z.infer<typeof trackPointSchema>;

/** Whose track it is, as every format names it. */
const trackOwner = { patrolId: id, vehicleId: id, callSign: z.string() };

/** `GET /api/patrols/{id}/track` (format=json) → 200: the points in `ts` order. */
export const trackJsonSchema = z.strictObject({ ...trackOwner, points: z.array(trackPointSchema) });
export type TrackJson = z.infer<typeof trackJsonSchema>;
/** Who a track belongs to: the JSON format's fields other than `points`, named by every format. */
export type TrackHeader = Omit<TrackJson, "points">;

/** `GET /api/patrols/{id}/track?format=geojson` → 200: one LineString feature, its times in `properties.times`. */
export const trackGeoJsonSchema = z.strictObject({
  type: z.literal("FeatureCollection"),
  features: z.tuple([
    z.strictObject({
      type: z.literal("Feature"),
      geometry: z.strictObject({
        type: z.literal("LineString"),
        coordinates: z.array(z.tuple([z.number(), z.number()])).describe("[lon, lat] of each point, in `ts` order."),
      }),
      properties: z.strictObject({
        ...trackOwner,
        times: z.array(epochMs).describe("Epoch ms of each point, in the order of `coordinates`."),
      }),
    }),
  ]),
});

/** What a form needs to word a validation issue itself: its path, zod's message and code, and the limit or format it broke. */
export const issueDetailSchema = z.strictObject({
  path: z.string().describe("The offending field, dotted (`points.3.lat`); empty for the body as a whole."),
  message: z.string(),
  code: z.string().describe("zod's issue code: `invalid_type`, `too_small`, `too_big`, `invalid_format`, `invalid_value`, `custom`, …"),
  origin: z.string().optional().describe("For `too_small` / `too_big`: what was measured (`number`, `string` length, `array` size…)."),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  format: z.string().optional().describe("For `invalid_format`: `email`, `regex`, …"),
});
export type IssueDetail = z.infer<typeof issueDetailSchema>;

/** HTTP statuses the vehicle API answers with an error body (500 too, which no operation lists: it is a bug). */
export const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 415, 429, 503] as const;
export type ErrorStatus = (typeof ERROR_STATUSES)[number];

/** The codes of lib/errors.ts's closed list that answer with `status`. */
export function errorCodesOf(status: ErrorStatus): [ErrorCode, ...ErrorCode[]] {
  const codes = (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === status);
  if (codes.length === 0) throw new Error(`no error code answers ${status}`);
  return codes as [ErrorCode, ...ErrorCode[]];
}

/** `{error: {code, message, …details}}` (lib/http/handler.ts `errorResponse`) with the codes of `status`. */
function errorBody<D extends z.ZodRawShape>(status: ErrorStatus, details: D) {
  return z.strictObject({
    error: z.strictObject({
      code: z.enum(errorCodesOf(status)).describe("Stable: branch on this."),
      message: z.string().describe("What went wrong and what to do, for a person."),
      ...details,
    }),
  });
}

/** The patrol a 409 names, when it names one. */
const conflictPatrol = id.nullable().optional().describe("ALREADY_ON_PATROL: the vehicle's active patrol.");

/** The error body of each status: the shared shape, with the details some codes add. */
export const errorSchemas = {
  400: errorBody(400, {
    issues: z.array(issueDetailSchema).max(20).optional().describe("VALIDATION_FAILED: each offending field (up to 20)."),
  }),
  401: errorBody(401, {}),
  403: errorBody(403, {}),
  404: errorBody(404, {}),
  409: errorBody(409, {
    patrolId: conflictPatrol,
    endedBy: z.string().optional().describe("PATROL_ENDED_BY_COMMANDER: who ended the patrol."),
    endedAt: epochMs.optional().describe("PATROL_ENDED_BY_COMMANDER: when."),
    reason: z.string().nullable().optional().describe("PATROL_ENDED_BY_COMMANDER: why, as they typed it."),
  }).extend({ patrolId: conflictPatrol }),
  413: errorBody(413, {}),
  415: errorBody(415, {}),
  429: errorBody(429, {}),
  503: errorBody(503, {}),
} satisfies Record<ErrorStatus, z.ZodType>;
